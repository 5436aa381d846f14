using CrmBlazor.Data;
using CrmBlazor.Domain.Automation;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Live;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Automation;

/// <summary>A rule as the settings page lists it.</summary>
public sealed record AutomationRuleView(int Id, string Name, bool IsActive, AutomationTrigger Trigger, int? Days, AutomationConditions Conditions,
    IReadOnlyList<AutomationAction> Actions, string RunAsUserId, string? RunAsName, DateTime UpdatedAt, int Version, int Runs);

/// <summary>One run for a rule's log or a customer's automations tab.</summary>
public sealed record AutomationRunView(long Id, int RuleId, string RuleName, int CustomerId, string? CustomerName, DateTime At, AutomationRunOutcome Outcome, string? Detail);

/// <summary>What the rule editor saves.</summary>
public sealed record AutomationRuleInput(string Name, AutomationTrigger Trigger, int? Days, AutomationConditions Conditions, IReadOnlyList<AutomationAction> Actions, bool Active);

/// <summary>A ready-made rule from seed 001 that the settings page offers to start from.</summary>
public sealed record AutomationTemplate(string Key, string Name, AutomationTrigger Trigger, int? Days, string RelationshipHint);

/// <summary>
/// The automation rules in the settings (R2.6d): list, create, edit, activate or keep as draft, delete — with the
/// "CRM settings" right (R7.4). The rule's log and a customer's automations tab read the runs; the tab needs the
/// customer's visibility (R7.3).
/// </summary>
public sealed class AutomationService(IDbContextFactory<CrmDbContext> dbFactory, TimeProvider clock, ILiveEventBus? live = null)
{
    /// <summary>Seed 001's two examples: "order created → Purchased" and "no purchase for 30 days → re-care".</summary>
    public static readonly IReadOnlyList<AutomationTemplate> Templates =
    [
        new("order-purchased", "Khi tạo đơn hàng, chuyển mối quan hệ sang Đã mua hàng", AutomationTrigger.OrderCreated, null, "mua"),
        new("recare-30-days", "Sau 30 ngày không mua hàng, chuyển sang Cần chăm sóc lại", AutomationTrigger.NoContactForDays, 30, "chăm sóc"),
    ];

    private DateTime UtcNow => clock.GetUtcNow().UtcDateTime;

    private static void RequireSettings(UserAccess user)
    {
        if (!user.Has(Rights.CrmSettings))
        {
            throw new AccessDeniedException("Automation rules need the CRM settings right.");
        }
    }

    public async Task<IReadOnlyList<AutomationRuleView>> ListAsync(UserAccess user, CancellationToken ct = default)
    {
        RequireSettings(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rules = await db.AutomationRules.AsNoTracking().OrderBy(r => r.Name).ThenBy(r => r.Id).ToListAsync(ct);
        var ids = rules.Select(r => r.Id).ToList();
        var runs = await db.AutomationRuns.Where(r => ids.Contains(r.RuleId)).GroupBy(r => r.RuleId).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        var userIds = rules.Select(r => r.RunAsUserId).Distinct().ToList();
        var names = await db.StaffProfiles.Where(p => userIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.FullName, ct);
        return rules.Select(r => new AutomationRuleView(r.Id, r.Name, r.IsActive, r.Trigger, r.Days, r.Conditions, r.Actions, r.RunAsUserId,
            names.GetValueOrDefault(r.RunAsUserId), r.UpdatedAt, r.Version, runs.GetValueOrDefault(r.Id))).ToList();
    }

    /// <summary>Creates a rule (draft or active); its actions will run with the rights of <paramref name="user"/>.</summary>
    public async Task<int> CreateAsync(UserAccess user, AutomationRuleInput input, CancellationToken ct = default)
    {
        RequireSettings(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rule = AutomationRule.Create(input.Name, input.Trigger, input.Days, input.Conditions, input.Actions, input.Active, user.UserId, UtcNow);
        db.AutomationRules.Add(rule);
        await db.SaveChangesAsync(ct);
        live?.Publish(new AutomationRulesChanged(user.UserId));
        return rule.Id;
    }

    public async Task UpdateAsync(UserAccess user, int id, AutomationRuleInput input, int seenVersion, CancellationToken ct = default)
    {
        RequireSettings(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rule = await db.AutomationRules.SingleOrDefaultAsync(r => r.Id == id, ct) ?? throw new KeyNotFoundException("No such rule.");
        db.Entry(rule).Property(r => r.Version).OriginalValue = seenVersion;
        rule.Update(input.Name, input.Trigger, input.Days, input.Conditions, input.Actions, input.Active, user.UserId, UtcNow);
        await db.SaveChangesAsync(ct);
        live?.Publish(new AutomationRulesChanged(user.UserId));
    }

    public async Task SetActiveAsync(UserAccess user, int id, bool active, CancellationToken ct = default)
    {
        RequireSettings(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rule = await db.AutomationRules.SingleOrDefaultAsync(r => r.Id == id, ct) ?? throw new KeyNotFoundException("No such rule.");
        rule.SetActive(active, user.UserId, UtcNow);
        await db.SaveChangesAsync(ct);
        live?.Publish(new AutomationRulesChanged(user.UserId));
    }

    public async Task DeleteAsync(UserAccess user, int id, CancellationToken ct = default)
    {
        RequireSettings(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.AutomationRules.Where(r => r.Id == id).ExecuteDeleteAsync(ct);
        live?.Publish(new AutomationRulesChanged(user.UserId));
    }

    /// <summary>The departments and active webhooks the rule editor offers (the catalogues come from the customer lookups).</summary>
    public async Task<(IReadOnlyList<Customers.Choice<int>> Departments, IReadOnlyList<Customers.Choice<int>> Webhooks)> EditorLookupsAsync(UserAccess user,
        CancellationToken ct = default)
    {
        RequireSettings(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var departments = await db.Departments.OrderBy(d => d.Path).Select(d => new Customers.Choice<int>(d.Id, d.Name, null)).ToListAsync(ct);
        var hooks = await db.Webhooks.Where(w => w.IsActive).OrderBy(w => w.Id).Select(w => new Customers.Choice<int>(w.Id, w.Url, null)).ToListAsync(ct);
        return (departments, hooks);
    }

    /// <summary>A rule's log, newest first.</summary>
    public async Task<IReadOnlyList<AutomationRunView>> RuleRunsAsync(UserAccess user, int ruleId, int take = 100, CancellationToken ct = default)
    {
        RequireSettings(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // Only runs on customers the reader may see (R7.3): the settings right does not widen the customer scope.
        var visible = CustomerScope.Apply(db.Customers, db, user).Select(c => c.Id);
        return await RunViews(db, db.AutomationRuns.Where(r => r.RuleId == ruleId && visible.Contains(r.CustomerId)), take).ToListAsync(ct);
    }

    /// <summary>The customer's automations tab: the rules that ran on it, newest first; null when the customer is not visible.</summary>
    public async Task<IReadOnlyList<AutomationRunView>?> CustomerRunsAsync(UserAccess user, int customerId, int take = 100, CancellationToken ct = default)
    {
        if (!user.Has(Rights.CustomersAccess))
        {
            throw new AccessDeniedException("No access to customers.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await CustomerScope.CanSee(db, user, customerId, false, ct))
        {
            return null;
        }

        return await RunViews(db, db.AutomationRuns.Where(r => r.CustomerId == customerId), take).ToListAsync(ct);
    }

    private static IQueryable<AutomationRunView> RunViews(CrmDbContext db, IQueryable<AutomationRun> runs, int take) =>
        runs.OrderByDescending(r => r.Id).Take(Math.Clamp(take, 1, 500)).Select(r => new AutomationRunView(r.Id, r.RuleId,
            db.AutomationRules.Where(x => x.Id == r.RuleId).Select(x => x.Name).FirstOrDefault() ?? "?", r.CustomerId,
            db.Customers.Where(c => c.Id == r.CustomerId).Select(c => c.Name).FirstOrDefault(), r.At, r.Outcome, r.Detail));

    /// <summary>A template's rule, as a draft, with the relationship whose name matches its hint (the user checks it before activating).</summary>
    public async Task<AutomationRuleInput> FromTemplateAsync(UserAccess user, string key, CancellationToken ct = default)
    {
        RequireSettings(user);
        var t = Templates.FirstOrDefault(x => x.Key == key) ?? throw new KeyNotFoundException("No such template.");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var relationships = await db.Relationships.Where(r => !r.IsDeleted).OrderBy(r => r.Position).Select(r => new { r.Id, r.Name }).ToListAsync(ct);
        var hint = SearchKey.Fold(t.RelationshipHint);
        var target = relationships.FirstOrDefault(r => SearchKey.Fold(r.Name).Contains(hint, StringComparison.Ordinal)) ?? relationships.LastOrDefault();
        return new AutomationRuleInput(t.Name, t.Trigger, t.Days, new AutomationConditions(),
            target is null ? [] : [new AutomationAction(AutomationActionKind.SetRelationship, RelationshipId: target.Id)], Active: false);
    }
}

/// <summary>Automation rules were added, changed, switched on or off, or deleted.</summary>
public sealed record AutomationRulesChanged(string? ByUserId) : LiveEvent
{
    public override IEnumerable<string> Topics() => [AutomationTopics.Rules];
}
