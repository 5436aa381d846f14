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

    /// <summary>A run's detail in the reader's language; a detail not in the neutral form (an old row) as it was stored.</summary>
    public static string Detail(IStringLocalizer<AutomationText> t, string? detail) =>
        AutomationNote.Read(detail) is { } notes ? string.Join("; ", notes.Select(n => Note(t, n))) : detail ?? string.Empty;

    private static string Note(IStringLocalizer<AutomationText> t, AutomationNote note) => note.Code switch
    {
        AutomationNote.ChainLimit => string.Format(CultureInfo.CurrentCulture, t["Stopped: a chain of {0} rule changes reached the limit."], Arg(note)),
        AutomationNote.AuthorMayNotEdit => t["Not run: the rule's author may not edit this customer."],
        AutomationNote.RelationshipNotFound => t["Relationship not found"],
        AutomationNote.RelationshipSet => t["Relationship set"],
        AutomationNote.NoActiveOwner => t["Owner: no active user"],
        AutomationNote.OwnerSet => t["Owner set"],
        AutomationNote.GroupNotFound => t["Group not found"],
        AutomationNote.GroupsUnchanged => t["Groups unchanged"],
        AutomationNote.GroupAdded => t["Added to the group"],
        AutomationNote.GroupRemoved => t["Removed from the group"],
        AutomationNote.LogWritten => t["Log entry written"],
        AutomationNote.Notified => string.Format(CultureInfo.CurrentCulture, t["{0} people notified"], Arg(note)),
        AutomationNote.WebhookNotSent => t["Webhook not sent"],
        AutomationNote.WebhookQueued => t["Webhook queued"],
        AutomationNote.UnknownAction => t["Unknown action"],
        // A code from a newer version: shown as it is rather than lost.
        _ => note.Code,
    };

    /// <summary>A stored number argument, formatted for the reader.</summary>
    private static string Arg(AutomationNote note) =>
        note.Args is [var arg, ..] && int.TryParse(arg, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n.ToString("N0", CultureInfo.CurrentCulture) : note.Args?.FirstOrDefault() ?? string.Empty;
}
