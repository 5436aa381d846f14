using CrmBlazor.Domain.Common;

namespace CrmBlazor.Domain.Automation;

/// <summary>What starts a rule (R2.6d).</summary>
public enum AutomationTrigger
{
    CustomerCreated = 1,
    RelationshipChanged = 2,
    OrderCreated = 3,
    OrderPaid = 4,
    /// <summary>Found by a periodic scan: the last contact (or the creation, never contacted) is older than N days.</summary>
    NoContactForDays = 5,
}

public enum AutomationActionKind
{
    SetRelationship = 1,
    /// <summary>To one user (<see cref="AutomationAction.UserIds"/>[0]).</summary>
    SetOwner = 2,
    /// <summary>To the next of <see cref="AutomationAction.UserIds"/>, in turn.</summary>
    RoundRobinOwner = 3,
    AddGroup = 4,
    RemoveGroup = 5,
    /// <summary>A line in the customer's stream (<see cref="AutomationAction.Text"/>).</summary>
    WriteLog = 6,
    NotifyUsers = 7,
    CallWebhook = 8,
}

/// <summary>One action of a rule; which fields matter depends on <see cref="Kind"/>.</summary>
public sealed record AutomationAction(AutomationActionKind Kind, int? RelationshipId = null, IReadOnlyList<string>? UserIds = null, int? GroupId = null,
    string? Text = null, int? WebhookId = null);

/// <summary>The conditions a customer must meet (null = any).</summary>
public sealed record AutomationConditions
{
    public int? SourceId { get; init; }
    public int? GroupId { get; init; }
    public int? RelationshipId { get; init; }
    /// <summary>The owner belongs to this department or one below it.</summary>
    public int? OwnerDepartmentId { get; init; }
    /// <summary>The customer's value (R4.4) is at least this much.</summary>
    public decimal? MinValue { get; init; }
}

public static class AutomationRuleCodes
{
    public const string NameRequired = "automation.name-required";
    public const string NoActions = "automation.no-actions";
    public const string ActionInvalid = "automation.action-invalid";
    public const string DaysInvalid = "automation.days-invalid";
}

/// <summary>
/// An automation rule (R2.6d): a trigger, conditions and actions, saved as a draft or active. It runs as the user who last
/// saved it: its actions change only customers that user may edit (R7.4). It keeps the round-robin turn.
/// </summary>
public sealed class AutomationRule
{
    public const int MaxActions = 10;
    public const int MaxNameLength = 200;

    private AutomationRule()
    {
        Name = string.Empty;
        RunAsUserId = string.Empty;
        Conditions = new AutomationConditions();
        Actions = [];
    }

    public int Id { get; private set; }
    public string Name { get; private set; }
    public bool IsActive { get; private set; }
    public AutomationTrigger Trigger { get; private set; }
    /// <summary>For <see cref="AutomationTrigger.NoContactForDays"/>.</summary>
    public int? Days { get; private set; }
    public AutomationConditions Conditions { get; private set; }
    public IReadOnlyList<AutomationAction> Actions { get; private set; }
    /// <summary>The next index of a round-robin owner action.</summary>
    public int RoundRobinNext { get; private set; }
    public string RunAsUserId { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime UpdatedAt { get; private set; }
    public int Version { get; private set; }

    public static AutomationRule Create(string name, AutomationTrigger trigger, int? days, AutomationConditions conditions, IReadOnlyList<AutomationAction> actions,
        bool active, string userId, DateTime utcNow)
    {
        var rule = new AutomationRule { CreatedAt = utcNow, Version = 0 };
        rule.Update(name, trigger, days, conditions, actions, active, userId, utcNow);
        return rule;
    }

    public void Update(string name, AutomationTrigger trigger, int? days, AutomationConditions conditions, IReadOnlyList<AutomationAction> actions,
        bool active, string userId, DateTime utcNow)
    {
        var clean = name?.Trim() ?? string.Empty;
        if (clean.Length == 0 || clean.Length > MaxNameLength)
        {
            throw new DomainException(AutomationRuleCodes.NameRequired, "A rule needs a name of at most 200 characters.");
        }

        if (!Enum.IsDefined(trigger))
        {
            throw new DomainException(AutomationRuleCodes.ActionInvalid, "Unknown trigger.");
        }

        if (trigger == AutomationTrigger.NoContactForDays ? days is not (>= 1 and <= 3650) : days is not null)
        {
            throw new DomainException(AutomationRuleCodes.DaysInvalid, "'No contact for N days' needs N between 1 and 3650.");
        }

        if (actions.Count == 0 || actions.Count > MaxActions)
        {
            throw new DomainException(AutomationRuleCodes.NoActions, "A rule needs between one and ten actions.");
        }

        foreach (var a in actions)
        {
            Check(a);
        }

        Name = clean;
        Trigger = trigger;
        Days = days;
        Conditions = conditions;
        Actions = actions.ToList();
        IsActive = active;
        RunAsUserId = userId;
        UpdatedAt = utcNow;
        Version++;
    }

    public void SetActive(bool active, string userId, DateTime utcNow)
    {
        IsActive = active;
        RunAsUserId = userId;
        UpdatedAt = utcNow;
        Version++;
    }

    /// <summary>The next user of a round robin over <paramref name="users"/>, advancing the turn.</summary>
    public string NextInTurn(IReadOnlyList<string> users)
    {
        var user = users[RoundRobinNext % users.Count];
        RoundRobinNext = (RoundRobinNext + 1) % users.Count;
        return user;
    }

    private static void Check(AutomationAction a)
    {
        var ok = a.Kind switch
        {
            AutomationActionKind.SetRelationship => a.RelationshipId is not null,
            AutomationActionKind.SetOwner => a.UserIds is { Count: 1 },
            AutomationActionKind.RoundRobinOwner or AutomationActionKind.NotifyUsers => a.UserIds is { Count: > 0 and <= 100 },
            AutomationActionKind.AddGroup or AutomationActionKind.RemoveGroup => a.GroupId is not null,
            AutomationActionKind.WriteLog => !string.IsNullOrWhiteSpace(a.Text) && a.Text.Length <= 500,
            AutomationActionKind.CallWebhook => a.WebhookId is not null,
            _ => false,
        };
        if (!ok)
        {
            throw new DomainException(AutomationRuleCodes.ActionInvalid, $"The action '{a.Kind}' is missing what it needs.");
        }
    }
}

public enum AutomationRunOutcome
{
    Done = 0,
    /// <summary>The conditions did not hold, or nothing was allowed (the reason is in the detail).</summary>
    Skipped = 1,
    Failed = 2,
}

/// <summary>One run of a rule for one event on one customer: the rule's log and the customer's automations tab.</summary>
public sealed class AutomationRun
{
    private AutomationRun()
    {
    }

    public AutomationRun(int ruleId, int customerId, long eventId, DateTime utcNow, AutomationRunOutcome outcome, string? detail)
    {
        RuleId = ruleId;
        CustomerId = customerId;
        EventId = eventId;
        At = utcNow;
        Outcome = outcome;
        Detail = detail is { Length: > 1000 } ? detail[..1000] : detail;
    }

    public long Id { get; private set; }
    public int RuleId { get; private set; }
    public int CustomerId { get; private set; }
    public long EventId { get; private set; }
    public DateTime At { get; private set; }
    public AutomationRunOutcome Outcome { get; private set; }
    public string? Detail { get; private set; }
}

/// <summary>
/// An event for the rules (the outbox): written in the same transaction as the change it reports, processed after the
/// commit by the background worker, which marks it done in the transaction that applies the rules' actions — so each
/// event runs its rules exactly once, even across a restart.
/// </summary>
public sealed class AutomationEvent
{
    private AutomationEvent()
    {
    }

    public AutomationEvent(AutomationTrigger trigger, int customerId, long? orderId, string? byUserId, DateTime utcNow, int depth = 0,
        int? causedByRuleId = null, int? onlyRuleId = null)
    {
        Trigger = trigger;
        CustomerId = customerId;
        OrderId = orderId;
        ByUserId = byUserId;
        CreatedAt = utcNow;
        Depth = depth;
        CausedByRuleId = causedByRuleId;
        OnlyRuleId = onlyRuleId;
    }

    public long Id { get; private set; }
    public AutomationTrigger Trigger { get; private set; }
    public int CustomerId { get; private set; }
    public long? OrderId { get; private set; }
    public string? ByUserId { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime? ProcessedAt { get; private set; }
    /// <summary>0 for a person's change; n + 1 for a change made by a rule running on an event of depth n.</summary>
    public int Depth { get; private set; }
    /// <summary>The rule whose action made this change: that rule does not run on it again.</summary>
    public int? CausedByRuleId { get; private set; }
    /// <summary>For the periodic "no contact" scan: the one rule this event is for.</summary>
    public int? OnlyRuleId { get; private set; }
}
