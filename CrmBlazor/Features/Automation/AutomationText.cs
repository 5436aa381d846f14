using System.Globalization;
using CrmBlazor.Domain.Automation;
using Microsoft.Extensions.Localization;

namespace CrmBlazor.Features.Automation;

/// <summary>Marker for the automation screens' UI text (AutomationText.resx, AutomationText.vi.resx), and how triggers, actions and outcomes read.</summary>
public sealed class AutomationText
{
    public static string Trigger(IStringLocalizer<AutomationText> t, AutomationTrigger trigger, int? days) => trigger switch
    {
        AutomationTrigger.CustomerCreated => t["A customer is created"],
        AutomationTrigger.RelationshipChanged => t["The relationship changes"],
        AutomationTrigger.OrderCreated => t["An order is created"],
        AutomationTrigger.OrderPaid => t["An order is paid"],
        _ => days is null ? t["No contact for N days"] : string.Format(CultureInfo.CurrentCulture, t["No contact for {0} days"], days),
    };

    public static string Action(IStringLocalizer<AutomationText> t, AutomationActionKind kind) => kind switch
    {
        AutomationActionKind.SetRelationship => t["Set the relationship"],
        AutomationActionKind.SetOwner => t["Set the owner"],
        AutomationActionKind.RoundRobinOwner => t["Share out owners in turn"],
        AutomationActionKind.AddGroup => t["Add to a group"],
        AutomationActionKind.RemoveGroup => t["Remove from a group"],
        AutomationActionKind.WriteLog => t["Write a log entry"],
        AutomationActionKind.NotifyUsers => t["Notify users"],
        _ => t["Call a webhook"],
    };

    public static string Outcome(IStringLocalizer<AutomationText> t, AutomationRunOutcome outcome) => outcome switch
    {
        AutomationRunOutcome.Done => t["Done"],
        AutomationRunOutcome.Skipped => t["Skipped"],
        _ => t["Failed"],
    };
}
