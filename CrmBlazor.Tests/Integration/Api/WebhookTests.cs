using System.Collections.Concurrent;
using System.Text.Json;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Customers;
using CrmBlazor.Features.Webhooks;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CrmBlazor.Tests.Integration.Api;

/// <summary>
/// Webhooks: a receiver on 127.0.0.1 gets a correctly signed delivery, a failure is retried with back-off and logged,
/// and a customer the webhook's owner may not see is never sent (R7.4).
/// </summary>
public sealed class WebhookTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<(string Body, string? Signature, string? Event)> _received = new();
    private int _failuresLeft = 1;
    private WebApplication _receiver = null!;
    private string _receiverUrl = null!;
    private CrmAppFactory _app = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _receiver = builder.Build();
        _receiver.MapPost("/hook", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync();
            if (Interlocked.Decrement(ref _failuresLeft) >= 0)
            {
                return Results.StatusCode(503); // the first delivery fails: it must be retried
            }

            _received.Enqueue((body, http.Request.Headers[WebhookDispatcher.SignatureHeader], http.Request.Headers[WebhookDispatcher.EventHeader]));
            return Results.Ok();
        });
        await _receiver.StartAsync();
        _receiverUrl = _receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/hook";
        _app = new CrmAppFactory(settings: new Dictionary<string, string?> { ["Webhooks:RetryBaseSeconds"] = "0.5", ["Webhooks:PollMilliseconds"] = "100" });
        _ = _app.Services; // start the app (and its dispatcher)
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task A_signed_delivery_arrives_after_a_retry_and_out_of_scope_customers_are_never_sent()
    {
        var lan = await _app.CreateUserAsync("lan", "Lan@12345678", Rights.SalesDefault | Rights.CrmSettings, "Nguyễn Thị Lan");
        var minh = await _app.CreateUserAsync("minh", "Minh@12345678", Rights.SalesDefault, "Đỗ Văn Minh");
        var lanAccess = (await CurrentUser.LoadAsync(_app.DbFactory, lan))!;
        var minhAccess = (await CurrentUser.LoadAsync(_app.DbFactory, minh))!;
        await using var scope = _app.Services.CreateAsyncScope();
        var hooks = scope.ServiceProvider.GetRequiredService<WebhookService>();
        var customers = scope.ServiceProvider.GetRequiredService<CustomerService>();

        await Assert.ThrowsAsync<AccessDeniedException>(() => hooks.CreateAsync(minhAccess, _receiverUrl, WebhookEvents.All));
        var (hookId, secret) = await hooks.CreateAsync(lanAccess, _receiverUrl, WebhookEvents.CustomerCreated | WebhookEvents.CommentPosted);

        // Minh's customer is outside Lan's scope: the webhook (acting for Lan) never sends it.
        var hidden = await customers.SaveFormAsync(minhAccess, new CustomerForm { Name = "Khách riêng của Minh", Phone = "0912000111", OwnerId = minh });
        Assert.Equal(SaveStatus.Saved, hidden.Status);
        var visible = await customers.SaveFormAsync(lanAccess, new CustomerForm { Name = "Khách từ landing page", Phone = "0912000222", OwnerId = lan });
        Assert.Equal(SaveStatus.Saved, visible.Status);

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (_received.IsEmpty && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var (body, signature, evt) = Assert.Single(_received);
        Assert.Equal("customer.created", evt);
        Assert.Equal(Webhook.Sign(secret, body), signature);
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal("Khách từ landing page", json.GetProperty("customer").GetProperty("name").GetString());
        Assert.DoesNotContain("Khách riêng của Minh", body, StringComparison.Ordinal);

        var log = Assert.Single(await hooks.DeliveriesAsync(lanAccess, hookId));
        Assert.Equal(DeliveryStatus.Delivered, log.Status);
        Assert.Equal(2, log.Attempts); // 503 first, then delivered
        Assert.Equal(200, log.LastStatusCode);

        // Re-send from the log.
        await hooks.ResendAsync(lanAccess, log.Id);
        deadline = DateTime.UtcNow.AddSeconds(10);
        while (_received.Count < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Equal(2, _received.Count);
    }
}
