using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using CrmBlazor.Data;
using CrmBlazor.Domain.Automation;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Orders;
using CrmBlazor.Domain.Relationships;
using CrmBlazor.Features.Api;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CrmBlazor.Benchmarks;

/// <summary>
/// Orders and automation (issue #23): the real app on Kestrel over a fresh SQLite database; N clients create 10,000
/// orders through POST /api/v1/customers/{id}/orders (a third of them paid) while five rules are active. Reports orders
/// per second, the rule delay (from the order's commit — its outbox row — to the rule's run) p50/p95, and checks nothing
/// was lost: every order has its event, every event was processed once, the unconditional rule ran once per order.
/// The floor: the same 10,000 order rows bulk-inserted in one transaction on the same database.
/// </summary>
public static class OrderBench
{
    public static async Task RunAsync(int orders, int clients)
    {
        var folder = Path.Combine(Path.GetTempPath(), "crm-order-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var settings = new Dictionary<string, string?>
        {
            ["Database:Provider"] = "Sqlite",
            ["Database:DataFolder"] = folder,
            ["ConnectionStrings:Crm"] = string.Empty,
            ["Admin:Password"] = "CrmAdmin@2026",
            ["Demo:Enabled"] = "false",
            ["Api:RequestsPerMinute"] = int.MaxValue.ToString(CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Error",
        };
        try
        {
            await using var app = new BenchApp(settings);
            var dbFactory = app.Services.GetRequiredService<IDbContextFactory<CrmDbContext>>();
            var (adminId, customerIds) = await SeedAsync(dbFactory);
            var admin = (await CurrentUser.LoadAsync(dbFactory, adminId))!;
            string token;
            await using (var scope = app.Services.CreateAsyncScope())
            {
                token = await scope.ServiceProvider.GetRequiredService<AccessTokenService>().CreateAsync(admin, "order bench");
            }

            Console.WriteLine($"orders: {app.Address}, {orders:N0} orders by {clients} clients over {customerIds.Count} customers, 5 active rules");
            using var http = new HttpClient { BaseAddress = new Uri(app.Address) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            // The server answers before the load starts (a cold start on a busy machine can take a while).
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    using var health = await http.GetAsync("/health");
                    health.EnsureSuccessStatusCode();
                    break;
                }
                catch (HttpRequestException ex) when (attempt < 30)
                {
                    Console.WriteLine($"orders: waiting for the server ({ex.Message})");
                    await Task.Delay(1000);
                }
            }

            var next = -1;
            var errors = 0;
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < orders)
                {
                    var customer = customerIds[i % customerIds.Count];
                    using var response = await http.PostAsJsonAsync($"/api/v1/customers/{customer}/orders",
                        new { total = 100_000 + (i % 50) * 10_000, status = i % 3 == 0 ? 2 : 1, note = "bench" });
                    if (!response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
            })));
            var apiSeconds = watch.Elapsed.TotalSeconds;

            // Wait for the worker to drain the outbox (bounded: a stuck worker is reported, not waited for forever).
            var drained = Stopwatch.StartNew();
            while (drained.Elapsed < TimeSpan.FromMinutes(10))
            {
                await using var db = await dbFactory.CreateDbContextAsync();
                if (!await db.AutomationOutbox.AnyAsync(e => e.ProcessedAt == null))
                {
                    break;
                }

                await Task.Delay(200);
            }

            var drainSeconds = watch.Elapsed.TotalSeconds;
            await using (var db = await dbFactory.CreateDbContextAsync())
            {
                var created = await db.Orders.CountAsync();
                var events = await db.AutomationOutbox.CountAsync(e => e.Trigger == AutomationTrigger.OrderCreated);
                var pending = await db.AutomationOutbox.CountAsync(e => e.ProcessedAt == null);
                var alwaysRule = await db.AutomationRules.Where(r => r.Name == "bench: log every order").Select(r => r.Id).SingleAsync();
                var alwaysRuns = await db.AutomationRuns.CountAsync(r => r.RuleId == alwaysRule);
                var doubled = await db.AutomationRuns.GroupBy(r => new { r.EventId, r.RuleId }).CountAsync(g => g.Count() > 1);
                var delays = (await db.AutomationRuns.Where(r => r.RuleId == alwaysRule)
                        .Join(db.AutomationOutbox, r => r.EventId, e => e.Id, (r, e) => new { r.At, e.CreatedAt }).ToListAsync())
                    .Select(x => (x.At - x.CreatedAt).TotalMilliseconds).OrderBy(x => x).ToList();
                Console.WriteLine($"orders through the API: {created:N0} of {orders:N0} in {apiSeconds:N1} s = {orders / apiSeconds:N0} orders/s; errors {errors}");
                Console.WriteLine($"rule delay (commit → run): p50 {Pct(delays, 0.50):N0} ms, p95 {Pct(delays, 0.95):N0} ms, max {(delays.Count == 0 ? 0 : delays[^1]):N0} ms; " +
                                  $"all rules done {drainSeconds:N1} s after the first order");
                Console.WriteLine($"nothing lost: order events {events:N0}, pending {pending:N0}, runs of the unconditional rule {alwaysRuns:N0}, doubled runs {doubled:N0}");
            }

            // The floor: the same rows in one transaction, no API, no rules.
            var floor = Stopwatch.StartNew();
            await using (var db = await dbFactory.CreateDbContextAsync())
            {
                await using var tx = await db.Database.BeginTransactionAsync();
                var now = DateTime.UtcNow;
                for (var i = 0; i < orders; i++)
                {
                    db.Orders.Add(Order.Create(customerIds[i % customerIds.Count], DateOnly.FromDateTime(now), null, 100_000 + (i % 50) * 10_000,
                        i % 3 == 0 ? OrderStatus.Paid : OrderStatus.Confirmed, 0, "bench", adminId, now));
                }

                await db.SaveChangesAsync();
                await tx.CommitAsync();
            }

            Console.WriteLine($"floor, {orders:N0} order rows bulk-inserted in one transaction: {floor.Elapsed.TotalSeconds:N2} s = {orders / floor.Elapsed.TotalSeconds:N0} rows/s");
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
            }
        }
    }

    private static double Pct(List<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

    /// <summary>500 customers of the admin and the five rules (run as the admin).</summary>
    private static async Task<(string AdminId, List<int> Customers)> SeedAsync(IDbContextFactory<CrmDbContext> dbFactory)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var adminId = await db.Users.Where(u => u.UserName == "admin").Select(u => u.Id).SingleAsync();
        var stages = await db.Relationships.Where(r => !r.IsDeleted).OrderBy(r => r.Position).Select(r => r.Id).ToListAsync();
        var group = new CustomerGroup("Bench VIP", 0);
        db.CustomerGroups.Add(group);
        var now = DateTime.UtcNow;
        var customers = Enumerable.Range(0, 500).Select(i => Customer.Create(
            new CustomerDetails { Name = $"Khách bench {i}", Phone = "09" + (10_000_000 + i).ToString(CultureInfo.InvariantCulture) }, stages[0], adminId, adminId, now)).ToList();
        db.Customers.AddRange(customers);
        await db.SaveChangesAsync();
        foreach (var c in customers)
        {
            c.AssignGeneratedCode();
        }

        AutomationRule Rule(string name, AutomationTrigger trigger, AutomationConditions conditions, AutomationAction action) =>
            AutomationRule.Create(name, trigger, null, conditions, [action], true, adminId, now);
        db.AutomationRules.AddRange(
            Rule("bench: log every order", AutomationTrigger.OrderCreated, new(), new AutomationAction(AutomationActionKind.WriteLog, Text: "Đơn mới")),
            Rule("bench: purchased", AutomationTrigger.OrderCreated, new(), new AutomationAction(AutomationActionKind.SetRelationship, RelationshipId: stages[5 % stages.Count])),
            Rule("bench: VIP", AutomationTrigger.OrderPaid, new AutomationConditions { MinValue = 1_000_000 }, new AutomationAction(AutomationActionKind.AddGroup, GroupId: group.Id)),
            Rule("bench: notify", AutomationTrigger.OrderPaid, new(), new AutomationAction(AutomationActionKind.NotifyUsers, UserIds: [adminId])),
            Rule("bench: stage log", AutomationTrigger.RelationshipChanged, new(), new AutomationAction(AutomationActionKind.WriteLog, Text: "Đã chuyển giai đoạn")));
        await db.SaveChangesAsync();
        return (adminId, customers.Select(c => c.Id).ToList());
    }
}
