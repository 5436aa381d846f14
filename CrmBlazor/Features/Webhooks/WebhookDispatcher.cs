using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Threading.Channels;
using CrmBlazor.Data;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Comments;
using CrmBlazor.Live;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Webhooks;

/// <summary>
/// Turns live events into webhook deliveries (only for customers the webhook's owner may see) and sends them, signed
/// with HMAC-SHA256 over a timestamp and the body, retrying with back-off. Each endpoint has a queue and a worker of
/// its own, so a slow or dead receiver never holds another back (issue #20, finding 5); every request has a timeout,
/// and after repeated failures the endpoint's breaker pauses it. Runs in every instance.
/// </summary>
public sealed class WebhookDispatcher(
    ILiveEventBus bus, IDbContextFactory<CrmDbContext> dbFactory, IHttpClientFactory http, TimeProvider clock, IConfiguration configuration,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string SignatureHeader = "X-CrmBlazor-Signature";
    public const string TimestampHeader = "X-CrmBlazor-Timestamp";
    public const string EventHeader = "X-CrmBlazor-Event";
    public const string DeliveryHeader = "X-CrmBlazor-Delivery";

    private readonly Channel<LiveEvent> _events = Channel.CreateUnbounded<LiveEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<int, EndpointQueue> _endpoints = [];
    private readonly Lock _endpointsLock = new();
    private readonly TimeSpan _poll = TimeSpan.FromMilliseconds(configuration.GetValue("Webhooks:PollMilliseconds", 2000));
    private readonly TimeSpan _retryBase = TimeSpan.FromSeconds(configuration.GetValue("Webhooks:RetryBaseSeconds", 30.0));
    private readonly TimeSpan _timeout = TimeSpan.FromSeconds(configuration.GetValue("Webhooks:TimeoutSeconds", 10.0));
    private readonly int _breakerFailures = configuration.GetValue("Webhooks:BreakerFailures", 5);
    private readonly TimeSpan _breakerPause = TimeSpan.FromSeconds(configuration.GetValue("Webhooks:BreakerPauseSeconds", 300.0));
    private CancellationToken _stopping = new(canceled: true);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        // Only events published by this instance: every instance records its own, so each event is delivered once.
        using var subscription = bus.SubscribeOwn([LiveTopics.All], e =>
        {
            if (e is CustomerChanged or CustomersChanged or CommentPosted or Orders.OrderChanged { Kind: Orders.OrderChangeKinds.Created or Orders.OrderChangeKinds.Paid })
            {
                _events.Writer.TryWrite(e);
            }

            return Task.CompletedTask;
        });
        var record = RecordLoopAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await WakeDueAsync(stoppingToken);
                await Task.Delay(_poll, clock, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Webhook sending failed; trying again shortly.");
                await Task.Delay(_poll, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        await record.ContinueWith(_ => { }, TaskScheduler.Default);
        Task[] workers;
        lock (_endpointsLock)
        {
            workers = [.. _endpoints.Values.Select(q => q.Completion)];
        }

        await Task.WhenAll(workers).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private async Task RecordLoopAsync(CancellationToken ct)
    {
        await foreach (var e in _events.Reader.ReadAllAsync(ct))
        {
            try
            {
                await RecordAsync(e, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Could not record webhook deliveries for {Event}.", e);
            }
        }
    }

    /// <summary>Creates the delivery rows for one event and wakes the endpoints' workers.</summary>
    public async Task RecordAsync(LiveEvent e, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var hooks = await db.Webhooks.AsNoTracking().Where(w => w.IsActive).ToListAsync(ct);
        if (hooks.Count == 0)
        {
            return;
        }

        // ItemId is the comment's id for a comment event and the order's id for an order event.
        var items = new List<(WebhookEvents Kind, int CustomerId, long? ItemId, int? MergedId)>();
        switch (e)
        {
            case CustomerChanged c:
                items.AddRange(await KindsAsync(db, c.CustomerId, c.Kind, ct));
                break;
            case CustomersChanged many:
                foreach (var id in many.CustomerIds.Take(10_000))
                {
                    items.AddRange(await KindsAsync(db, id, many.Kind, ct));
                }

                break;
            case CommentPosted p when p.Kind == CommentChangeKinds.Posted:
                items.Add((WebhookEvents.CommentPosted, p.CustomerId, p.CommentId, null));
                break;
            case Orders.OrderChanged o:
                items.Add((o.Kind == Orders.OrderChangeKinds.Paid ? WebhookEvents.OrderPaid : WebhookEvents.OrderCreated, o.CustomerId, o.OrderId, null));
                break;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var woken = new HashSet<int>();
        foreach (var hook in hooks)
        {
            var owner = await CurrentUser.LoadAsync(dbFactory, hook.OwnerId, ct);
            if (owner is null)
            {
                continue;
            }

            foreach (var (kind, customerId, itemId, mergedId) in items.Where(i => hook.Wants(i.Kind)))
            {
                // A customer the webhook's owner may not see is never sent (R7.4).
                if (!await CustomerScope.CanSee(db, owner, customerId, includeTrashed: false, ct))
                {
                    continue;
                }

                var payload = kind is WebhookEvents.OrderCreated or WebhookEvents.OrderPaid
                    ? await WebhookPayload.BuildOrderAsync(db, EventName(kind), customerId, itemId!.Value, now, ct)
                    : await WebhookPayload.BuildAsync(db, EventName(kind), customerId, itemId, now, ct, mergedId);
                db.WebhookDeliveries.Add(new WebhookDelivery(hook.Id, EventName(kind), payload, now));
                woken.Add(hook.Id);
            }
        }

        await db.SaveChangesAsync(ct);
        foreach (var id in woken)
        {
            Wake(id);
        }
    }

    /// <summary>Wakes the worker of every endpoint that has a due delivery and no open breaker.</summary>
    private async Task WakeDueAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var ids = await db.Webhooks
            .Where(w => w.IsActive && (w.PausedUntil == null || w.PausedUntil <= now)
                && db.WebhookDeliveries.Any(d => d.WebhookId == w.Id && d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now))
            .Select(w => w.Id).ToListAsync(ct);
        foreach (var id in ids)
        {
            Wake(id);
        }
    }

    private void Wake(int webhookId)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        lock (_endpointsLock)
        {
            if (!_endpoints.TryGetValue(webhookId, out var queue))
            {
                queue = new EndpointQueue(this, webhookId, _stopping);
                _endpoints[webhookId] = queue;
            }

            queue.Signal();
        }
    }

    private void Forget(EndpointQueue queue)
    {
        lock (_endpointsLock)
        {
            if (_endpoints.TryGetValue(queue.WebhookId, out var current) && current == queue)
            {
                _endpoints.Remove(queue.WebhookId);
            }
        }
    }

    /// <summary>
    /// Sends the due deliveries of one endpoint, oldest first, one at a time (the endpoint's worker calls it). Stops
    /// when none is due, the webhook is paused or its breaker opens. False when the webhook no longer exists.
    /// </summary>
    public async Task<bool> SendDueAsync(int webhookId, CancellationToken ct = default)
    {
        var client = http.CreateClient(nameof(WebhookDispatcher));
        while (true)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var hook = await db.Webhooks.SingleOrDefaultAsync(w => w.Id == webhookId, ct);
            if (hook is null)
            {
                return false;
            }

            var now = clock.GetUtcNow().UtcDateTime;
            if (!hook.IsActive || hook.IsPausedAt(now))
            {
                return true;
            }

            var due = await db.WebhookDeliveries.Where(d => d.WebhookId == webhookId && d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now)
                .OrderBy(d => d.Id).Take(20).ToListAsync(ct);
            foreach (var d in due)
            {
                var (status, error) = await SendAsync(client, hook, d, ct);
                var after = clock.GetUtcNow().UtcDateTime;
                if (error is null)
                {
                    d.Succeeded(status!.Value, after);
                    hook.DeliverySucceeded();
                }
                else
                {
                    d.FailedAttempt(status, error, after, _retryBase);
                    hook.DeliveryFailed(after, _breakerFailures, _breakerPause);
                }

                await db.SaveChangesAsync(ct); // the log shows each delivery as soon as it is done
                logger.LogInformation("Webhook {Hook} delivery {Delivery} ({Event}): {Status} ({Result}) after {Attempts} attempt(s).",
                    hook.Id, d.Id, d.Event, d.Status, error ?? "ok", d.Attempts);
                if (hook.IsPausedAt(after))
                {
                    logger.LogWarning("Webhook {Hook} paused until {Until} after {Failures} failures in a row.", hook.Id, hook.PausedUntil, hook.ConsecutiveFailures);
                    return true;
                }
            }

            if (due.Count < 20)
            {
                return true;
            }
        }
    }

    /// <summary>One attempt: the HTTP status and, on failure, a <see cref="DeliveryErrors"/> code (never network details).</summary>
    private async Task<(int? Status, string? Error)> SendAsync(HttpClient client, Webhook hook, WebhookDelivery d, CancellationToken ct)
    {
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, hook.Url) { Content = new StringContent(d.Payload, Encoding.UTF8, "application/json") };
        request.Headers.Add(TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(SignatureHeader, Webhook.Sign(hook.Secret, timestamp, d.Payload));
        request.Headers.Add(EventHeader, d.Event);
        request.Headers.Add(DeliveryHeader, d.Id.ToString(CultureInfo.InvariantCulture));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("CrmBlazor-Webhooks", "1.0"));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_timeout);
        try
        {
            // Headers only: a receiver's body is never read, so a huge answer costs nothing.
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var code = (int)response.StatusCode;
            return response.IsSuccessStatusCode ? (code, null)
                : code is >= 300 and < 400 ? (code, DeliveryErrors.Redirect)
                : (code, DeliveryErrors.HttpStatus);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, DeliveryErrors.Timeout);
        }
        catch (HttpRequestException ex)
        {
            return (null, IsRefusal(ex) ? DeliveryErrors.Refused : DeliveryErrors.Unreachable);
        }
    }

    private static bool IsRefusal(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is WebhookAddressRefusedException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The handler behind the webhook HTTP client: connections only through <see cref="WebhookAddressFilter"/>, no
    /// redirects (a 3xx is a failed delivery), no proxy (a proxy would connect on our behalf, past the filter).
    /// </summary>
    public static SocketsHttpHandler CreateHandler(WebhookAddressFilter filter) => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        ConnectCallback = filter.ConnectCallback,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        MaxResponseHeadersLength = 16,
    };

    private void WorkerFailed(Exception ex, int webhookId) => logger.LogError(ex, "Webhook {Hook}: sending failed; trying again shortly.", webhookId);

    /// <summary>One endpoint's queue: a wake-up channel drained by a worker of its own.</summary>
    private sealed class EndpointQueue
    {
        private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
        {
            FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true,
        });

        private readonly WebhookDispatcher _owner;

        public EndpointQueue(WebhookDispatcher owner, int webhookId, CancellationToken ct)
        {
            _owner = owner;
            WebhookId = webhookId;
            Completion = Task.Run(() => RunAsync(ct), CancellationToken.None);
        }

        public int WebhookId { get; }

        public Task Completion { get; }

        public void Signal() => _wake.Writer.TryWrite(true);

        private async Task RunAsync(CancellationToken ct)
        {
            try
            {
                await foreach (var _ in _wake.Reader.ReadAllAsync(ct))
                {
                    try
                    {
                        if (!await _owner.SendDueAsync(WebhookId, ct))
                        {
                            _owner.Forget(this);
                            return;
                        }
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        _owner.WorkerFailed(ex, WebhookId);
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // shutting down
            }
        }
    }

    private static async Task<IEnumerable<(WebhookEvents, int, long?, int?)>> KindsAsync(CrmDbContext db, int customerId, string kind, CancellationToken ct)
    {
        if (kind == ChangeKinds.Created)
        {
            return [(WebhookEvents.CustomerCreated, customerId, null, null)];
        }

        if (kind == ChangeKinds.Merged)
        {
            // About the survivor (the merged customer is hidden), naming the customer merged into it (R6.4).
            var survivor = await db.Customers.Where(c => c.Id == customerId).Select(c => c.MergedIntoId).FirstOrDefaultAsync(ct);
            return survivor is int s ? [(WebhookEvents.CustomerMerged, s, null, customerId)] : [];
        }

        if (kind != ChangeKinds.Updated)
        {
            return [];
        }

        // The newest logged change tells whether the pipeline stage moved (board, bulk, detail, import).
        var latest = await db.ChangeLog.Where(l => l.CustomerId == customerId).OrderByDescending(l => l.Id).Select(l => l.Field).FirstOrDefaultAsync(ct);
        return latest == "RelationshipId"
            ? [(WebhookEvents.CustomerUpdated, customerId, null, null), (WebhookEvents.RelationshipChanged, customerId, null, null)]
            : [(WebhookEvents.CustomerUpdated, customerId, null, null)];
    }

    public static string EventName(WebhookEvents kind) => kind switch
    {
        WebhookEvents.CustomerCreated => "customer.created",
        WebhookEvents.CustomerUpdated => "customer.updated",
        WebhookEvents.CustomerMerged => "customer.merged",
        WebhookEvents.RelationshipChanged => "customer.relationship_changed",
        WebhookEvents.CommentPosted => "comment.posted",
        WebhookEvents.OrderCreated => "order.created",
        WebhookEvents.OrderPaid => "order.paid",
        _ => "unknown",
    };
}
