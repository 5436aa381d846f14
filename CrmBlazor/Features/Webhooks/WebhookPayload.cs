using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using CrmBlazor.Data;
using CrmBlazor.Domain.Organization;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Webhooks;

/// <summary>
/// The JSON a webhook receives: ids and short excerpts, never whole bodies (issue #20, finding 5). A receiver that
/// needs more reads it through the REST API with its own token, and then sees only what that token may see.
/// </summary>
public static class WebhookPayload
{
    /// <summary>The longest comment excerpt sent, in characters.</summary>
    public const int CommentExcerptLength = 280;

    /// <summary>The longest text field of a customer sent (names, emails…), in characters.</summary>
    public const int FieldLength = 200;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public sealed record CustomerPart(int Id, string? Code, string Name, string? Phone, string? Email, int RelationshipId, string? Relationship,
        string? OwnerId, int Version, DateTime UpdatedAt);

    public sealed record CommentPart(long Id, string Excerpt, bool Truncated, int Length, string AuthorId, DateTime CreatedAt);

    /// <summary>At most <paramref name="max"/> characters, cut on a whole character and marked with "…".</summary>
    [return: NotNullIfNotNull(nameof(text))]
    public static string? Excerpt(string? text, int max)
    {
        if (text is null || text.Length <= max)
        {
            return text;
        }

        var cut = max - 1;
        if (cut > 0 && char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }

        return string.Concat(text.AsSpan(0, cut), "…");
    }

    /// <summary>The customer part, every text cut to <see cref="FieldLength"/>.</summary>
    public static CustomerPart Customer(int id, string? code, string name, string? phone, string? email, int relationshipId, string? relationship,
        string? ownerId, int version, DateTime updatedAt) =>
        new(id, Excerpt(code, FieldLength), Excerpt(name, FieldLength), Excerpt(phone, FieldLength), Excerpt(email, FieldLength), relationshipId,
            Excerpt(relationship, FieldLength), ownerId, version, updatedAt);

    /// <summary>The comment part from a comment's start (not its whole body) and its full length.</summary>
    public static CommentPart Comment(long id, string bodyStart, int length, string authorId, DateTime createdAt) =>
        new(id, Excerpt(bodyStart, CommentExcerptLength), length > CommentExcerptLength, length, authorId, createdAt);

    /// <summary>The customer merged into the payload's customer (event "customer.merged", R6.4): ids and names only.</summary>
    public sealed record MergedPart(int Id, string? Code, string Name);

    public static string Serialize(string eventName, DateTime occurredAt, CustomerPart customer, CommentPart? comment) =>
        JsonSerializer.Serialize(new { @event = eventName, occurredAt, customer, comment }, Json);

    public static string SerializeMerge(string eventName, DateTime occurredAt, CustomerPart customer, MergedPart merged) =>
        JsonSerializer.Serialize(new { @event = eventName, occurredAt, customer, merged }, Json);

    public sealed record OrderPart(long Id, string? Number, DateOnly OrderDate, string Status, decimal Total, decimal AmountPaid, int Lines);

    /// <summary>An order event's payload: the customer first (as every payload, so a purge finds it), then the order's
    /// figures, never its lines or note.</summary>
    public static async Task<string> BuildOrderAsync(CrmDbContext db, string eventName, int customerId, long orderId, DateTime now, CancellationToken ct)
    {
        var customer = await CustomerAsync(db, customerId, ct);
        var o = await db.Orders.AsNoTracking().SingleOrDefaultAsync(o => o.Id == orderId, ct);
        var order = o is null ? null : new OrderPart(o.Id, o.Number, o.OrderDate, o.Status.ToString().ToLowerInvariant(), o.Total, o.AmountPaid, o.Lines.Count);
        return JsonSerializer.Serialize(new { @event = eventName, occurredAt = now, customer, order }, Json);
    }

    /// <summary>Builds one delivery's payload; reads only the first characters of a comment from the database.</summary>
    public static async Task<string> BuildAsync(CrmDbContext db, string eventName, int customerId, long? commentId, DateTime now, CancellationToken ct,
        int? mergedId = null)
    {
        var customer = await CustomerAsync(db, customerId, ct);
        if (mergedId is not null)
        {
            var m = await db.Customers.AsNoTracking().Where(x => x.Id == mergedId).Select(x => new { x.Id, x.Code, x.Name }).SingleAsync(ct);
            return SerializeMerge(eventName, now, customer, new MergedPart(m.Id, Excerpt(m.Code, FieldLength), Excerpt(m.Name, FieldLength)));
        }

        CommentPart? comment = null;
        if (commentId is not null)
        {
            var m = await db.Comments.AsNoTracking().Where(m => m.Id == commentId)
                .Select(m => new { m.Id, Start = m.Body.Substring(0, CommentExcerptLength + 1), m.Body.Length, m.AuthorId, m.CreatedAt })
                .SingleOrDefaultAsync(ct);
            comment = m is null ? null : Comment(m.Id, m.Start, m.Length, m.AuthorId, m.CreatedAt);
        }

        return Serialize(eventName, now, customer, comment);
    }

    private static async Task<CustomerPart> CustomerAsync(CrmDbContext db, int customerId, CancellationToken ct)
    {
        var c = await db.Customers.AsNoTracking().Where(c => c.Id == customerId)
            .Select(c => new
            {
                c.Id, c.Code, c.Name, c.Phone, c.Email, c.RelationshipId,
                Relationship = db.Relationships.Where(r => r.Id == c.RelationshipId).Select(r => r.Name).FirstOrDefault(),
                c.OwnerId, c.Version, c.UpdatedAt,
            }).SingleAsync(ct);
        return Customer(c.Id, c.Code, c.Name, c.Phone, c.Email, c.RelationshipId, c.Relationship, c.OwnerId, c.Version, c.UpdatedAt);
    }
}
