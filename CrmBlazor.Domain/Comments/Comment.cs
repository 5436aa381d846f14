using CrmBlazor.Domain.Common;

namespace CrmBlazor.Domain.Comments;

/// <summary>A comment (trao đổi) in a customer's stream (R4.5). Its author may edit it within two hours.</summary>
public sealed class Comment
{
    public static readonly TimeSpan EditWindow = TimeSpan.FromHours(2);

    /// <summary>The longest comment: a long message fits, a pasted file or a 5 MB body does not.</summary>
    public const int MaxLength = 10_000;

    private Comment()
    {
        AuthorId = string.Empty;
        Body = string.Empty;
    }

    public Comment(int customerId, string authorId, string body, DateTime utcNow)
    {
        CustomerId = customerId;
        AuthorId = authorId;
        Body = RequireBody(body);
        CreatedAt = utcNow;
    }

    public long Id { get; private set; }
    public int CustomerId { get; private set; }
    public string AuthorId { get; private set; }
    /// <summary>Markdown source; rendered safely by the web layer.</summary>
    public string Body { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime? EditedAt { get; private set; }
    public bool IsDeleted { get; private set; }

    public bool CanEdit(string userId, DateTime utcNow) =>
        !IsDeleted && userId == AuthorId && utcNow - CreatedAt <= EditWindow;

    /// <summary>Edits the body; only the author, within two hours of first posting (R4.5).</summary>
    public string Edit(string userId, string body, DateTime utcNow)
    {
        if (userId != AuthorId)
        {
            throw new DomainException(RuleCodes.CommentNotAuthor, "Only the author can edit a comment.");
        }

        if (utcNow - CreatedAt > EditWindow)
        {
            throw new DomainException(RuleCodes.CommentEditWindowClosed, "A comment can be edited only within 2 hours of posting.");
        }

        var previous = Body;
        Body = RequireBody(body);
        EditedAt = utcNow;
        return previous;
    }

    /// <summary>Deletes the comment; only its author may (R4.5).</summary>
    public void Delete(string userId)
    {
        if (userId != AuthorId)
        {
            throw new DomainException(RuleCodes.CommentNotAuthor, "Only the author can delete a comment.");
        }

        IsDeleted = true;
    }

    private static string RequireBody(string body)
    {
        var trimmed = body?.Trim() ?? string.Empty;
        if (trimmed.Length > MaxLength)
        {
            throw new DomainException(RuleCodes.CommentTooLong, $"A comment can have at most {MaxLength:N0} characters.");
        }

        return trimmed.Length == 0 ? throw new DomainException(RuleCodes.CommentEmpty, "A comment cannot be empty.") : trimmed;
    }
}

/// <summary>One logged change of a customer field: who changed what from what to what (R4.5).</summary>
public sealed class ChangeLogEntry
{
    private ChangeLogEntry()
    {
        Field = string.Empty;
        Origin = string.Empty;
    }

    public ChangeLogEntry(int customerId, string? userId, DateTime utcNow, FieldChange change, string origin)
    {
        CustomerId = customerId;
        UserId = userId;
        At = utcNow;
        Field = change.Field;
        OldValue = change.OldValue;
        NewValue = change.NewValue;
        Origin = origin;
    }

    public long Id { get; private set; }
    public int CustomerId { get; private set; }
    public string? UserId { get; private set; }
    public DateTime At { get; private set; }
    public string Field { get; private set; }
    public string? OldValue { get; private set; }
    public string? NewValue { get; private set; }
    /// <summary>Where the change was made: form, grid, board, bulk, import, system.</summary>
    public string Origin { get; private set; }

    /// <summary>
    /// For a stage (relationship) change: when the customer entered the stage this change leaves — its previous stage
    /// change, or its creation. Kept with the row so the time spent in a stage is read from the change alone (reports,
    /// R8); null for other fields. Set when the entry is saved (CrmBlazor.Data.StageStays).
    /// </summary>
    public DateTime? StageSince { get; private set; }

    public void RecordStageSince(DateTime since) => StageSince = since;
}
