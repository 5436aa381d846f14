using System.Collections.Concurrent;
using System.Text.Json;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Comments;
using CrmBlazor.Features.Customers;
using CrmBlazor.Features.Webhooks;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CrmBlazor.Tests.Integration.Api;

/// <summary>
/// Webhooks: a receiver on 127.0.0.1 (allowed through <c>Webhooks:AllowedHosts</c>) gets a delivery signed over a
/// timestamp and the body, a failure is retried with back-off and logged, and a customer the webhook's owner may not
/// see is never sent (R7.4). Issue #20: internal addresses are refused when saved and when connecting, redirects are
/// not followed, one slow receiver does not hold back another, a failing one trips its breaker, payloads are short.
/// Every receiver here listens on 127.0.0.1; refused addresses are refused before any connection.
/// </summary>
public sealed class WebhookTests : IAsyncLifetime
{
    private const int BreakerFailures = 3;
    private readonly List<WebApplication> _receivers = [];
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CrmAppFactory _app = null!;

    public Task InitializeAsync()
    {
        _app = new CrmAppFactory(settings: new Dictionary<string, string?>
        {
            ["Webhooks:RetryBaseSeconds"] = "0.5",
            ["Webhooks:PollMilliseconds"] = "100",
            ["Webhooks:AllowedHosts"] = "127.0.0.1/32",
            ["Webhooks:TimeoutSeconds"] = "120",
            ["Webhooks:BreakerFailures"] = BreakerFailures.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Webhooks:BreakerPauseSeconds"] = "600",
        });
        _ = _app.Services; // start the app (and its dispatcher)
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _release.TrySetResult();
        await _app.DisposeAsync();
        foreach (var receiver in _receivers)
        {
            await receiver.DisposeAsync();
        }
    }

    [Fact]
    public async Task Order_created_and_order_paid_are_delivered_with_the_order_figures_but_not_its_lines()
    {
        var received = new ConcurrentQueue<(string Event, string Body)>();
        var url = await StartReceiverAsync(async http => received.Enqueue((http.Request.Headers[WebhookDispatcher.EventHeader].ToString(), await ReadAsync(http))));
        var (lan, _) = await UsersAsync();
        await using var scope = _app.Services.CreateAsyncScope();
        var hooks = scope.ServiceProvider.GetRequiredService<WebhookService>();
        await hooks.CreateAsync(lan, url, WebhookEvents.OrderCreated | WebhookEvents.OrderPaid);
        var customer = (await scope.ServiceProvider.GetRequiredService<CustomerService>()
            .SaveFormAsync(lan, new CustomerForm { Name = "Khách mua máy lọc", Phone = "0912000555", OwnerId = lan.UserId })).CustomerId!.Value;
        var orders = scope.ServiceProvider.GetRequiredService<CrmBlazor.Features.Orders.OrderService>();

        var order = (await orders.CreateAsync(lan, customer, new CrmBlazor.Features.Orders.OrderInput
        {
            Lines = [new CrmBlazor.Domain.Orders.OrderLine("Máy lọc nước bí mật", 1, 3_000_000, 0)],
        })).Order!;
        await orders.RecordPaymentAsync(lan, order.Id, 3_000_000);

        await WaitUntilAsync(() => received.Count >= 2);
        Assert.Equal(["order.created", "order.paid"], received.Select(r => r.Event).Order());
        var paid = JsonDocument.Parse(received.Single(r => r.Event == "order.paid").Body).RootElement;
        Assert.Equal(customer, paid.GetProperty("customer").GetProperty("id").GetInt32());
        Assert.Equal(order.Number, paid.GetProperty("order").GetProperty("number").GetString());
        Assert.Equal(3_000_000m, paid.GetProperty("order").GetProperty("amountPaid").GetDecimal());
        Assert.DoesNotContain("bí mật", string.Concat(received.Select(r => r.Body)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signed_delivery_arrives_after_a_retry_and_out_of_scope_customers_are_never_sent()
    {
        var received = new ConcurrentQueue<(string Body, string? Signature, string? Timestamp, string? Event, string? Delivery)>();
        var failuresLeft = 1;
        var url = await StartReceiverAsync(async http =>
        {
            var body = await ReadAsync(http);
            if (Interlocked.Decrement(ref failuresLeft) >= 0)
            {
                http.Response.StatusCode = 503; // the first delivery fails: it must be retried
                return;
            }

            var h = http.Request.Headers;
            received.Enqueue((body, h[WebhookDispatcher.SignatureHeader], h[WebhookDispatcher.TimestampHeader], h[WebhookDispatcher.EventHeader], h[WebhookDispatcher.DeliveryHeader]));
        });
        var (lan, minh) = await UsersAsync();
        await using var scope = _app.Services.CreateAsyncScope();
        var hooks = scope.ServiceProvider.GetRequiredService<WebhookService>();
        var customers = scope.ServiceProvider.GetRequiredService<CustomerService>();

        await Assert.ThrowsAsync<AccessDeniedException>(() => hooks.CreateAsync(minh, url, WebhookEvents.All));
        var (hookId, secret) = await hooks.CreateAsync(lan, url, WebhookEvents.CustomerCreated | WebhookEvents.CommentPosted);

        // Minh's customer is outside Lan's scope: the webhook (acting for Lan) never sends it.
        var hidden = await customers.SaveFormAsync(minh, new CustomerForm { Name = "Khách riêng của Minh", Phone = "0912000111", OwnerId = minh.UserId });
        Assert.Equal(SaveStatus.Saved, hidden.Status);
        var visible = await customers.SaveFormAsync(lan, new CustomerForm { Name = "Khách từ landing page", Phone = "0912000222", OwnerId = lan.UserId });
        Assert.Equal(SaveStatus.Saved, visible.Status);

        await WaitUntilAsync(() => !received.IsEmpty);
        var (body, signature, timestamp, evt, delivery) = Assert.Single(received);
        Assert.Equal("customer.created", evt);
        Assert.NotNull(delivery);
        Assert.True(Webhook.Verify(secret, timestamp, body, signature, DateTimeOffset.UtcNow), "the signature covers the timestamp and the body");
        Assert.Equal(Webhook.Sign(secret, long.Parse(timestamp!, System.Globalization.CultureInfo.InvariantCulture), body), signature);
        Assert.False(Webhook.Verify(secret, timestamp, body, signature, DateTimeOffset.UtcNow.AddMinutes(6)), "a replay after five minutes is refused");
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal("Khách từ landing page", json.GetProperty("customer").GetProperty("name").GetString());
        Assert.DoesNotContain("Khách riêng của Minh", body, StringComparison.Ordinal);

        var log = Assert.Single(await hooks.DeliveriesAsync(lan, hookId));
        Assert.Equal(DeliveryStatus.Delivered, log.Status);
        Assert.Equal(2, log.Attempts); // 503 first, then delivered
        Assert.Equal(200, log.LastStatusCode);

        // Re-send from the log.
        await hooks.ResendAsync(lan, log.Id);
        await WaitUntilAsync(() => received.Count >= 2);
        Assert.Equal(2, received.Count);
    }

    [Fact]
    public async Task A_receiver_that_hangs_does_not_hold_back_a_healthy_one()
    {
        var slowArrivals = 0;
        var fast = new ConcurrentQueue<string>();
        var slowUrl = await StartReceiverAsync(async http =>
        {
            Interlocked.Increment(ref slowArrivals);
            await _release.Task; // hangs until the test lets it go
        });
        var fastUrl = await StartReceiverAsync(async http => fast.Enqueue(await ReadAsync(http)));
        var (lan, _) = await UsersAsync();
        await using var scope = _app.Services.CreateAsyncScope();
        var hooks = scope.ServiceProvider.GetRequiredService<WebhookService>();
        var customers = scope.ServiceProvider.GetRequiredService<CustomerService>();
        var (slowId, _) = await hooks.CreateAsync(lan, slowUrl, WebhookEvents.CustomerCreated); // older: its deliveries come first
        await hooks.CreateAsync(lan, fastUrl, WebhookEvents.CustomerCreated);

        const int count = 5;
        for (var i = 1; i <= count; i++)
        {
            var saved = await customers.SaveFormAsync(lan, new CustomerForm { Name = $"Khách số {i}", Phone = $"091200033{i}", OwnerId = lan.UserId });
            Assert.Equal(SaveStatus.Saved, saved.Status);
        }

        await WaitUntilAsync(() => fast.Count >= count, seconds: 30);

        // The healthy receiver has every delivery, in order, while the slow one still holds its first.
        Assert.Equal(Enumerable.Range(1, count).Select(i => $"Khách số {i}"),
            fast.Select(b => JsonDocument.Parse(b).RootElement.GetProperty("customer").GetProperty("name").GetString()));
        Assert.Equal(1, Volatile.Read(ref slowArrivals));
        Assert.False(_release.Task.IsCompleted);

        _release.SetResult();
        await WaitUntilAsync(() => Volatile.Read(ref slowArrivals) >= count, seconds: 30);
        Assert.Equal(count, Volatile.Read(ref slowArrivals));
        await WaitUntilAsync(() => Delivered(slowId) == count);
    }

    [Fact]
    public async Task A_redirect_is_a_failed_delivery_and_is_not_followed()
    {
        var followed = 0;
        var url = await StartReceiverAsync(http =>
        {
            if (http.Request.Path == "/elsewhere")
            {
                Interlocked.Increment(ref followed);
                return Task.CompletedTask;
            }

            http.Response.StatusCode = 302;
            http.Response.Headers.Location = "/elsewhere";
            return Task.CompletedTask;
        }, "/{**path}");
        var (lan, _) = await UsersAsync();
        await using var scope = _app.Services.CreateAsyncScope();
        var hooks = scope.ServiceProvider.GetRequiredService<WebhookService>();
        var (hookId, _) = await hooks.CreateAsync(lan, url, WebhookEvents.CustomerCreated);
        await scope.ServiceProvider.GetRequiredService<CustomerService>()
            .SaveFormAsync(lan, new CustomerForm { Name = "Khách chuyển hướng", Phone = "0912000444", OwnerId = lan.UserId });

        DeliveryView? log = null;
        await WaitUntilAsync(async () => (log = (await hooks.DeliveriesAsync(lan, hookId)).SingleOrDefault()) is { Attempts: > 0 });
        Assert.Equal(302, log!.LastStatusCode);
        Assert.Equal(DeliveryErrors.Redirect, log.LastError);
        Assert.NotEqual(DeliveryStatus.Delivered, log.Status);
        Assert.Equal(0, Volatile.Read(ref followed));
    }

    [Fact]
    public async Task Internal_addresses_are_refused_when_a_webhook_is_saved()
    {
        var (lan, _) = await UsersAsync();
        await using var scope = _app.Services.CreateAsyncScope();
        var hooks = scope.ServiceProvider.GetRequiredService<WebhookService>();
        string[] urls =
        [
            "http://localhost:9/hook", "http://[::1]:9/hook", "http://127.0.0.2:9/hook",
            "http://2130706434:9/hook", "http://0x7f.2:9/hook", "http://0177.0.0.2:9/hook", // 127.0.0.2 in other spellings
            "http://169.254.169.254/latest/meta-data/", "http://metadata.google.internal/computeMetadata/v1/",
            "http://10.0.0.1/hook", "http://[::ffff:192.168.1.1]/hook", "http://0.0.0.0:9/hook",
        ];
        foreach (var url in urls)
        {
            var refused = await Assert.ThrowsAsync<WebhookUrlRefusedException>(() => hooks.CreateAsync(lan, url, WebhookEvents.All));
            Assert.Equal(WebhookHostVerdict.Refused, refused.Verdict);
        }

        Assert.Empty(await hooks.ListAsync(lan));
    }

    [Fact]
    public async Task A_stored_internal_url_is_refused_when_connecting_and_the_log_says_refused_without_details()
    {
        var (lan, _) = await UsersAsync();
        int hookId;
        await using (var db = await _app.DbFactory.CreateDbContextAsync())
        {
            // Saved before the filter existed (or by hand): ::1 is loopback and not on the allow-list.
            var legacy = new Webhook("http://[::1]:9/hook", WebhookEvents.CustomerCreated, lan.UserId, DateTime.UtcNow);
            db.Webhooks.Add(legacy);
            await db.SaveChangesAsync();
            hookId = legacy.Id;
        }

        await using var scope = _app.Services.CreateAsyncScope();
        var hooks = scope.ServiceProvider.GetRequiredService<WebhookService>();
        await scope.ServiceProvider.GetRequiredService<CustomerService>()
            .SaveFormAsync(lan, new CustomerForm { Name = "Khách nội bộ", Phone = "0912000555", OwnerId = lan.UserId });

        DeliveryView? log = null;
        await WaitUntilAsync(async () => (log = (await hooks.DeliveriesAsync(lan, hookId)).SingleOrDefault()) is { Attempts: > 0 });
        Assert.Equal(DeliveryErrors.Refused, log!.LastError);
        Assert.Null(log.LastStatusCode);
        Assert.Equal(1, Assert.Single(await hooks.ListAsync(lan)).ConsecutiveFailures);
    }

    [Fact]
    public async Task An_endpoint_that_keeps_failing_is_held_back_and_resuming_it_closes_the_breaker()
    {
        var hits = 0;
        var url = await StartReceiverAsync(http =>
        {
            Interlocked.Increment(ref hits);
            http.Response.StatusCode = 500;
            return Task.CompletedTask;
        });
        var (lan, _) = await UsersAsync();
        await using var scope = _app.Services.CreateAsyncScope();
        var hooks = scope.ServiceProvider.GetRequiredService<WebhookService>();
        var customers = scope.ServiceProvider.GetRequiredService<CustomerService>();
        var (hookId, _) = await hooks.CreateAsync(lan, url, WebhookEvents.CustomerCreated);
        for (var i = 1; i <= BreakerFailures + 1; i++)
        {
            await customers.SaveFormAsync(lan, new CustomerForm { Name = $"Khách lỗi {i}", Phone = $"091200066{i}", OwnerId = lan.UserId });
        }

        WebhookView? view = null;
        await WaitUntilAsync(async () => (view = (await hooks.ListAsync(lan)).Single()) is { PausedUntil: not null, Pending: BreakerFailures + 1 });
        Assert.Equal(BreakerFailures, view!.ConsecutiveFailures);
        Assert.True(view.PausedUntil > DateTime.UtcNow.AddMinutes(5));
        Assert.Equal(BreakerFailures, Volatile.Read(ref hits)); // nothing more is sent while the breaker is open
        Assert.Equal(BreakerFailures + 1, view.Pending);

        await hooks.SetActiveAsync(lan, hookId, true); // "Try again now"
        view = Assert.Single(await hooks.ListAsync(lan));
        Assert.Null(view.PausedUntil);
        Assert.Equal(0, view.ConsecutiveFailures);
    }

    [Fact]
    public async Task A_comment_delivery_carries_an_excerpt_not_the_whole_comment()
    {
        var received = new ConcurrentQueue<string>();
        var url = await StartReceiverAsync(async http => received.Enqueue(await ReadAsync(http)));
        var (lan, _) = await UsersAsync();
        await using var scope = _app.Services.CreateAsyncScope();
        var hooks = scope.ServiceProvider.GetRequiredService<WebhookService>();
        var (hookId, _) = await hooks.CreateAsync(lan, url, WebhookEvents.CommentPosted);
        var saved = await scope.ServiceProvider.GetRequiredService<CustomerService>()
            .SaveFormAsync(lan, new CustomerForm { Name = "Khách có trao đổi dài", Phone = "0912000777", OwnerId = lan.UserId });
        var text = "Đã gọi điện, khách muốn báo giá. " + new string('x', 5000);
        await scope.ServiceProvider.GetRequiredService<CommentService>().PostAsync(lan, saved.Row!.Id, text);

        await WaitUntilAsync(() => !received.IsEmpty);
        var body = Assert.Single(received);
        Assert.True(body.Length < 2048, $"payload is {body.Length} characters");
        var comment = JsonDocument.Parse(body).RootElement.GetProperty("comment");
        Assert.StartsWith("Đã gọi điện, khách muốn báo giá.", comment.GetProperty("excerpt").GetString(), StringComparison.Ordinal);
        Assert.Equal(WebhookPayload.CommentExcerptLength, comment.GetProperty("excerpt").GetString()!.Length);
        Assert.Equal(text.Length, comment.GetProperty("length").GetInt32());
        Assert.True(comment.GetProperty("truncated").GetBoolean());

        await using var db = await _app.DbFactory.CreateDbContextAsync();
        var stored = await db.WebhookDeliveries.Where(d => d.WebhookId == hookId).Select(d => d.Payload).SingleAsync();
        Assert.True(stored.Length < 2048, "the delivery log keeps the short payload only");
    }

    private async Task<(UserAccess Lan, UserAccess Minh)> UsersAsync()
    {
        var lan = await _app.CreateUserAsync("lan", "Lan@12345678", Rights.SalesDefault | Rights.CrmSettings, "Nguyễn Thị Lan");
        var minh = await _app.CreateUserAsync("minh", "Minh@12345678", Rights.SalesDefault, "Đỗ Văn Minh");
        return ((await CurrentUser.LoadAsync(_app.DbFactory, lan))!, (await CurrentUser.LoadAsync(_app.DbFactory, minh))!);
    }

    private int Delivered(int hookId)
    {
        using var db = _app.DbFactory.CreateDbContext();
        return db.WebhookDeliveries.Count(d => d.WebhookId == hookId && d.Status == DeliveryStatus.Delivered);
    }

    /// <summary>A receiver on 127.0.0.1 with a random port; returns its /hook URL.</summary>
    private async Task<string> StartReceiverAsync(RequestDelegate handler, string pattern = "/hook")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var receiver = builder.Build();
        receiver.MapPost(pattern, handler);
        receiver.MapGet(pattern, handler);
        await receiver.StartAsync();
        _receivers.Add(receiver);
        return receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/hook";
    }

    private static async Task<string> ReadAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body);
        return await reader.ReadToEndAsync();
    }

    /// <summary>Polls until the condition holds (a deadline, not a timing assertion: the asserts that follow decide).</summary>
    private static Task WaitUntilAsync(Func<bool> condition, int seconds = 15) => WaitUntilAsync(() => Task.FromResult(condition()), seconds);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, int seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
    }
}
