using CrmBlazor.Live;

namespace CrmBlazor.Features.Comments;

/// <summary>A comment was posted, edited, liked or deleted in a customer's stream.</summary>
public sealed record CommentPosted(int CustomerId, long CommentId, string AuthorId, string Kind) : LiveEvent, ICustomerEvent;

/// <summary>A user's unread count or notifications changed (they read a stream, or were mentioned).</summary>
public sealed record UnreadChanged(string UserId) : LiveEvent, IUserEvent;

/// <summary>Who is viewing a customer, and who is typing (presence on the detail page).</summary>
public sealed record PresenceChanged(int CustomerId, string UserId, string FullName, string Instance, string Connection, bool Viewing, bool Typing) : LiveEvent, ICustomerEvent;

public static class CommentChangeKinds
{
    public const string Posted = "posted";
    public const string Edited = "edited";
    public const string Deleted = "deleted";
    public const string Liked = "liked";
}
