using CrmBlazor.Domain.Automation;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Importing;
using CrmBlazor.Features.Automation;
using CrmBlazor.Features.Import;
using Microsoft.EntityFrameworkCore;
using static CrmBlazor.Tests.Integration.Import.Sheets;

namespace CrmBlazor.Tests.Integration.Import;

/// <summary>R2.6b: an import runs no automation rule — it queues no event for the rules, even with active "customer
/// created" and "relationship changed" rules and an import that creates customers and moves one to another relationship.</summary>
public sealed class ImportAutomationTests
{
    [Fact]
    public async Task An_import_that_creates_and_moves_customers_queues_no_rule_event_and_runs_no_rule_R2_6b()
    {
        await using var w = await ImportTestWorld.CreateAsync();
        await using (var ctx = await w.Db.Factory.CreateDbContextAsync())
        {
            foreach (var trigger in new[] { AutomationTrigger.CustomerCreated, AutomationTrigger.RelationshipChanged })
            {
                ctx.AutomationRules.Add(AutomationRule.Create($"Luật {trigger}", trigger, null, new AutomationConditions(),
                    [new AutomationAction(AutomationActionKind.WriteLog, Text: "Chăm sóc khách")], true, w.Admin.UserId, DateTime.UtcNow));
            }

            var existing = Customer.Create(new CustomerDetails { Name = "Khách cũ", Phone = "0901000002" }, w.DefaultRelationship, w.Lan, w.Lan, DateTime.UtcNow);
            ctx.Customers.Add(existing);
            await ctx.SaveChangesAsync();
        }

        var bytes = Xlsx(
        [
            Row(("Tên khách hàng", "Khách mới một"), ("Số điện thoại", "0901000001"), ("Mối quan hệ", null)),
            Row(("Tên khách hàng", "Khách cũ"), ("Số điện thoại", "+84901000002"), ("Mối quan hệ", "Đã mua hàng")),
            Row(("Tên khách hàng", "Khách mới hai"), ("Số điện thoại", "0901000003"), ("Mối quan hệ", "Đã mua hàng")),
        ]);
        var sheet = w.Service.ReadFile(w.Admin, "khach-hang.xlsx", bytes);
        var mapping = await w.Service.ProposeMappingAsync(w.Admin, sheet.Headers);
        var result = await w.Service.ImportAsync(w.Admin, sheet, mapping, new ImportOptions { UpdateExisting = true });
        Assert.Equal((2, 1, 0), (result.Created, result.Updated, result.Failed));
        // The import did what the rules react to: customers created, one moved to another relationship.
        Assert.Equal(w.Purchased, await w.WithDb(db => db.Customers.Where(c => c.Name == "Khách cũ").Select(c => c.RelationshipId).SingleAsync()));

        Assert.Equal(0, await w.WithDb(db => db.AutomationOutbox.CountAsync()));
        var engine = new AutomationEngine(w.Db.Factory, TimeProvider.System, new AutomationOptions());
        Assert.Equal(0, await engine.ProcessPendingAsync());
        Assert.Equal(0, await w.WithDb(db => db.AutomationRuns.CountAsync()));
        Assert.Equal(0, await w.WithDb(db => db.ChangeLog.CountAsync(l => l.Origin == AutomationEngine.Origin)));
    }
}
