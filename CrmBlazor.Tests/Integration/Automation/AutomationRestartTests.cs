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
/// R2.6d: each event runs its rules exactly once across a restart. The app is stopped while its worker is part-way through
/// forty events (disposing the host), a new app starts on the same database, and in the end every event has exactly
/// one run and one log line of the rule — none lost, none doubled.
/// </summary>
public sealed class AutomationRestartTests
{
    private const int Events = 40;

    [Fact]
    public async Task Every_event_runs_its_rule_exactly_once_when_the_app_restarts_mid_way()
    {
        var folder = Path.Combine(Path.GetTempPath(), "crm-automation-restart-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        // One event per round and a slow poll, so that the first app is stopped with work left.
        var settings = new Dictionary<string, string?> { ["Database:DataFolder"] = folder, ["Automation:BatchSize"] = "1", ["Automation:PollMilliseconds"] = "200" };
        try
        {
            int customerId;
            using (var first = new CrmAppFactory(settings: settings))
            {
                var factory = first.DbFactory;
                var admin = await AdminAsync(first);
                customerId = (await first.Services.CreateScope().ServiceProvider.GetRequiredService<CustomerService>()
                    .SaveFormAsync(admin, new CustomerForm { Name = "Công ty Hạ Long", Phone = "0912777888", RelationshipId = await FirstRelationshipAsync(factory) })).CustomerId!.Value;
                await using (var db = await factory.CreateDbContextAsync())
                {
                    db.AutomationRules.Add(AutomationRule.Create("Ghi nhận đơn", AutomationTrigger.OrderCreated, null, new AutomationConditions(),
                        [new AutomationAction(AutomationActionKind.WriteLog, Text: "Đơn mới: gọi cảm ơn khách")], true, admin.UserId, DateTime.UtcNow));
                    await db.SaveChangesAsync();
                }

                var orders = first.Services.CreateScope().ServiceProvider.GetRequiredService<OrderService>();
                for (var i = 0; i < Events; i++)
                {
                    await orders.CreateAsync(admin, customerId, new OrderInput { Total = 1000 + i });
                }

                // Stop part-way: some events done, some pending.
                await WaitAsync(factory, runs => runs >= 3);
            }

            using var second = new CrmAppFactory(settings: settings);
            await WaitAsync(second.DbFactory, runs => runs >= Events, pendingMustBeZero: true);

            await using var check = await second.DbFactory.CreateDbContextAsync();
            var runsPerEvent = await check.AutomationRuns.GroupBy(r => r.EventId).Select(g => g.Count()).ToListAsync();
            Assert.Equal(Events, runsPerEvent.Count);
            Assert.All(runsPerEvent, n => Assert.Equal(1, n));
            Assert.Equal(Events, await check.ChangeLog.CountAsync(l => l.CustomerId == customerId && l.Field == AutomationEngine.LogField));
            Assert.Equal(0, await check.AutomationOutbox.CountAsync(e => e.ProcessedAt == null));
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

    private static async Task<int> FirstRelationshipAsync(IDbContextFactory<CrmDbContext> factory)
    {
        await using var db = await factory.CreateDbContextAsync();
        return await db.Relationships.Where(r => !r.IsDeleted).OrderBy(r => r.Position).Select(r => r.Id).FirstAsync();
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
