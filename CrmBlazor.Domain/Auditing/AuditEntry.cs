using System.Text.Json;

namespace CrmBlazor.Domain.Auditing;

/// <summary>
/// One administration change (issue #20): who (the actor's id and name as they were), when (UTC), from where (the client
/// address), what (a stable <see cref="AuditActions">action code</see>), on what (target type, id and display name) and
/// old → new values as small JSON objects. Append-only: an entry is written once and never changed or deleted (no
/// setter, no method changes it; the database context and a trigger refuse it too). Values never hold secrets
/// (passwords, token values, webhook secrets): callers pass only the fields they mean to log.
/// </summary>
public sealed class AuditEntry
{
    public const int MaxValuesLength = 4000;
    public const int MaxNameLength = 200;

    private static readonly JsonSerializerOptions Json = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private AuditEntry()
    {
        ActorName = Action = TargetType = string.Empty;
    }

    public AuditEntry(DateTime at, string? actorId, string actorName, string? address, string action, string targetType, string? targetId,
        string? targetName, IReadOnlyDictionary<string, object?>? oldValues, IReadOnlyDictionary<string, object?>? newValues)
    {
        At = at.Kind == DateTimeKind.Utc ? at : at.ToUniversalTime();
        ActorId = actorId;
        ActorName = Cut(actorName, MaxNameLength) ?? string.Empty;
        Address = Cut(address, 64);
        Action = action;
        TargetType = targetType;
        TargetId = Cut(targetId, 64);
        TargetName = Cut(targetName, MaxNameLength);
        OldValues = Serialize(oldValues);
        NewValues = Serialize(newValues);
    }

    public long Id { get; private set; }

    /// <summary>When, in UTC.</summary>
    public DateTime At { get; private set; }

    /// <summary>The acting user's id (null: the command line or the system).</summary>
    public string? ActorId { get; private set; }

    /// <summary>The actor's name at the time (a later rename does not rewrite history).</summary>
    public string ActorName { get; private set; }

    /// <summary>The client address the change came from (null when unknown, e.g. the command line).</summary>
    public string? Address { get; private set; }

    public string Action { get; private set; }

    public string TargetType { get; private set; }

    public string? TargetId { get; private set; }

    public string? TargetName { get; private set; }

    /// <summary>The changed values before, as a JSON object (null when there was nothing before: a creation).</summary>
    public string? OldValues { get; private set; }

    /// <summary>The changed values after, as a JSON object (null when nothing is left: a deletion).</summary>
    public string? NewValues { get; private set; }

    /// <summary>Only the keys whose values differ, each side holding its own value: what a rename or an edit changed.</summary>
    public static (Dictionary<string, object?> Old, Dictionary<string, object?> New) Diff(IReadOnlyDictionary<string, object?> before,
        IReadOnlyDictionary<string, object?> after)
    {
        var old = new Dictionary<string, object?>();
        var now = new Dictionary<string, object?>();
        foreach (var key in before.Keys.Union(after.Keys))
        {
            var a = before.GetValueOrDefault(key);
            var b = after.GetValueOrDefault(key);
            if (!Equals(Normalize(a), Normalize(b)))
            {
                old[key] = a;
                now[key] = b;
            }
        }

        return (old, now);
    }

    private static object? Normalize(object? value) => value is System.Collections.IEnumerable list and not string
        ? JsonSerializer.Serialize(list, Json)
        : value;

    private static string? Serialize(IReadOnlyDictionary<string, object?>? values)
    {
        if (values is null || values.Count == 0)
        {
            return null;
        }

        var text = JsonSerializer.Serialize(values, Json);
        return text.Length <= MaxValuesLength ? text : JsonSerializer.Serialize(new Dictionary<string, object?> { ["truncated"] = text[..(MaxValuesLength - 100)] }, Json);
    }

    private static string? Cut(string? text, int max) => text is null ? null : text.Length <= max ? text : text[..max];
}

/// <summary>Stable action codes of the audit log (what the page filters and localises).</summary>
public static class AuditActions
{
    public const string UserCreated = "user.created";
    public const string UserChanged = "user.changed";
    public const string UserDeactivated = "user.deactivated";
    public const string UserReactivated = "user.reactivated";
    public const string UserPasswordReset = "user.password-reset";
    public const string GroupCreated = "group.created";
    public const string GroupRenamed = "group.renamed";
    public const string GroupRightsChanged = "group.rights-changed";
    public const string GroupDeleted = "group.deleted";
    public const string DepartmentCreated = "department.created";
    public const string DepartmentRenamed = "department.renamed";
    public const string DepartmentMoved = "department.moved";
    public const string DepartmentDeleted = "department.deleted";
    public const string SettingsChanged = "settings.changed";
    public const string TokenCreated = "token.created";
    public const string TokenRevoked = "token.revoked";
    public const string WebhookCreated = "webhook.created";
    public const string WebhookChanged = "webhook.changed";
    public const string WebhookDeleted = "webhook.deleted";
    public const string BackupCreated = "backup.created";
    public const string CustomerErased = "customer.erased";

    public static IReadOnlyList<string> All { get; } =
    [
        UserCreated, UserChanged, UserDeactivated, UserReactivated, UserPasswordReset, GroupCreated, GroupRenamed, GroupRightsChanged, GroupDeleted,
        DepartmentCreated, DepartmentRenamed, DepartmentMoved, DepartmentDeleted, SettingsChanged, TokenCreated, TokenRevoked, WebhookCreated,
        WebhookChanged, WebhookDeleted, BackupCreated, CustomerErased,
    ];
}

/// <summary>What an audit entry is about.</summary>
public static class AuditTargets
{
    public const string User = "user";
    public const string PermissionGroup = "permission-group";
    public const string Department = "department";
    public const string Relationship = "relationship";
    public const string Source = "source";
    public const string CustomerGroup = "customer-group";
    public const string CustomField = "custom-field";
    public const string AccessToken = "access-token";
    public const string Webhook = "webhook";
    public const string Database = "database";
    public const string Customer = "customer";

    public static IReadOnlyList<string> All { get; } =
        [User, PermissionGroup, Department, Relationship, Source, CustomerGroup, CustomField, AccessToken, Webhook, Database, Customer];
}
