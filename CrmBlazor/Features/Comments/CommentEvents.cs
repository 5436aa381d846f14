using CrmBlazor.Live;

namespace CrmBlazor.Features.Comments;

/// <summary>A comment was posted, edited, liked or deleted in a customer's stream.</summary>
public sealed record CommentPosted(int CustomerId, long CommentId, string AuthorId, string Kind) : LiveEvent, ICustomerEvent
{
    public override IEnumerable<string> Topics() => [LiveTopics.Customer(CustomerId)];
}

/// <summary>A user's unread count or notifications changed (a colleague commented on their customer, they were
/// mentioned, or they read a stream).</summary>
public sealed record UnreadChanged(string UserId) : LiveEvent, IUserEvent
{
    public override IEnumerable<string> Topics() => [LiveTopics.User(UserId)];
}

/// <summary>Who is viewing a customer, and who is typing (presence on the detail page), as each page announces it; the
/// <see cref="PresenceTracker"/> of every instance keeps the picture.</summary>
public sealed record PresenceChanged(int CustomerId, string UserId, string FullName, string Instance, string Connection, bool Viewing, bool Typing)
    : LiveEvent, ICustomerEvent
{
    public override IEnumerable<string> Topics() => [LiveTopics.Presence];
}

/// <summary>The viewers or typists of a customer that this instance shows changed (raised locally by the tracker).</summary>
public sealed record PresenceViewChanged(int CustomerId) : LiveEvent
{
    public override IEnumerable<string> Topics() => [LiveTopics.Customer(CustomerId)];
}

public static class CommentChangeKinds
{
    public const string Posted = "posted";
    public const string Edited = "edited";
    public const string Deleted = "deleted";
    public const string Liked = "liked";
}
