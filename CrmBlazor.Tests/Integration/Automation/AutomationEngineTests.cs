using CrmBlazor.Data;
using CrmBlazor.Domain.Automation;
using CrmBlazor.Domain.Comments;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Domain.Relationships;
using CrmBlazor.Features.Automation;
using CrmBlazor.Features.Customers;
using CrmBlazor.Features.Orders;
using CrmBlazor.Security;
using CrmBlazor.Tests.Integration.Customers;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace CrmBlazor.Tests.Integration.Automation;

/// <summary>
/// Automation rules (R2.6d): each trigger and each action, draft rules, R2.6b (bulk changes run no rule), a rule's own
/// change does not trigger it again and chains stop at the depth limit, and a rule acts only within its author's rights.
/// The engine is driven by hand here (the worker only calls it); the restart test runs the real worker. On SQLite and
/// PostgreSQL (the claim, the trim and the scan are set-based statements whose SQL differs by provider).
/// </summary>
public class AutomationEngineTests : IAsyncLifetime
{
    private GridWorld _w = null!;
    private TestClock _clock = null!;
    private OrderService _orders = null!;
    private CustomerService _customers = null!;
    private AutomationService _rules = null!;
    private AutomationEngine _engine = null!;
    private int _third;
    private int _vip;

    public async Task InitializeAsync()
    {
        _w = await GridWorld.CreateAsync(postgres: Postgres);
        _clock = new TestClock(DateTimeOffset.UtcNow);
        _orders = new OrderService(_w.Db.Factory, _clock, _w.Bus);
        _customers = new CustomerService(_w.Db.Factory, _clock, _w.Bus, new CustomerOptions(), NullLogger<CustomerService>.Instance);
        _rules = new AutomationService(_w.Db.Factory, _clock, _w.Bus);
        _engine = new AutomationEngine(_w.Db.Factory, _clock, new AutomationOptions(), _w.Bus);
        _third = await _w.Db.AddRelationshipAsync("Cần chăm sóc lại");
        await using var db = await _w.Db.Factory.CreateDbContextAsync();
        var vip = new CustomerGroup("Khách VIP", 0);
        db.CustomerGroups.Add(vip);
        await db.SaveChangesAsync();
        _vip = vip.Id;
    }

    protected virtual bool Postgres => false;

    public async Task DisposeAsync() => await _w.DisposeAsync();

    private Task<int> RuleAsync(AutomationTrigger trigger, params AutomationAction[] actions) =>
        RuleAsync(trigger, new AutomationConditions(), null, actions);

    private Task<int> RuleAsync(AutomationTrigger trigger, AutomationConditions conditions, int? days, params AutomationAction[] actions) =>
        _rules.CreateAsync(_w.Admin, new AutomationRuleInput($"Luật {trigger}", trigger, days, conditions, actions, Active: true));

    /// <summary>Runs the worker's rounds until nothing is pending (a chain adds events as it goes).</summary>
    private async Task<int> DrainAsync()
    {
        var total = 0;
        for (var round = 0; round < 20; round++)
        {
            var n = await _engine.ProcessPendingAsync();
            if (n == 0)
            {
                return total;
            }

            total += n;
        }

        throw new InvalidOperationException("The outbox never emptied.");
    }

    private async Task<T> QueryAsync<T>(Func<CrmDbContext, Task<T>> query)
    {
        await using var db = await _w.Db.Factory.CreateDbContextAsync();
        return await query(db);
    }

    private Task<int> RelationshipOf(int customerId) => QueryAsync(db => db.Customers.Where(c => c.Id == customerId).Select(c => c.RelationshipId).SingleAsync());

    [Fact]
    public async Task Order_created_sets_the_relationship_after_the_commit_logged_as_the_rule_and_recorded_in_the_run_log()
    {
        var rule = await RuleAsync(AutomationTrigger.OrderCreated, new AutomationAction(AutomationActionKind.SetRelationship, RelationshipId: _w.SecondRelationship));

        await _orders.CreateAsync(_w.Lan, _w.LanCustomer, new OrderInput { Total = 2_000_000 });
        Assert.Equal(_w.FirstRelationship, await RelationshipOf(_w.LanCustomer)); // not in the writer's transaction
        await DrainAsync();

        Assert.Equal(_w.SecondRelationship, await RelationshipOf(_w.LanCustomer));
        var run = Assert.Single((await _rules.CustomerRunsAsync(_w.Lan, _w.LanCustomer))!);
        Assert.Equal((rule, AutomationRunOutcome.Done), (run.RuleId, run.Outcome));
        Assert.Single(await _rules.RuleRunsAsync(_w.Admin, rule));
        Assert.True(await QueryAsync(db => db.ChangeLog.AnyAsync(l => l.CustomerId == _w.LanCustomer && l.Field == "RelationshipId"
            && l.Origin == AutomationEngine.Origin && l.UserId == null)));
        // Minh cannot see Lan's customer: its automations tab is not his to read (R7.3).
        Assert.Null(await _rules.CustomerRunsAsync(_w.Minh, _w.LanCustomer));
    }

    [Fact]
    public async Task Order_paid_adds_and_removes_groups_and_queues_a_signed_webhook_delivery()
    {
        int hookId;
        await using (var db = await _w.Db.Factory.CreateDbContextAsync())
        {
            var hook = new Webhook("https://hooks.example.test/crm", WebhookEvents.CustomerCreated, _w.Admin.UserId, DateTime.UtcNow);
            db.Webhooks.Add(hook);
            await db.SaveChangesAsync();
            hookId = hook.Id;
        }

        await RuleAsync(AutomationTrigger.OrderPaid, new AutomationAction(AutomationActionKind.AddGroup, GroupId: _vip),
            new AutomationAction(AutomationActionKind.CallWebhook, WebhookId: hookId));
        var order = (await _orders.CreateAsync(_w.Lan, _w.LanCustomer, new OrderInput { Total = 900_000 })).Order!;
        await DrainAsync();
        Assert.False(await QueryAsync(db => db.CustomerGroupMembers.AnyAsync(m => m.CustomerId == _w.LanCustomer)));

        await _orders.RecordPaymentAsync(_w.Lan, order.Id, 900_000);
        await DrainAsync();

        Assert.True(await QueryAsync(db => db.CustomerGroupMembers.AnyAsync(m => m.CustomerId == _w.LanCustomer && m.GroupId == _vip)));
        var delivery = await QueryAsync(db => db.WebhookDeliveries.SingleAsync(d => d.WebhookId == hookId));
        Assert.Equal(AutomationEngine.WebhookEvent, delivery.Event);
        Assert.Contains($"\"customer\":{{\"id\":{_w.LanCustomer},", delivery.Payload, StringComparison.Ordinal);

        await RuleAsync(AutomationTrigger.OrderCreated, new AutomationAction(AutomationActionKind.RemoveGroup, GroupId: _vip));
        await _orders.CreateAsync(_w.Lan, _w.LanCustomer, new OrderInput { Total = 1 });
        await DrainAsync();
        Assert.False(await QueryAsync(db => db.CustomerGroupMembers.AnyAsync(m => m.CustomerId == _w.LanCustomer)));
    }

    [Fact]
    public async Task Customer_created_shares_out_owners_in_turn_and_sets_one_owner()
    {
        await RuleAsync(AutomationTrigger.CustomerCreated, new AutomationAction(AutomationActionKind.RoundRobinOwner, UserIds: [_w.Lan.UserId, _w.Minh.UserId]));
        var ids = new List<int>();
        foreach (var (name, phone) in new[] { ("Hồ Thị Một", "0911000001"), ("Hồ Thị Hai", "0911000002"), ("Hồ Thị Ba", "0911000003") })
        {
            ids.Add((await _customers.SaveFormAsync(_w.Admin, new CustomerForm { Name = name, Phone = phone, RelationshipId = _w.FirstRelationship })).CustomerId!.Value);
        }

        await DrainAsync();

        var owners = await QueryAsync(db => db.Customers.Where(c => ids.Contains(c.Id)).OrderBy(c => c.Id).Select(c => c.OwnerId).ToListAsync());
        Assert.Equal([_w.Lan.UserId, _w.Minh.UserId, _w.Lan.UserId], owners);
    }

    [Fact]
    public async Task Relationship_changed_in_the_detail_writes_a_log_and_notifies_only_users_who_may_see_the_customer()
    {
        await RuleAsync(AutomationTrigger.RelationshipChanged, new AutomationConditions { RelationshipId = _w.SecondRelationship }, null,
            new AutomationAction(AutomationActionKind.WriteLog, Text: "Gọi lại trong 24 giờ"),
            new AutomationAction(AutomationActionKind.NotifyUsers, UserIds: [_w.Lan.UserId, _w.Minh.UserId]),
            new AutomationAction(AutomationActionKind.SetOwner, UserIds: [_w.Lan.UserId]));
        var version = (await _customers.RowAsync(_w.Admin, _w.LanCustomer))!.Version;

        await _customers.SaveFieldAsync(_w.Admin, _w.LanCustomer, GridFields.Relationship, _w.SecondRelationship.ToString(System.Globalization.CultureInfo.InvariantCulture),
            version, CustomerService.OriginDetail);
        await DrainAsync();

        Assert.True(await QueryAsync(db => db.ChangeLog.AnyAsync(l => l.CustomerId == _w.LanCustomer && l.Field == AutomationEngine.LogField && l.NewValue == "Gọi lại trong 24 giờ")));
        var notified = await QueryAsync(db => db.Notifications.Where(n => n.Kind == NotificationKind.Automation).Select(n => n.UserId).ToListAsync());
        Assert.Equal([_w.Lan.UserId], notified); // Minh may not see Lan's customer (R7.4)
    }

    [Fact]
    public async Task Conditions_that_do_not_hold_run_nothing_and_draft_rules_never_run()
    {
        await RuleAsync(AutomationTrigger.OrderCreated, new AutomationConditions { MinValue = 1_000_000 }, null,
            new AutomationAction(AutomationActionKind.SetRelationship, RelationshipId: _third));
        await _rules.CreateAsync(_w.Admin, new AutomationRuleInput("Nháp", AutomationTrigger.OrderCreated, null, new AutomationConditions(),
            [new AutomationAction(AutomationActionKind.SetRelationship, RelationshipId: _w.SecondRelationship)], Active: false));

        await _orders.CreateAsync(_w.Lan, _w.LanCustomer, new OrderInput { Total = 500_000, Status = CrmBlazor.Domain.Orders.OrderStatus.Paid });
        await DrainAsync();
        Assert.Equal(_w.FirstRelationship, await RelationshipOf(_w.LanCustomer));

        await _orders.CreateAsync(_w.Lan, _w.LanCustomer, new OrderInput { Total = 600_000, Status = CrmBlazor.Domain.Orders.OrderStatus.Paid });
        await DrainAsync();
        Assert.Equal(_third, await RelationshipOf(_w.LanCustomer)); // value now 1,100,000
    }

    [Fact]
    public async Task No_contact_for_N_days_runs_once_per_quiet_spell_from_the_periodic_scan()
    {
        await RuleAsync(AutomationTrigger.NoContactForDays, new AutomationConditions(), 30,
            new AutomationAction(AutomationActionKind.SetRelationship, RelationshipId: _third));

        Assert.Equal(0, await _engine.ScanNoContactAsync()); // created just now
        _clock.Advance(TimeSpan.FromDays(31));
        Assert.Equal(3, await _engine.ScanNoContactAsync());
        Assert.Equal(0, await _engine.ScanNoContactAsync()); // the same spell is not queued twice
        await DrainAsync();
        Assert.Equal(_third, await RelationshipOf(_w.MinhCustomer));

        // A contact (an order) starts a new spell: 31 quiet days later the rule runs again for that customer only.
        await _orders.CreateAsync(_w.Minh, _w.MinhCustomer, new OrderInput { Total = 1 });
        _clock.Advance(TimeSpan.FromDays(31));
        Assert.Equal(1, await _engine.ScanNoContactAsync());
    }

    [Fact]
    public async Task Bulk_relationship_changes_write_no_event_and_run_no_rule_R2_6b()
    {
        await RuleAsync(AutomationTrigger.RelationshipChanged, new AutomationAction(AutomationActionKind.AddGroup, GroupId: _vip));

        var bulk = await _customers.BulkAsync(_w.Admin, new BulkRequest(BulkKind.ChangeRelationship, [_w.LanCustomer, _w.MinhCustomer], RelationshipId: _w.SecondRelationship));
        Assert.Equal(2, bulk.Changed);

        Assert.Equal(0, await QueryAsync(db => db.AutomationOutbox.CountAsync()));
        Assert.Equal(0, await DrainAsync());
        Assert.False(await QueryAsync(db => db.CustomerGroupMembers.AnyAsync()));
    }

    [Fact]
    public async Task A_rule_does_not_run_on_its_own_change_and_a_ping_pong_of_two_rules_stops_at_the_depth_limit()
    {
        // One rule that reacts to any stage change by moving the customer: it must not react to its own move.
        var self = await RuleAsync(AutomationTrigger.RelationshipChanged, new AutomationConditions { RelationshipId = _third }, null,
            new AutomationAction(AutomationActionKind.SetRelationship, RelationshipId: _w.SecondRelationship));
        var version = (await _customers.RowAsync(_w.Admin, _w.LanCustomer2))!.Version;
        await _customers.SaveFieldAsync(_w.Admin, _w.LanCustomer2, GridFields.Relationship, _third.ToString(System.Globalization.CultureInfo.InvariantCulture), version);
        await DrainAsync();
        Assert.Single(await _rules.RuleRunsAsync(_w.Admin, self));

        // Two rules moving the customer back and forth: the chain stops, and the stop is in the log.
        var there = await RuleAsync(AutomationTrigger.RelationshipChanged, new AutomationConditions { RelationshipId = _w.FirstRelationship }, null,
            new AutomationAction(AutomationActionKind.SetRelationship, RelationshipId: _w.SecondRelationship));
        var back = await RuleAsync(AutomationTrigger.RelationshipChanged, new AutomationConditions { RelationshipId = _w.SecondRelationship }, null,
            new AutomationAction(AutomationActionKind.SetRelationship, RelationshipId: _w.FirstRelationship));
        version = (await _customers.RowAsync(_w.Admin, _w.LanCustomer))!.Version;
        await _customers.SaveFieldAsync(_w.Admin, _w.LanCustomer, GridFields.Relationship, _w.SecondRelationship.ToString(System.Globalization.CultureInfo.InvariantCulture), version);
        var processed = await DrainAsync();

        Assert.InRange(processed, 2, new AutomationOptions().MaxDepth + 1);
        var runs = await QueryAsync(db => db.AutomationRuns.Where(r => r.CustomerId == _w.LanCustomer && (r.RuleId == there || r.RuleId == back)).ToListAsync());
        Assert.Contains(runs, r => r.Outcome == AutomationRunOutcome.Skipped && AutomationNote.Read(r.Detail)?.Single().Code == AutomationNote.ChainLimit);
        Assert.Equal(0, await QueryAsync(db => db.AutomationOutbox.CountAsync(e => e.ProcessedAt == null)));
    }

    [Fact]
    public async Task A_rule_acts_only_on_customers_its_author_may_edit()
    {
        // Saved by Minh (own customers only): an order on Lan's customer does not let it move her customer (R7.4).
        await using (var db = await _w.Db.Factory.CreateDbContextAsync())
        {
            db.AutomationRules.Add(AutomationRule.Create("Của Minh", AutomationTrigger.OrderCreated, null, new AutomationConditions(),
                [new AutomationAction(AutomationActionKind.SetRelationship, RelationshipId: _w.SecondRelationship)], true, _w.Minh.UserId, DateTime.UtcNow));
            await db.SaveChangesAsync();
        }

        await _orders.CreateAsync(_w.Lan, _w.LanCustomer, new OrderInput { Total = 10 });
        await _orders.CreateAsync(_w.Minh, _w.MinhCustomer, new OrderInput { Total = 10 });
        await DrainAsync();

        Assert.Equal(_w.FirstRelationship, await RelationshipOf(_w.LanCustomer));
        Assert.Equal(_w.SecondRelationship, await RelationshipOf(_w.MinhCustomer));
        var refused = Assert.Single((await _rules.CustomerRunsAsync(_w.Lan, _w.LanCustomer))!);
        Assert.Equal(AutomationRunOutcome.Skipped, refused.Outcome);
    }

    [Fact]
    public async Task Rules_need_the_CRM_settings_right_and_the_templates_start_as_drafts()
    {
        await Assert.ThrowsAsync<AccessDeniedException>(() => _rules.ListAsync(_w.Lan));
        await Assert.ThrowsAsync<AccessDeniedException>(() => _rules.CreateAsync(_w.Lan, new AutomationRuleInput("x", AutomationTrigger.OrderCreated, null,
            new AutomationConditions(), [new AutomationAction(AutomationActionKind.WriteLog, Text: "x")], true)));

        var purchased = await _rules.FromTemplateAsync(_w.Admin, "order-purchased");
        Assert.Equal((AutomationTrigger.OrderCreated, false), (purchased.Trigger, purchased.Active));
        Assert.Equal(_w.SecondRelationship, purchased.Actions.Single().RelationshipId); // "Đã mua hàng"
        var recare = await _rules.FromTemplateAsync(_w.Admin, "recare-30-days");
        Assert.Equal((AutomationTrigger.NoContactForDays, 30, _third), (recare.Trigger, recare.Days, recare.Actions.Single().RelationshipId));
    }

    [Fact]
    public async Task Processed_events_are_deleted_after_the_retention_in_batches_but_pending_recent_and_quiet_spell_events_stay()
    {
        await RuleAsync(AutomationTrigger.NoContactForDays, new AutomationConditions(), 30, new AutomationAction(AutomationActionKind.WriteLog, Text: "Gọi lại"));
        _clock.Advance(TimeSpan.FromDays(31));
        var quiet = await _engine.ScanNoContactAsync();
        Assert.True(quiet >= 2);
        await DrainAsync();
        // Orders are contacts: Minh's customer's quiet spell ends, so its "no contact" event no longer matters to the scan.
        _clock.Advance(TimeSpan.FromHours(1));
        for (var i = 0; i < 3; i++)
        {
            await _orders.CreateAsync(_w.Minh, _w.MinhCustomer, new OrderInput { Total = 1 + i });
        }

        await DrainAsync();
        _clock.Advance(TimeSpan.FromDays(8));
        await _orders.CreateAsync(_w.Minh, _w.MinhCustomer, new OrderInput { Total = 10 });
        await DrainAsync();
        await _orders.CreateAsync(_w.Minh, _w.MinhCustomer, new OrderInput { Total = 11 });
        var before = await QueryAsync(db => db.AutomationOutbox.AsNoTracking().ToListAsync());

        var engine = new AutomationEngine(_w.Db.Factory, _clock, new AutomationOptions { OutboxRetentionDays = 7, TrimBatchSize = 2 }, _w.Bus);
        var deleted = await engine.TrimOutboxAsync();

        var old = _clock.GetUtcNow().UtcDateTime.AddDays(-7);
        var expectedKept = before.Where(e => e.ProcessedAt is null || e.ProcessedAt >= old
            || (e.Trigger == AutomationTrigger.NoContactForDays && e.CustomerId != _w.MinhCustomer)).Select(e => e.Id).Order().ToList();
        // Three old orders and Minh's ended spell: more than one batch of two.
        Assert.Equal(4, deleted);
        Assert.Equal(before.Count - 4, expectedKept.Count);
        Assert.Equal(expectedKept, await QueryAsync(db => db.AutomationOutbox.OrderBy(e => e.Id).Select(e => e.Id).ToListAsync()));
        Assert.Equal(quiet - 1, await QueryAsync(db => db.AutomationOutbox.CountAsync(e => e.Trigger == AutomationTrigger.NoContactForDays)));
        Assert.Equal(1, await QueryAsync(db => db.AutomationOutbox.CountAsync(e => e.ProcessedAt == null)));
        // The quiet customers' kept events still stop the scan from running the rule a second time in the same spell.
        Assert.Equal(0, await engine.ScanNoContactAsync());
        Assert.Equal(0, await engine.TrimOutboxAsync());
    }

    [Fact]
    public async Task The_worker_trims_old_processed_events_on_its_own()
    {
        await _orders.CreateAsync(_w.Lan, _w.LanCustomer, new OrderInput { Total = 1 });
        await _orders.CreateAsync(_w.Lan, _w.LanCustomer, new OrderInput { Total = 2 });
        await DrainAsync();
        Assert.Equal(2, await QueryAsync(db => db.AutomationOutbox.CountAsync(e => e.ProcessedAt != null)));
        _clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));

        var options = new AutomationOptions { PollMilliseconds = 20, TrimBatchSize = 1 };
        // The worker listens to the bus (the recording bus of the world does not take subscriptions).
        var bus = new CrmBlazor.Live.InProcessLiveEventBus(NullLogger<CrmBlazor.Live.InProcessLiveEventBus>.Instance);
        using var worker = new AutomationWorker(new AutomationEngine(_w.Db.Factory, _clock, options, bus), bus, _clock, options,
            NullLogger<AutomationWorker>.Instance);
        await worker.StartAsync(CancellationToken.None);
        try
        {
            for (var i = 0; i < 600 && await QueryAsync(db => db.AutomationOutbox.AnyAsync()); i++)
            {
                await Task.Delay(100);
            }
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }

        Assert.False(await QueryAsync(db => db.AutomationOutbox.AnyAsync()));
    }

    [Fact]
    public async Task The_run_log_stores_codes_not_English_text()
    {
        await RuleAsync(AutomationTrigger.OrderCreated, new AutomationAction(AutomationActionKind.SetRelationship, RelationshipId: _w.SecondRelationship),
            new AutomationAction(AutomationActionKind.NotifyUsers, UserIds: [_w.Lan.UserId]));
        await _orders.CreateAsync(_w.Lan, _w.LanCustomer, new OrderInput { Total = 1 });
        await DrainAsync();

        var detail = (await QueryAsync(db => db.AutomationRuns.SingleAsync())).Detail;
        Assert.Equal([new AutomationNote(AutomationNote.RelationshipSet), new AutomationNote(AutomationNote.Notified, ["1"])],
            AutomationNote.Read(detail)!, NoteComparer.Instance);
    }

    private sealed class NoteComparer : IEqualityComparer<AutomationNote>
    {
        public static readonly NoteComparer Instance = new();

        public bool Equals(AutomationNote? x, AutomationNote? y) =>
            x?.Code == y?.Code && (x?.Args ?? []).SequenceEqual(y?.Args ?? []);

        public int GetHashCode(AutomationNote obj) => obj.Code.GetHashCode(StringComparison.Ordinal);
    }
}

public sealed class AutomationEnginePostgresTests : AutomationEngineTests
{
    protected override bool Postgres => true;
}
