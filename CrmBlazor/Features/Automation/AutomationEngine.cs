using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrmBlazor.Data;
using CrmBlazor.Domain.Automation;
using CrmBlazor.Domain.Comments;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Comments;
using CrmBlazor.Features.Customers;
using CrmBlazor.Features.Webhooks;
using CrmBlazor.Live;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Automation;

/// <summary>Settings of the automation worker ("Automation" section of appsettings).</summary>
public sealed class AutomationOptions
{
    /// <summary>How often the worker looks for pending events when nothing woke it.</summary>
    public int PollMilliseconds { get; set; } = 1000;
    /// <summary>A change made by a rule may trigger other rules, up to this many links in a chain.</summary>
    public int MaxDepth { get; set; } = 3;
    /// <summary>Events taken per round.</summary>
    public int BatchSize { get; set; } = 100;
    /// <summary>How often the "no contact for N days" rules look for customers.</summary>
    public int ScanIntervalMinutes { get; set; } = 60;
    /// <summary>Off in a second app instance that should not run rules (they are safe to run in several, though).</summary>
    public bool Enabled { get; set; } = true;
    /// <summary>Processed events are deleted after this many days (with the "no contact" scan): the outbox would
    /// otherwise grow with every change. Kept a while to look into what ran.</summary>
    public int OutboxRetentionDays { get; set; } = 7;
    /// <summary>Rows deleted per statement when trimming, so a large backlog never holds the write lock for long.</summary>
    public int TrimBatchSize { get; set; } = 1000;
}

/// <summary>
/// Test seam: points where a test can hold the engine (a task it completes later) to stop the app at a known moment —
/// before a batch is read, or with a batch claimed but not committed. Not registered in the app: both are no-ops there.
/// </summary>
public sealed class AutomationTestGate
{
    public Func<CancellationToken, Task>? BeforeBatch { get; init; }
    public Func<IReadOnlyList<long>, CancellationToken, Task>? BeforeCommit { get; init; }
}

/// <summary>A rule ran on a customer: its automations tab and the rule's log reload.</summary>
public sealed record AutomationRan(int CustomerId, int RuleId) : LiveEvent
{
    public override IEnumerable<string> Topics() => [LiveTopics.Customer(CustomerId), AutomationTopics.Rules];
}

public static class AutomationTopics
{
    public const string Rules = "automation";
}

/// <summary>
/// Writes the outbox: every place that makes a change rules may react to adds the event here, in the transaction of
/// the change (R2.6d). Bulk changes and imports do not call it (R2.6b).
/// </summary>
public static class AutomationOutbox
{
    public static void Add(CrmDbContext db, AutomationTrigger trigger, int customerId, long? orderId, string? byUserId, DateTime utcNow) =>
        db.AutomationOutbox.Add(new AutomationEvent(trigger, customerId, orderId, byUserId, utcNow));
}

/// <summary>
/// Runs the automation rules (R2.6d) on the events of the outbox, after the commit of the change, in the background.
/// One event is one transaction: claim it (mark it processed), apply every matching rule's actions, record the runs,
/// write the events the actions cause — commit. A crash before the commit leaves the event pending and nothing applied;
/// after it, the event is done: each event runs its rules exactly once, across restarts and instances (the claim and a
/// unique (event, rule) run refuse a second worker). A rule runs as the user who last saved it, so its actions reach
/// only customers that user may edit (R7.4); a rule does not run on its own changes, and chains stop at a depth limit.
/// </summary>
public sealed class AutomationEngine(IDbContextFactory<CrmDbContext> dbFactory, TimeProvider clock, AutomationOptions options, ILiveEventBus? live = null,
    ILogger<AutomationEngine>? logger = null, AutomationTestGate? gate = null)
{
    public const string Origin = "automation";
    /// <summary>The change-log field of a rule's "write a log entry" action.</summary>
    public const string LogField = "Automation";
    public const string WebhookEvent = "automation.rule";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private DateTime UtcNow => clock.GetUtcNow().UtcDateTime;

    /// <summary>
    /// Processes pending events in order, up to the batch size, in one transaction (one commit for the batch: SQLite's
    /// single writer shares its time with the people saving). A concurrent write rolls the batch back; its events are
    /// then taken one at a time. The number processed.
    /// </summary>
    public async Task<int> ProcessPendingAsync(CancellationToken ct = default)
    {
        if (gate?.BeforeBatch is { } beforeBatch)
        {
            await beforeBatch(ct);
        }

        List<long> ids;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            ids = await db.AutomationOutbox.Where(e => e.ProcessedAt == null).OrderBy(e => e.Id).Take(options.BatchSize).Select(e => e.Id).ToListAsync(ct);
        }

        if (ids.Count == 0)
        {
            return 0;
        }

        try
        {
            return await ProcessBatchAsync(ids, ct);
        }
        catch (DbUpdateException ex)
        {
            logger?.LogDebug(ex, "An automation batch met a concurrent write; taking its events one at a time.");
        }

        var done = 0;
        foreach (var id in ids)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    done += await ProcessBatchAsync([id], ct);
                    break;
                }
                catch (DbUpdateException ex) when (attempt < 3)
                {
                    // A person saved the customer meanwhile (its version moved) or another worker took the event: look again.
                    logger?.LogDebug(ex, "Automation event {Event} met a concurrent write; trying again.", id);
                }
            }
        }

        return done;
    }

    /// <summary>Finds the customers of each active "no contact for N days" rule and queues one event per customer and
    /// quiet spell (a later contact starts a new spell). The number queued.</summary>
    public async Task<int> ScanNoContactAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rules = await db.AutomationRules.AsNoTracking().Where(r => r.IsActive && r.Trigger == AutomationTrigger.NoContactForDays).ToListAsync(ct);
        var now = UtcNow;
        var queued = 0;
        foreach (var rule in rules)
        {
            var cutoff = now.AddDays(-rule.Days!.Value);
            var ruleId = rule.Id;
            var due = await db.Customers.Where(c => !c.IsDeleted && (c.LastContactAt ?? c.CreatedAt) < cutoff
                    && !db.AutomationOutbox.Any(e => e.OnlyRuleId == ruleId && e.CustomerId == c.Id && e.CreatedAt > (c.LastContactAt ?? c.CreatedAt)))
                .OrderBy(c => c.Id).Select(c => c.Id).Take(1000).ToListAsync(ct);
            foreach (var id in due)
            {
                db.AutomationOutbox.Add(new AutomationEvent(AutomationTrigger.NoContactForDays, id, null, null, now, onlyRuleId: ruleId));
            }

            queued += due.Count;
        }

        await db.SaveChangesAsync(ct);
        return queued;
    }

    /// <summary>
    /// Deletes events processed more than <see cref="AutomationOptions.OutboxRetentionDays"/> ago, a batch per statement.
    /// A "no contact" event is kept while its customer's quiet spell lasts: the scan reads it to queue one event per spell,
    /// and without it would queue (and run) the rule again. The number deleted.
    /// </summary>
    public async Task<int> TrimOutboxAsync(CancellationToken ct = default)
    {
        var cutoff = UtcNow.AddDays(-Math.Max(0, options.OutboxRetentionDays));
        var batch = Math.Max(1, options.TrimBatchSize);
        var deleted = 0;
        while (true)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var ids = await db.AutomationOutbox
                .Where(e => e.ProcessedAt != null && e.ProcessedAt < cutoff
                    && (e.OnlyRuleId == null || !db.Customers.Any(c => c.Id == e.CustomerId && e.CreatedAt > (c.LastContactAt ?? c.CreatedAt))))
                .OrderBy(e => e.Id).Select(e => e.Id).Take(batch).ToListAsync(ct);
            if (ids.Count > 0)
            {
                deleted += await db.AutomationOutbox.Where(e => ids.Contains(e.Id)).ExecuteDeleteAsync(ct);
            }

            if (ids.Count < batch)
            {
                return deleted;
            }
        }
    }

    /// <summary>Runs the rules of one event in a transaction of its own. False when it was already processed.</summary>
    public async Task<bool> ProcessAsync(long eventId, CancellationToken ct = default) => await ProcessBatchAsync([eventId], ct) > 0;

    /// <summary>Runs the rules of <paramref name="ids"/> in one transaction; the number processed (others had been already).</summary>
    private async Task<int> ProcessBatchAsync(IReadOnlyList<long> ids, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rules = await db.AutomationRules.Where(r => r.IsActive).OrderBy(r => r.Id).ToListAsync(ct);
        // Each rule acts with the rights of the user who last saved it, read now (R7.4) — before the transaction, which
        // then holds the write lock only for the writes.
        var authors = new Dictionary<string, UserAccess?>(StringComparer.Ordinal);
        foreach (var userId in rules.Select(r => r.RunAsUserId).Distinct())
        {
            authors[userId] = await CurrentUser.LoadAsync(dbFactory, userId, ct);
        }

        var after = new List<LiveEvent>();
        var done = 0;
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            foreach (var id in ids)
            {
                if (await RunEventAsync(db, id, rules, authors, after, ct))
                {
                    done++;
                }
            }

            if (gate?.BeforeCommit is { } beforeCommit)
            {
                await beforeCommit(ids, ct);
            }

            await tx.CommitAsync(ct);
        }

        foreach (var ev in after)
        {
            live?.Publish(ev);
        }

        return done;
    }

    /// <summary>Claims one event and runs its rules, in the caller's transaction. False when another worker had it.</summary>
    private async Task<bool> RunEventAsync(CrmDbContext db, long eventId, List<AutomationRule> rules, Dictionary<string, UserAccess?> authors,
        List<LiveEvent> after, CancellationToken ct)
    {
        var now = UtcNow;
        // The claim: whoever marks it processed first runs it; the other worker sees no row to mark and stops.
        var claimed = await db.AutomationOutbox.Where(x => x.Id == eventId && x.ProcessedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.ProcessedAt, now), ct);
        if (claimed == 0)
        {
            return false;
        }

        var e = await db.AutomationOutbox.AsNoTracking().SingleAsync(x => x.Id == eventId, ct);
        var customer = await db.Customers.Include(c => c.Groups).SingleOrDefaultAsync(c => c.Id == e.CustomerId && !c.IsDeleted, ct);
        var customerChanged = false;
        var matching = rules.Where(r => r.Trigger == e.Trigger && (e.OnlyRuleId == null || r.Id == e.OnlyRuleId) && r.Id != e.CausedByRuleId);
        foreach (var rule in customer is null ? [] : matching)
        {
            var (outcome, detail, changed) = await RunRuleAsync(db, rule, authors[rule.RunAsUserId], e, customer!, now, after, ct);
            if (outcome is null)
            {
                continue;
            }

            db.AutomationRuns.Add(new AutomationRun(rule.Id, customer!.Id, e.Id, now, outcome.Value, detail));
            after.Add(new AutomationRan(customer.Id, rule.Id));
            customerChanged |= changed;
        }

        // Saved per event (inside the batch's transaction): the next event of the same customer reads this one's changes.
        await db.SaveChangesAsync(ct);
        if (customerChanged)
        {
            after.Add(new CustomerChanged(customer!.Id, ChangeKinds.Updated, null, CustomerChange.All, customer.Version));
        }

        return true;
    }

    /// <summary>One rule on one customer: null when its conditions do not hold (nothing recorded), else the run's outcome.</summary>
    private async Task<(AutomationRunOutcome? Outcome, string? Detail, bool Changed)> RunRuleAsync(CrmDbContext db, AutomationRule rule, UserAccess? author,
        AutomationEvent e, Customer customer, DateTime now, List<LiveEvent> after, CancellationToken ct)
    {
        if (!await ConditionsHoldAsync(db, rule.Conditions, customer, ct))
        {
            return (null, null, false);
        }

        if (e.Depth >= options.MaxDepth)
        {
            return (AutomationRunOutcome.Skipped, AutomationNote.Write([new(AutomationNote.ChainLimit, [e.Depth.ToString(CultureInfo.InvariantCulture)])]), false);
        }

        if (author is null || !author.Has(Rights.CustomersAccess | Rights.CustomersEdit) || !await CustomerScope.CanSee(db, author, customer.Id, false, ct))
        {
            return (AutomationRunOutcome.Skipped, AutomationNote.Write([new(AutomationNote.AuthorMayNotEdit)]), false);
        }

        var done = new List<AutomationNote>();
        var changed = false;
        foreach (var action in rule.Actions)
        {
            var (note, changes) = await ApplyAsync(db, rule, action, customer, author, now, after, ct);
            done.Add(note);
            if (changes.Count > 0)
            {
                changed = true;
                foreach (var change in changes)
                {
                    db.ChangeLog.Add(new ChangeLogEntry(customer.Id, null, now, change, Origin));
                }

                if (changes.Any(c => c.Field == nameof(Customer.RelationshipId)))
                {
                    db.AutomationOutbox.Add(new AutomationEvent(AutomationTrigger.RelationshipChanged, customer.Id, null, null, now, e.Depth + 1, rule.Id));
                }
            }
        }

        return (AutomationRunOutcome.Done, AutomationNote.Write(done), changed);
    }

    private async Task<(AutomationNote Note, IReadOnlyList<FieldChange> Changes)> ApplyAsync(CrmDbContext db, AutomationRule rule, AutomationAction action,
        Customer customer, UserAccess author, DateTime now, List<LiveEvent> after, CancellationToken ct)
    {
        switch (action.Kind)
        {
            case AutomationActionKind.SetRelationship:
                var relationshipId = action.RelationshipId!.Value;
                if (!await db.Relationships.AnyAsync(r => r.Id == relationshipId && !r.IsDeleted, ct))
                {
                    return (new(AutomationNote.RelationshipNotFound), []);
                }

                return (new(AutomationNote.RelationshipSet), customer.MoveTo(relationshipId, null, now));
            case AutomationActionKind.SetOwner:
            case AutomationActionKind.RoundRobinOwner:
                var users = action.UserIds!.ToList();
                var active = await db.StaffProfiles.Where(p => users.Contains(p.Id) && p.IsActive).Select(p => p.Id).ToListAsync(ct);
                var candidates = users.Where(active.Contains).ToList();
                if (candidates.Count == 0)
                {
                    return (new(AutomationNote.NoActiveOwner), []);
                }

                var owner = action.Kind == AutomationActionKind.SetOwner ? candidates[0] : rule.NextInTurn(candidates);
                return (new(AutomationNote.OwnerSet), customer.AssignOwner(owner, null, now));
            case AutomationActionKind.AddGroup:
            case AutomationActionKind.RemoveGroup:
                var groupId = action.GroupId!.Value;
                var before = customer.Groups.Select(g => g.GroupId).OrderBy(g => g).ToList();
                if (action.Kind == AutomationActionKind.AddGroup && !await db.CustomerGroups.AnyAsync(g => g.Id == groupId && !g.IsDeleted, ct))
                {
                    return (new(AutomationNote.GroupNotFound), []);
                }

                var wanted = action.Kind == AutomationActionKind.AddGroup ? before.Append(groupId).Distinct().ToList() : before.Where(g => g != groupId).ToList();
                if (wanted.Count == before.Count)
                {
                    return (new(AutomationNote.GroupsUnchanged), []);
                }

                customer.SetGroups(wanted);
                FieldChange[] groups = [new("Groups", string.Join(',', before), string.Join(',', wanted.OrderBy(g => g)))];
                customer.RecordChanges(groups, null, now);
                return (new(action.Kind == AutomationActionKind.AddGroup ? AutomationNote.GroupAdded : AutomationNote.GroupRemoved), groups);
            case AutomationActionKind.WriteLog:
                db.ChangeLog.Add(new ChangeLogEntry(customer.Id, null, now, new FieldChange(LogField, rule.Name, action.Text), Origin));
                after.Add(new CustomerChanged(customer.Id, ChangeKinds.Updated, null, CustomerChange.Details));
                return (new(AutomationNote.LogWritten), []);
            case AutomationActionKind.NotifyUsers:
                // Only people who may see the customer learn about it (R7.4).
                var wantedUsers = action.UserIds!.ToList();
                var audience = await CustomerScope.Audience(db, customer.Id).Where(p => wantedUsers.Contains(p.Id)).Select(p => p.Id).ToListAsync(ct);
                foreach (var id in audience)
                {
                    db.Notifications.Add(new Notification(id, NotificationKind.Automation, customer.Id, 0, null, now));
                    after.Add(new UnreadChanged(id));
                }

                return (new(AutomationNote.Notified, [audience.Count.ToString(CultureInfo.InvariantCulture)]), []);
            case AutomationActionKind.CallWebhook:
                var hook = await db.Webhooks.AsNoTracking().SingleOrDefaultAsync(w => w.Id == action.WebhookId && w.IsActive, ct);
                var hookOwner = hook is null ? null : await CurrentUser.LoadAsync(dbFactory, hook.OwnerId, ct);
                if (hook is null || hookOwner is null || !await CustomerScope.CanSee(db, hookOwner, customer.Id, false, ct))
                {
                    return (new(AutomationNote.WebhookNotSent), []);
                }

                // A delivery row in this transaction: the dispatcher sends it (signed, retried) within its poll interval.
                var payload = JsonNode.Parse(await WebhookPayload.BuildAsync(db, WebhookEvent, customer.Id, null, now, ct))!;
                payload["rule"] = new JsonObject { ["id"] = rule.Id, ["name"] = WebhookPayload.Excerpt(rule.Name, WebhookPayload.FieldLength) };
                db.WebhookDeliveries.Add(new WebhookDelivery(hook.Id, WebhookEvent, payload.ToJsonString(Json), now));
                return (new(AutomationNote.WebhookQueued), []);
            default:
                return (new(AutomationNote.UnknownAction), []);
        }
    }

    private static async Task<bool> ConditionsHoldAsync(CrmDbContext db, AutomationConditions c, Customer customer, CancellationToken ct)
    {
        if ((c.SourceId is int source && customer.SourceId != source)
            || (c.RelationshipId is int relationship && customer.RelationshipId != relationship)
            || (c.GroupId is int group && customer.Groups.All(g => g.GroupId != group))
            || (c.MinValue is decimal min && customer.TotalPaid < min))
        {
            return false;
        }

        if (c.OwnerDepartmentId is int department)
        {
            var path = await db.Departments.Where(d => d.Id == department).Select(d => d.Path).FirstOrDefaultAsync(ct);
            var ownerPath = customer.OwnerId is null ? null
                : await db.StaffProfiles.Where(p => p.Id == customer.OwnerId).Select(p => p.Department!.Path).FirstOrDefaultAsync(ct);
            return path is not null && ownerPath is not null && ownerPath.StartsWith(path, StringComparison.Ordinal);
        }

        return true;
    }
}
