using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
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
/// with HMAC-SHA256, retrying with back-off. Runs in every instance; a delivery row is claimed by one sender at a time.
/// </summary>
public sealed class WebhookDispatcher(
    ILiveEventBus bus, IDbContextFactory<CrmDbContext> dbFactory, IHttpClientFactory http, TimeProvider clock, IConfiguration configuration,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string SignatureHeader = "X-CrmBlazor-Signature";
    public const string EventHeader = "X-CrmBlazor-Event";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Channel<LiveEvent> _events = Channel.CreateUnbounded<LiveEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TimeSpan _poll = TimeSpan.FromMilliseconds(configuration.GetValue("Webhooks:PollMilliseconds", 2000));
    private readonly TimeSpan _retryBase = TimeSpan.FromSeconds(configuration.GetValue("Webhooks:RetryBaseSeconds", 30.0));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Only events published by this instance: every instance records its own, so each event is delivered once.
        using var subscription = bus.SubscribeOwn([LiveTopics.All], e =>
        {
            if (e is CustomerChanged or CustomersChanged or CommentPosted)
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
                await SendDueAsync(stoppingToken);
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

    /// <summary>Creates the delivery rows for one event.</summary>
    public async Task RecordAsync(LiveEvent e, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var hooks = await db.Webhooks.AsNoTracking().Where(w => w.IsActive).ToListAsync(ct);
        if (hooks.Count == 0)
        {
            return;
        }

        var items = new List<(WebhookEvents Kind, int CustomerId, long? CommentId)>();
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
                items.Add((WebhookEvents.CommentPosted, p.CustomerId, p.CommentId));
                break;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var hook in hooks)
        {
            var owner = await CurrentUser.LoadAsync(dbFactory, hook.OwnerId, ct);
            if (owner is null)
            {
                continue;
            }

            foreach (var (kind, customerId, commentId) in items.Where(i => hook.Wants(i.Kind)))
            {
                // A customer the webhook's owner may not see is never sent (R7.4).
                if (!await CustomerScope.CanSee(db, owner, customerId, includeTrashed: false, ct))
                {
                    continue;
                }

                var payload = await PayloadAsync(db, kind, customerId, commentId, now, ct);
                db.WebhookDeliveries.Add(new WebhookDelivery(hook.Id, EventName(kind), payload, now));
            }
        }

        await db.SaveChangesAsync(ct);
    }

    /// <summary>Sends every due delivery once.</summary>
    public async Task SendDueAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var due = await db.WebhookDeliveries.Where(d => d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now)
            .OrderBy(d => d.Id).Take(50).ToListAsync(ct);
        if (due.Count == 0)
        {
            return;
        }

        var hookIds = due.Select(d => d.WebhookId).Distinct().ToList();
        var hooks = await db.Webhooks.Where(w => hookIds.Contains(w.Id)).ToDictionaryAsync(w => w.Id, ct);
        var client = http.CreateClient(nameof(WebhookDispatcher));
        foreach (var d in due)
        {
            var hook = hooks[d.WebhookId];
            using var request = new HttpRequestMessage(HttpMethod.Post, hook.Url) { Content = new StringContent(d.Payload, Encoding.UTF8, "application/json") };
            request.Headers.Add(SignatureHeader, Webhook.Sign(hook.Secret, d.Payload));
            request.Headers.Add(EventHeader, d.Event);
            request.Headers.Add("X-CrmBlazor-Delivery", d.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("CrmBlazor-Webhooks", "1.0"));
            try
            {
                using var response = await client.SendAsync(request, ct);
                if (response.IsSuccessStatusCode)
                {
                    d.Succeeded((int)response.StatusCode, clock.GetUtcNow().UtcDateTime);
                }
                else
                {
                    d.FailedAttempt((int)response.StatusCode, $"HTTP {(int)response.StatusCode}", clock.GetUtcNow().UtcDateTime, _retryBase);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                d.FailedAttempt(null, ex.Message, clock.GetUtcNow().UtcDateTime, _retryBase);
            }

            logger.LogInformation("Webhook {Hook} delivery {Delivery} ({Event}): {Status} after {Attempts} attempt(s).", hook.Id, d.Id, d.Event, d.Status, d.Attempts);
        }

        await db.SaveChangesAsync(ct);
    }

    private static async Task<IEnumerable<(WebhookEvents, int, long?)>> KindsAsync(CrmDbContext db, int customerId, string kind, CancellationToken ct)
    {
        if (kind == ChangeKinds.Created)
        {
            return [(WebhookEvents.CustomerCreated, customerId, null)];
        }

        if (kind != ChangeKinds.Updated)
        {
            return [];
        }

        // The newest logged change tells whether the pipeline stage moved (board, bulk, detail, import).
        var latest = await db.ChangeLog.Where(l => l.CustomerId == customerId).OrderByDescending(l => l.Id).Select(l => l.Field).FirstOrDefaultAsync(ct);
        return latest == "RelationshipId"
            ? [(WebhookEvents.CustomerUpdated, customerId, null), (WebhookEvents.RelationshipChanged, customerId, null)]
            : [(WebhookEvents.CustomerUpdated, customerId, null)];
    }

    private static async Task<string> PayloadAsync(CrmDbContext db, WebhookEvents kind, int customerId, long? commentId, DateTime now, CancellationToken ct)
    {
        var customer = await db.Customers.AsNoTracking().Where(c => c.Id == customerId)
            .Select(c => new
            {
                c.Id, c.Code, c.Name, c.Phone, c.Email, c.RelationshipId,
                Relationship = db.Relationships.Where(r => r.Id == c.RelationshipId).Select(r => r.Name).FirstOrDefault(),
                c.OwnerId, c.Version, c.UpdatedAt,
            }).SingleAsync(ct);
        object? comment = commentId is null ? null
            : await db.Comments.AsNoTracking().Where(m => m.Id == commentId).Select(m => new { m.Id, m.Body, m.AuthorId, m.CreatedAt }).SingleOrDefaultAsync(ct);
        return JsonSerializer.Serialize(new { @event = EventName(kind), occurredAt = now, customer, comment }, Json);
    }

    public static string EventName(WebhookEvents kind) => kind switch
    {
        WebhookEvents.CustomerCreated => "customer.created",
        WebhookEvents.CustomerUpdated => "customer.updated",
        WebhookEvents.RelationshipChanged => "customer.relationship_changed",
        WebhookEvents.CommentPosted => "comment.posted",
        _ => "unknown",
    };
}
