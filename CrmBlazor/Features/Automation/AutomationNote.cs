using System.Text.Json;
using System.Text.Json.Serialization;

namespace CrmBlazor.Features.Automation;

/// <summary>
/// What a rule's run did, in a neutral form (a code and its arguments) stored as JSON in the run log: the log is read
/// in each reader's language (<see cref="AutomationText.Detail"/>), not in the language of the worker that wrote it.
/// </summary>
public sealed record AutomationNote(string Code, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string[]? Args = null)
{
    public const string ChainLimit = "chain-limit";
    public const string AuthorMayNotEdit = "author-may-not-edit";
    public const string RelationshipNotFound = "relationship-not-found";
    public const string RelationshipSet = "relationship-set";
    public const string NoActiveOwner = "no-active-owner";
    public const string OwnerSet = "owner-set";
    public const string GroupNotFound = "group-not-found";
    public const string GroupsUnchanged = "groups-unchanged";
    public const string GroupAdded = "group-added";
    public const string GroupRemoved = "group-removed";
    public const string LogWritten = "log-written";
    public const string Notified = "notified";
    public const string WebhookNotSent = "webhook-not-sent";
    public const string WebhookQueued = "webhook-queued";
    public const string UnknownAction = "unknown-action";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string Write(IReadOnlyList<AutomationNote> notes) => JsonSerializer.Serialize(notes, Json);

    /// <summary>The notes of a stored detail; null when it is not in the neutral form (a row written before it: English text).</summary>
    public static IReadOnlyList<AutomationNote>? Read(string? detail)
    {
        if (detail is null || !detail.StartsWith('['))
        {
            return null;
        }

        try
        {
            var notes = JsonSerializer.Deserialize<List<AutomationNote>>(detail, Json);
            return notes is not null && notes.TrueForAll(n => n?.Code is not null) ? notes : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
