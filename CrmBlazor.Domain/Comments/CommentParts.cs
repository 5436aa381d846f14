using System.Text.RegularExpressions;

namespace CrmBlazor.Domain.Comments;

/// <summary>A like of a comment by a staff user (R4.5).</summary>
public sealed class CommentLike
{
    private CommentLike()
    {
        UserId = string.Empty;
    }

    public CommentLike(long commentId, string userId, DateTime utcNow)
    {
        CommentId = commentId;
        UserId = userId;
        At = utcNow;
    }

    public long CommentId { get; private set; }
    public string UserId { get; private set; }
    public DateTime At { get; private set; }
}

/// <summary>A previous body of an edited comment: the edit history stays visible (R4.5).</summary>
public sealed class CommentRevision
{
    private CommentRevision()
    {
        Body = string.Empty;
    }

    public CommentRevision(long commentId, string body, DateTime replacedAt)
    {
        CommentId = commentId;
        Body = body;
        ReplacedAt = replacedAt;
    }

    public long Id { get; private set; }
    public long CommentId { get; private set; }
    public string Body { get; private set; }
    public DateTime ReplacedAt { get; private set; }
}

/// <summary>A file attached to a comment, stored outside wwwroot and served only to users who may see the customer.</summary>
public sealed class CommentAttachment
{
    private CommentAttachment()
    {
        FileName = ContentType = StorageName = string.Empty;
    }

    public CommentAttachment(long commentId, string fileName, string contentType, long size, string storageName)
    {
        CommentId = commentId;
        FileName = fileName;
        ContentType = contentType;
        Size = size;
        StorageName = storageName;
    }

    public long Id { get; private set; }
    public long CommentId { get; private set; }
    public string FileName { get; private set; }
    public string ContentType { get; private set; }
    public long Size { get; private set; }
    /// <summary>File name under the attachments folder (random, never the user's name).</summary>
    public string StorageName { get; private set; }

    public bool IsImage => ContentType.StartsWith("image/", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Until when a user has read a customer's stream: newer comments by others are "new updates" (R5.1).</summary>
public sealed class StreamReadMarker
{
    private StreamReadMarker()
    {
        UserId = string.Empty;
    }

    public StreamReadMarker(string userId, int customerId, DateTime readAt)
    {
        UserId = userId;
        CustomerId = customerId;
        ReadAt = readAt;
    }

    public string UserId { get; private set; }
    public int CustomerId { get; private set; }
    public DateTime ReadAt { get; private set; }

    public void MoveTo(DateTime utcNow)
    {
        if (utcNow > ReadAt)
        {
            ReadAt = utcNow;
        }
    }
}

public enum NotificationKind
{
    Mention = 0,
    Reply = 1,
    /// <summary>An automation rule's "notify users" action (R2.6d); no comment (its id is 0).</summary>
    Automation = 2,
}

/// <summary>A mention (or a reply in a stream the user took part in), listed newest first in the notifications menu.</summary>
public sealed class Notification
{
    private Notification()
    {
        UserId = string.Empty;
    }

    public Notification(string userId, NotificationKind kind, int customerId, long commentId, string? byUserId, DateTime utcNow)
    {
        UserId = userId;
        Kind = kind;
        CustomerId = customerId;
        CommentId = commentId;
        ByUserId = byUserId;
        CreatedAt = utcNow;
    }

    public long Id { get; private set; }
    public string UserId { get; private set; }
    public NotificationKind Kind { get; private set; }
    public int CustomerId { get; private set; }
    public long CommentId { get; private set; }
    public string? ByUserId { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime? ReadAt { get; private set; }

    public void MarkRead(DateTime utcNow) => ReadAt ??= utcNow;
}

/// <summary>@name mentions in a comment (R4.5): "@lan.nguyen" tags the user whose login name is lan.nguyen.</summary>
public static partial class Mentions
{
    public static IReadOnlyList<string> Parse(string? body)
    {
        if (string.IsNullOrEmpty(body))
        {
            return [];
        }

        return MentionPattern().Matches(body)
            .Select(m => m.Groups[1].Value.TrimEnd('.', '-', '_'))
            .Where(login => login.Length >= 2)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    // Not preceded by a word character (so emails like a@b.vn are not mentions).
    [GeneratedRegex(@"(?<![\p{L}\p{N}_.@])@([A-Za-z0-9][A-Za-z0-9._-]{0,63})")]
    private static partial Regex MentionPattern();
}
