using Microsoft.AspNetCore.Components.Server.Circuits;

namespace CrmBlazor.Security;

/// <summary>
/// Where the current user's requests come from (the audit log's "from where", issue #20), one per scope. In an HTTP
/// request (API, endpoints, prerendering) it is the request's client address (after the forwarded-headers middleware,
/// when a proxy is trusted). A Blazor circuit outlives its first request and has no HttpContext of its own:
/// <see cref="ClientAddressCircuitHandler"/> fills it from the circuit's connection when it starts and on every reconnect.
/// </summary>
public sealed class ClientAddress(IHttpContextAccessor? http = null)
{
    private string? _value;

    public string? Value
    {
        get => _value ??= http?.HttpContext?.Connection.RemoteIpAddress?.ToString();
        set => _value = value;
    }
}

/// <summary>Reads the circuit's client address from the connection that opened (or reopened) it.</summary>
public sealed class ClientAddressCircuitHandler(ClientAddress address, IHttpContextAccessor http) : CircuitHandler
{
    public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        if (http.HttpContext?.Connection.RemoteIpAddress is { } ip)
        {
            address.Value = ip.ToString();
        }

        return Task.CompletedTask;
    }
}

public static class ClientAddressSetup
{
    public static IServiceCollection AddClientAddress(this IServiceCollection services)
    {
        services.AddScoped<ClientAddress>();
        services.AddScoped<CircuitHandler, ClientAddressCircuitHandler>();
        return services;
    }
}
