using CrmBlazor.Data;
using CrmBlazor.Domain.Auditing;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Audit;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Webhooks;

public sealed record WebhookView(int Id, string Url, WebhookEvents Events, string OwnerName, bool IsActive, DateTime CreatedAt, int Pending, int Failed,
    int ConsecutiveFailures = 0, DateTime? PausedUntil = null);

/// <summary>A webhook URL refused when saved: its host is (or resolves to) an address webhooks may not call.</summary>
public sealed class WebhookUrlRefusedException(WebhookHostVerdict verdict)
    : ArgumentException(verdict == WebhookHostVerdict.NotFound ? "The webhook's host name was not found." : "Webhooks may not call this address.", "url")
{
    public WebhookHostVerdict Verdict { get; } = verdict;
}

public sealed record DeliveryView(long Id, string Event, DeliveryStatus Status, int Attempts, int? LastStatusCode, string? LastError, DateTime CreatedAt,
    DateTime? NextAttemptAt, DateTime? DeliveredAt);

/// <summary>Registering webhooks and reading their delivery log (CRM settings right, checked on every call — R7.4).</summary>
public sealed class WebhookService(IDbContextFactory<CrmDbContext> dbFactory, TimeProvider clock, WebhookAddressFilter addresses)
{
    public async Task<IReadOnlyList<WebhookView>> ListAsync(UserAccess user, CancellationToken ct = default)
    {
        Require(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Webhooks.OrderBy(w => w.Id).Select(w => new WebhookView(w.Id, w.Url, w.Events,
                db.StaffProfiles.Where(p => p.Id == w.OwnerId).Select(p => p.FullName).FirstOrDefault() ?? "?", w.IsActive, w.CreatedAt,
                db.WebhookDeliveries.Count(d => d.WebhookId == w.Id && d.Status == DeliveryStatus.Pending),
                db.WebhookDeliveries.Count(d => d.WebhookId == w.Id && d.Status == DeliveryStatus.Failed), w.ConsecutiveFailures, w.PausedUntil))
            .ToListAsync(ct);
    }

    /// <summary>
    /// Registers a URL; the webhook acts for <paramref name="user"/> (only customers they may see are sent). Returns the
    /// signing secret. Throws <see cref="WebhookUrlRefusedException"/> when the host is, or resolves to, an internal
    /// address not on the allow-list (checked again on every connection).
    /// </summary>
    public async Task<(int Id, string Secret)> CreateAsync(UserAccess user, string url, WebhookEvents events, CancellationToken ct = default)
    {
        Require(user);
        var verdict = await addresses.CheckUrlAsync(Webhook.ParseUrl(url), ct);
        if (verdict != WebhookHostVerdict.Allowed)
        {
            throw new WebhookUrlRefusedException(verdict);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var hook = new Webhook(url, events, user.UserId, clock.GetUtcNow().UtcDateTime);
        db.Webhooks.Add(hook);
        // Never the signing secret; the address without credentials or query string.
        await db.SaveCreatedAsync(user, AuditActions.WebhookCreated, AuditTargets.Webhook, () => hook.Id, AuditRecorder.SafeUrl(hook.Url),
            AuditRecorder.Values(("url", AuditRecorder.SafeUrl(hook.Url)), ("events", hook.Events.ToString())), ct);
        return (hook.Id, hook.Secret);
    }

    public async Task SetActiveAsync(UserAccess user, int id, bool active, CancellationToken ct = default)
    {
        Require(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var hook = await db.Webhooks.SingleOrDefaultAsync(w => w.Id == id, ct) ?? throw new KeyNotFoundException("No such webhook.");
        db.AddAuditOfChange(user, AuditActions.WebhookChanged, AuditTargets.Webhook, id, AuditRecorder.SafeUrl(hook.Url),
            AuditRecorder.Values(("active", hook.IsActive)), AuditRecorder.Values(("active", active)));
        if (active)
        {
            hook.Enable();
        }
        else
        {
            hook.Disable();
        }

        await db.SaveChangesAsync(ct);
    }

    public async Task DeleteAsync(UserAccess user, int id, CancellationToken ct = default)
    {
        Require(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var gone = await db.Webhooks.Where(w => w.Id == id).Select(w => new { w.Url, w.Events }).SingleOrDefaultAsync(ct);
        if (gone is null || await db.Webhooks.Where(w => w.Id == id).ExecuteDeleteAsync(ct) == 0)
        {
            return;
        }

        db.AddAudit(user, AuditActions.WebhookDeleted, AuditTargets.Webhook, id, AuditRecorder.SafeUrl(gone.Url),
            AuditRecorder.Values(("url", AuditRecorder.SafeUrl(gone.Url)), ("events", gone.Events.ToString())));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    public async Task<IReadOnlyList<DeliveryView>> DeliveriesAsync(UserAccess user, int webhookId, int take = 50, CancellationToken ct = default)
    {
        Require(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.WebhookDeliveries.Where(d => d.WebhookId == webhookId).OrderByDescending(d => d.Id).Take(take)
            .Select(d => new DeliveryView(d.Id, d.Event, d.Status, d.Attempts, d.LastStatusCode, d.LastError, d.CreatedAt, d.NextAttemptAt, d.DeliveredAt))
            .ToListAsync(ct);
    }

    /// <summary>Sends a logged delivery again (from the log).</summary>
    public async Task ResendAsync(UserAccess user, long deliveryId, CancellationToken ct = default)
    {
        Require(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var d = await db.WebhookDeliveries.SingleOrDefaultAsync(x => x.Id == deliveryId, ct) ?? throw new KeyNotFoundException("No such delivery.");
        d.Resend(clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(ct);
    }

    private static void Require(UserAccess user)
    {
        if (!user.Has(Rights.CrmSettings))
        {
            throw new AccessDeniedException("Webhooks need the CRM settings right.");
        }
    }
}
