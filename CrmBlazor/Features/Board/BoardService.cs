using CrmBlazor.Data;
using CrmBlazor.Domain.Comments;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Customers;
using CrmBlazor.Features.Relationships;
using CrmBlazor.Live;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Board;

/// <summary>The board's filters (R5.2 subset): mine, owner, source, group, quick search.</summary>
public sealed record BoardFilter
{
    public bool Mine { get; init; }
    public string? OwnerId { get; init; }
    public int? SourceId { get; init; }
    public int? GroupId { get; init; }
    public string? Search { get; init; }
}

public sealed record BoardColumn(int Id, string Name, string Color, string? Description, bool IsDefault, int Count);

public sealed record BoardCard(int Id, int RelationshipId, string Name, string NameKey, string? Phone, string? OwnerName,
    DateTime? LastContactAt, DateTime CreatedAt, int Version);

/// <summary>Headers with exact counts (R2.7) and the first page of cards of every column.</summary>
public sealed record BoardSnapshot(IReadOnlyList<BoardColumn> Columns, int Total, IReadOnlyDictionary<int, IReadOnlyList<BoardCard>> Cards);

public sealed record BoardOption(string Value, string Text);

public sealed record BoardOptions(IReadOnlyList<BoardOption> Owners, IReadOnlyList<BoardOption> Sources, IReadOnlyList<BoardOption> Groups);

/// <summary>Someone else changed the customer after the user saw it (optimistic concurrency).</summary>
public sealed class CardConflictException(int customerId, string? changedBy)
    : InvalidOperationException($"Customer {customerId} was changed by {changedBy ?? "someone else"} in the meantime.")
{
    public int CustomerId { get; } = customerId;
    public string? ChangedBy { get; } = changedBy;
}

/// <summary>
/// The pipeline board (R2.7). Reads go through the caller's visibility scope (R7.3); a column pages its cards by
/// (NameKey, Id) keyset over the (IsDeleted, RelationshipId, NameKey) index, so a column of 100,000 customers opens
/// as fast as one of 10, and counts come from one GROUP BY through the same scope.
/// </summary>
public sealed class BoardService(IDbContextFactory<CrmDbContext> dbFactory, ILiveEventBus live, TimeProvider clock, RelationshipService relationships)
{
    public const int PageSize = 50;
    public const string Origin = "board";

    public DateTime UtcNow => clock.GetUtcNow().UtcDateTime;

    public async Task<BoardSnapshot> LoadAsync(UserAccess user, BoardFilter filter, IReadOnlyDictionary<int, int>? take = null, CancellationToken ct = default)
    {
        RequireAccess(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rels = await db.Relationships.AsNoTracking().Where(r => !r.IsDeleted)
            .OrderBy(r => r.Position).ThenBy(r => r.Id)
            .Select(r => new { r.Id, r.Name, r.Color, r.Description, r.IsDefault })
            .ToListAsync(ct);
        var scoped = Filtered(db, user, filter);
        var counts = await CountAsync(scoped, ct);
        var columns = rels.Select(r => new BoardColumn(r.Id, r.Name, r.Color, r.Description, r.IsDefault, counts.GetValueOrDefault(r.Id))).ToList();

        var cards = new Dictionary<int, IReadOnlyList<BoardCard>>();
        var raw = new Dictionary<int, List<RawCard>>();
        foreach (var col in columns)
        {
            var n = Math.Clamp(take?.GetValueOrDefault(col.Id) is > 0 and var t ? t : PageSize, 1, 2000);
            raw[col.Id] = col.Count == 0 ? [] : await Page(scoped, col.Id, null, null, n).ToListAsync(ct);
        }

        var owners = await OwnerNames(db, raw.Values.SelectMany(x => x), ct);
        foreach (var (id, list) in raw)
        {
            cards[id] = list.Select(c => c.ToCard(owners)).ToList();
        }

        return new BoardSnapshot(columns, columns.Sum(c => c.Count), cards);
    }

    /// <summary>The next page of a column after the last card the user has (keyset, stable while others edit).</summary>
    public async Task<IReadOnlyList<BoardCard>> LoadMoreAsync(UserAccess user, BoardFilter filter, int relationshipId, BoardCard? after,
        int take = PageSize, CancellationToken ct = default)
    {
        RequireAccess(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var list = await Page(Filtered(db, user, filter), relationshipId, after?.NameKey, after?.Id, Math.Clamp(take, 1, 500)).ToListAsync(ct);
        var owners = await OwnerNames(db, list, ct);
        return list.Select(c => c.ToCard(owners)).ToList();
    }

    /// <summary>One card as the user may see it now with these filters, or null (gone, out of scope or filtered out).</summary>
    public async Task<BoardCard?> FindCardAsync(UserAccess user, BoardFilter filter, int customerId, CancellationToken ct = default)
    {
        RequireAccess(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var list = await Project(Filtered(db, user, filter).Where(c => c.Id == customerId)).ToListAsync(ct);
        var owners = await OwnerNames(db, list, ct);
        return list.Select(c => c.ToCard(owners)).FirstOrDefault();
    }

    public async Task<BoardOptions> OptionsAsync(UserAccess user, CancellationToken ct = default)
    {
        RequireAccess(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var owners = await db.StaffProfiles.AsNoTracking().Where(p => p.IsActive).OrderBy(p => p.FullName)
            .Select(p => new BoardOption(p.Id, p.FullName)).ToListAsync(ct);
        var sources = await db.Sources.AsNoTracking().Where(s => !s.IsDeleted).OrderBy(s => s.Position)
            .Select(s => new BoardOption(s.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), s.Name)).ToListAsync(ct);
        var groups = await db.CustomerGroups.AsNoTracking().Where(g => !g.IsDeleted).OrderBy(g => g.Name)
            .Select(g => new BoardOption(g.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), g.Name)).ToListAsync(ct);
        return new BoardOptions(owners, sources, groups);
    }

    /// <summary>
    /// Drag a card to another column (R2.6): the customer must be visible to the user (R7.3), the user needs the edit
    /// right (R7.4), and the save carries the version the user saw; a concurrent change is reported with who made it.
    /// </summary>
    public async Task<BoardCard> MoveCardAsync(UserAccess user, int customerId, int toRelationshipId, int seenVersion, CancellationToken ct = default)
    {
        RequireAccess(user);
        if (!user.Has(Rights.CustomersEdit))
        {
            throw new AccessDeniedException("Moving a customer to another relationship needs the edit right (R7.3).");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var customer = await CustomerScope.Visible(db, user).FirstOrDefaultAsync(c => c.Id == customerId, ct)
            ?? throw new AccessDeniedException($"Customer {customerId} is not visible to you (R7.3).");
        if (!await db.Relationships.AnyAsync(r => r.Id == toRelationshipId && !r.IsDeleted, ct))
        {
            throw new Domain.Common.DomainException(Domain.Relationships.Pipeline.NotFound, $"Relationship {toRelationshipId} does not exist or was deleted.");
        }

        if (customer.Version != seenVersion)
        {
            // The row is already newer than the card the user dragged.
            throw await ConflictAsync(customerId, ct);
        }

        // And if it changes between this read and the save, the UPDATE … WHERE Version = seen matches no row.
        db.Entry(customer).Property(c => c.Version).OriginalValue = seenVersion;
        var now = UtcNow;
        var changes = customer.MoveTo(toRelationshipId, user.UserId, now);

        foreach (var change in changes)
        {
            db.ChangeLog.Add(new ChangeLogEntry(customer.Id, user.UserId, now, change, Origin));
        }

        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw await ConflictAsync(customerId, ct);
        }

        if (changes.Count > 0)
        {
            await live.PublishAsync(new CustomerChanged(customer.Id, ChangeKinds.Updated, user.UserId), ct);
        }

        var owner = customer.OwnerId is null ? null
            : await db.StaffProfiles.Where(p => p.Id == customer.OwnerId).Select(p => p.FullName).FirstOrDefaultAsync(ct);
        return new BoardCard(customer.Id, customer.RelationshipId, customer.Name, customer.NameKey, customer.Phone, owner,
            customer.LastContactAt, customer.CreatedAt, customer.Version);
    }

    /// <summary>Drag a column header (R2.2): the CRM settings right is checked by the relationship service.</summary>
    public Task MoveColumnAsync(UserAccess user, int relationshipId, int toIndex, CancellationToken ct = default) =>
        relationships.MoveAsync(user, relationshipId, toIndex, ct);

    private async Task<CardConflictException> ConflictAsync(int customerId, CancellationToken ct)
    {
        await using var fresh = await dbFactory.CreateDbContextAsync(ct);
        var by = await fresh.Customers.Where(c => c.Id == customerId)
            .Select(c => fresh.StaffProfiles.Where(p => p.Id == c.UpdatedById).Select(p => p.FullName).FirstOrDefault())
            .FirstOrDefaultAsync(ct);
        return new CardConflictException(customerId, by);
    }

    /// <summary>Exact customers per relationship (R2.7), through the scope.</summary>
    private static async Task<Dictionary<int, int>> CountAsync(IQueryable<Customer> scoped, CancellationToken ct)
    {
        // Live customers per stage read the partial index over live customers (CrmDbContext.ApplyLiveCustomerIndexes).
        return await scoped.GroupBy(c => c.RelationshipId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);
    }

    private static IQueryable<Customer> Filtered(CrmDbContext db, UserAccess user, BoardFilter f)
    {
        var q = CustomerScope.Visible(db, user);
        if (f.Mine)
        {
            q = q.Where(c => c.OwnerId == user.UserId);
        }

        if (!string.IsNullOrEmpty(f.OwnerId))
        {
            q = q.Where(c => c.OwnerId == f.OwnerId);
        }

        if (f.SourceId is { } source)
        {
            q = q.Where(c => c.SourceId == source);
        }

        if (f.GroupId is { } group)
        {
            q = q.Where(c => db.CustomerGroupMembers.Any(m => m.CustomerId == c.Id && m.GroupId == group));
        }

        return CustomerSearch.Apply(q, f.Search, db);
    }

    private static IQueryable<RawCard> Page(IQueryable<Customer> q, int relationshipId, string? afterKey, int? afterId, int take)
    {
        q = q.Where(c => c.RelationshipId == relationshipId);
        if (afterKey is not null && afterId is { } id)
        {
            q = q.Where(c => string.Compare(c.NameKey, afterKey) > 0 || (c.NameKey == afterKey && c.Id > id));
        }

        return Project(q.OrderBy(c => c.NameKey).ThenBy(c => c.Id).Take(take));
    }

    private static IQueryable<RawCard> Project(IQueryable<Customer> q) =>
        q.Select(c => new RawCard(c.Id, c.RelationshipId, c.Name, c.NameKey, c.Phone, c.OwnerId, c.LastContactAt, c.CreatedAt, c.Version));

    private static async Task<Dictionary<string, string>> OwnerNames(CrmDbContext db, IEnumerable<RawCard> cards, CancellationToken ct)
    {
        var ids = cards.Where(c => c.OwnerId != null).Select(c => c.OwnerId!).Distinct().ToList();
        return ids.Count == 0 ? []
            : await db.StaffProfiles.AsNoTracking().Where(p => ids.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.FullName, ct);
    }

    private static void RequireAccess(UserAccess user)
    {
        if (!user.Has(Rights.CustomersAccess))
        {
            throw new AccessDeniedException("No access to customers.");
        }
    }

    private sealed record RawCard(int Id, int RelationshipId, string Name, string NameKey, string? Phone, string? OwnerId,
        DateTime? LastContactAt, DateTime CreatedAt, int Version)
    {
        public BoardCard ToCard(Dictionary<string, string> owners) =>
            new(Id, RelationshipId, Name, NameKey, Phone, OwnerId is null ? null : owners.GetValueOrDefault(OwnerId), LastContactAt, CreatedAt, Version);
    }
}

public static class BoardFeature
{
    public static IServiceCollection AddBoardFeature(this IServiceCollection services)
    {
        services.AddScoped<BoardService>();
        services.AddRelationshipsFeature();
        return services;
    }
}
