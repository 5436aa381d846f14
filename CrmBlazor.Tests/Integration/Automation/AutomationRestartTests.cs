using CrmBlazor.Data;
using CrmBlazor.Data.Seeding;
using CrmBlazor.Domain.Automation;
using CrmBlazor.Features.Automation;
using CrmBlazor.Features.Customers;
using CrmBlazor.Features.Orders;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CrmBlazor.Tests.Integration.Automation;

/// <summary>
/// R2.6d: each event runs its rules exactly once across a restart. The app is stopped (its host disposed) with events
/// in every state a stop can find them — part-way through forty events, all still pending while the worker is held
/// before its batch, and claimed by a batch held before its commit — a new app starts on the same database, and in the
/// end every event has exactly one run of each rule and each rule's effect happened once per event: none lost, none doubled.
/// </summary>
public sealed class AutomationRestartTests
{
    private const int Events = 40;
    private const int HeldEvents = 10;
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Every_event_runs_its_rule_exactly_once_when_the_app_restarts_mid_way()
    {
        // One event per round and a slow poll, so that the first app is stopped with work left.
        await WithFolderAsync(async folder =>
        {
            var settings = Settings(folder, batchSize: 1);
            int customerId;
            using (var first = new CrmAppFactory(settings: settings))
            {
                var world = await SeedAsync(first, setRelationship: false);
                customerId = world.CustomerId;
                await CreateOrdersAsync(first, world, Events);

                // Stop part-way: some events done, some pending.
                await WaitAsync(first.DbFactory, runs => runs >= 3);
            }

            using var second = new CrmAppFactory(settings: settings);
            await WaitAsync(second.DbFactory, runs => runs >= Events, pendingMustBeZero: true);

            await using var check = await second.DbFactory.CreateDbContextAsync();
            var runsPerEvent = await check.AutomationRuns.GroupBy(r => r.EventId).Select(g => g.Count()).ToListAsync();
            Assert.Equal(Events, runsPerEvent.Count);
            Assert.All(runsPerEvent, n => Assert.Equal(1, n));
            Assert.Equal(Events, await check.ChangeLog.CountAsync(l => l.CustomerId == customerId && l.Field == AutomationEngine.LogField));
            Assert.Equal(0, await check.AutomationOutbox.CountAsync(e => e.ProcessedAt == null));
        });
    }

    [Fact]
    public async Task Events_still_pending_when_the_app_stops_run_each_rule_exactly_once_after_the_restart()
    {
        await WithFolderAsync(async folder =>
        {
            var settings = Settings(folder, batchSize: 100);
            // The first app's worker never gets past "before a batch": every event is still pending when it stops.
            var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var gate = new AutomationTestGate
            {
                BeforeBatch = async ct =>
                {
                    held.TrySetResult();
                    await Task.Delay(Timeout.Infinite, ct);
                },
            };
            World world;
            using (var first = new CrmAppFactory(settings: settings, services: s => s.AddSingleton(gate)))
            {
                _ = first.Services; // the factory starts the app on first use
                await held.Task.WaitAsync(Bound);
                world = await SeedAsync(first, setRelationship: true);
                await CreateOrdersAsync(first, world, HeldEvents);
                await AssertUntouchedAsync(first.DbFactory, world);
            }

            await RestartAndCheckAsync(settings, world);
        });
    }

    [Fact]
    public async Task Events_claimed_by_a_batch_the_stop_interrupts_before_its_commit_run_each_rule_exactly_once_after_the_restart()
    {
        await WithFolderAsync(async folder =>
        {
            var settings = Settings(folder, batchSize: 100);
            // The worker waits until every order exists, takes them all in one batch, runs their rules and is stopped
            // before the commit: the claims and the actions roll back with the transaction.
            var ordersMade = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var claimed = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            var gate = new AutomationTestGate
            {
                BeforeBatch = ct => ordersMade.Task.WaitAsync(ct),
                BeforeCommit = async (ids, ct) =>
                {
                    claimed.TrySetResult(ids.Count);
                    await Task.Delay(Timeout.Infinite, ct);
                },
            };
            World world;
            using (var first = new CrmAppFactory(settings: settings, services: s => s.AddSingleton(gate)))
            {
                world = await SeedAsync(first, setRelationship: true);
                await CreateOrdersAsync(first, world, HeldEvents);
                ordersMade.SetResult();
                // The batch holds every pending event: the customer's creation and the orders.
                Assert.Equal(HeldEvents + 1, await claimed.Task.WaitAsync(Bound));
                await AssertUntouchedAsync(first.DbFactory, world);
            }

            await RestartAndCheckAsync(settings, world);
        });
    }

    private sealed record World(UserAccess Admin, int CustomerId, int FirstRelationship, int SecondRelationship);

    private static Dictionary<string, string?> Settings(string folder, int batchSize) => new()
    {
        ["Database:DataFolder"] = folder,
        ["Automation:BatchSize"] = batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Automation:PollMilliseconds"] = "200",
    };

    /// <summary>A customer and an active "order created" rule that writes a log entry — and, with
    /// <paramref name="setRelationship"/>, a second that moves the customer to the second relationship.</summary>
    private static async Task<World> SeedAsync(CrmAppFactory app, bool setRelationship)
    {
        var admin = await AdminAsync(app);
        List<int> relationships;
        await using (var db = await app.DbFactory.CreateDbContextAsync())
        {
            relationships = await db.Relationships.Where(r => !r.IsDeleted).OrderBy(r => r.Position).Select(r => r.Id).Take(2).ToListAsync();
        }

        var customerId = (await app.Services.CreateScope().ServiceProvider.GetRequiredService<CustomerService>()
            .SaveFormAsync(admin, new CustomerForm { Name = "Công ty Hạ Long", Phone = "0912777888", RelationshipId = relationships[0] })).CustomerId!.Value;
        await using (var db = await app.DbFactory.CreateDbContextAsync())
        {
            db.AutomationRules.Add(AutomationRule.Create("Ghi nhận đơn", AutomationTrigger.OrderCreated, null, new AutomationConditions(),
                [new AutomationAction(AutomationActionKind.WriteLog, Text: "Đơn mới: gọi cảm ơn khách")], true, admin.UserId, DateTime.UtcNow));
            if (setRelationship)
            {
                db.AutomationRules.Add(AutomationRule.Create("Chuyển sang đã mua", AutomationTrigger.OrderCreated, null, new AutomationConditions(),
                    [new AutomationAction(AutomationActionKind.SetRelationship, RelationshipId: relationships[1])], true, admin.UserId, DateTime.UtcNow));
            }

            await db.SaveChangesAsync();
        }

        return new World(admin, customerId, relationships[0], relationships[1]);
    }

    private static async Task CreateOrdersAsync(CrmAppFactory app, World world, int count)
    {
        var orders = app.Services.CreateScope().ServiceProvider.GetRequiredService<OrderService>();
        for (var i = 0; i < count; i++)
        {
            await orders.CreateAsync(world.Admin, world.CustomerId, new OrderInput { Total = 1000 + i });
        }
    }

    /// <summary>What a stopped (or not yet released) worker must have left: every order's event pending, no run, no effect.</summary>
    private static async Task AssertUntouchedAsync(IDbContextFactory<CrmDbContext> factory, World world)
    {
        await using var db = await factory.CreateDbContextAsync();
        Assert.Equal(HeldEvents, await db.AutomationOutbox.CountAsync(e => e.ProcessedAt == null && e.Trigger == AutomationTrigger.OrderCreated));
        Assert.Equal(0, await db.AutomationOutbox.CountAsync(e => e.ProcessedAt != null));
        Assert.Equal(0, await db.AutomationRuns.CountAsync());
        Assert.Equal(0, await db.ChangeLog.CountAsync(l => l.Origin == AutomationEngine.Origin));
        Assert.Equal(world.FirstRelationship, await db.Customers.Where(c => c.Id == world.CustomerId).Select(c => c.RelationshipId).SingleAsync());
    }

    /// <summary>A new app on the same database: held first to see the stopped app's events still pending in the database,
    /// then let run; each of the two rules ran once per order, and each effect happened as often as it should.</summary>
    private static async Task RestartAndCheckAsync(Dictionary<string, string?> settings, World world)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new AutomationTestGate
        {
            BeforeBatch = ct =>
            {
                started.TrySetResult();
                return release.Task.WaitAsync(ct);
            },
        };
        using var second = new CrmAppFactory(settings: settings, services: s => s.AddSingleton(gate));
        _ = second.Services; // the factory starts the app on first use
        await started.Task.WaitAsync(Bound);
        await AssertUntouchedAsync(second.DbFactory, world);
        release.SetResult();
        await WaitAsync(second.DbFactory, runs => runs >= 2 * HeldEvents, pendingMustBeZero: true);

        await using var check = await second.DbFactory.CreateDbContextAsync();
        var orderEvents = await check.AutomationOutbox.Where(e => e.Trigger == AutomationTrigger.OrderCreated).Select(e => e.Id).ToListAsync();
        var runs = await check.AutomationRuns.Select(r => new { r.EventId, r.RuleId, r.Outcome }).ToListAsync();
        Assert.Equal(HeldEvents, orderEvents.Count);
        Assert.Equal(2 * HeldEvents, runs.Count);
        Assert.All(runs, r => Assert.Contains(r.EventId, orderEvents));
        Assert.All(runs.GroupBy(r => (r.EventId, r.RuleId)), g => Assert.Single(g));
        Assert.All(runs, r => Assert.Equal(AutomationRunOutcome.Done, r.Outcome));
        Assert.Equal(HeldEvents, await check.ChangeLog.CountAsync(l => l.CustomerId == world.CustomerId && l.Field == AutomationEngine.LogField));
        // Moved once (the first run); the later runs found it there already.
        Assert.Equal(1, await check.ChangeLog.CountAsync(l => l.CustomerId == world.CustomerId && l.Field == "RelationshipId" && l.Origin == AutomationEngine.Origin));
        Assert.Equal(world.SecondRelationship, await check.Customers.Where(c => c.Id == world.CustomerId).Select(c => c.RelationshipId).SingleAsync());
    }

    /// <summary>Runs <paramref name="test"/> on a database folder of its own that outlives each app.</summary>
    private static async Task WithFolderAsync(Func<string, Task> test)
    {
        var folder = Path.Combine(Path.GetTempPath(), "crm-automation-restart-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            await test(folder);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // The OS cleans the temp folder.
            }
        }
    }

    private static async Task<UserAccess> AdminAsync(CrmAppFactory app)
    {
        await using var db = await app.DbFactory.CreateDbContextAsync();
        var id = await db.Users.Where(u => u.UserName == DatabaseInitializer.AdminUserName).Select(u => u.Id).SingleAsync();
        return (await CurrentUser.LoadAsync(app.DbFactory, id))!;
    }

    /// <summary>Waits (at most a minute: a generous bound, not a speed assertion) until the run count satisfies <paramref name="done"/>.</summary>
    private static async Task WaitAsync(IDbContextFactory<CrmDbContext> factory, Func<int, bool> done, bool pendingMustBeZero = false)
    {
        for (var i = 0; i < 600; i++)
        {
            await using var db = await factory.CreateDbContextAsync();
            var runs = await db.AutomationRuns.CountAsync();
            if (done(runs) && (!pendingMustBeZero || !await db.AutomationOutbox.AnyAsync(e => e.ProcessedAt == null)))
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("The automation worker did not get there.");
    }
}
