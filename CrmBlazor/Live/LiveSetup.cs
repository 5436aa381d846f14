using Microsoft.AspNetCore.Components.Server.Circuits;

namespace CrmBlazor.Live;

public static class LiveSetup
{
    /// <summary>One instance: an in-process bus. With "Redis:Connection" set: a Redis-backed bus shared by every instance.</summary>
    public static IServiceCollection AddCrmLive(this IServiceCollection services, IConfiguration configuration)
    {
        var redis = configuration["Redis:Connection"];
        if (string.IsNullOrWhiteSpace(redis))
        {
            services.AddSingleton<ILiveEventBus, InProcessLiveEventBus>();
        }
        else
        {
            services.AddSingleton<ILiveEventBus>(sp => new RedisLiveEventBus(redis, sp.GetRequiredService<ILoggerFactory>()));
        }

        // One per circuit: live components follow its connection (a closed tab stops receiving at once).
        services.AddScoped<LiveCircuit>();
        services.AddScoped<CircuitHandler>(sp => sp.GetRequiredService<LiveCircuit>());
        services.AddSignalR();
        services.AddSingleton<HubConnections>();
        services.AddSingleton<HubAccessEnforcer>();
        services.AddHostedService<HubEventForwarder>();
        return services;
    }
}
