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
    DateTime? LastContactAt, DateTime CreatedAt, int Version, string? AvatarUrl = null);

/// <summary>Headers with exact counts (R2.7) and the first page of cards of every column. Without
/// <paramref name="Counted"/> (the cards first, <see cref="BoardService.LoadCardsAsync"/>), every count is 0 until the
/// columns are counted.</summary>
public sealed record BoardSnapshot(IReadOnlyList<BoardColumn> Columns, int Total, IReadOnlyDictionary<int, IReadOnlyList<BoardCard>> Cards,
    bool Counted = true);

public sealed record BoardOption(string Value, string Text);

public sealed record BoardOptions(IReadOnlyList<BoardOption> Owners, IReadOnlyList<BoardOption> Sources, IReadOnlyList<BoardOption> Groups);

/// <summary>The outcome of moving a card: the customer write path's result, with the card as it is now when saved.</summary>
public sealed record BoardMove(FieldSaveResult Result, BoardCard? Card)
{
    public SaveStatus Status => Result.Status;
}

/// <summary>
/// The pipeline board (R2.7). Reads go through the caller's visibility scope (R7.3); a column pages its cards by
/// (NameKey, Id) keyset over the (IsDeleted, RelationshipId, NameKey) index, so a column of 100,000 customers opens
/// as fast as one of 10, and counts come from one GROUP BY through the same scope.
/// </summary>
public sealed class BoardService(IDbContextFactory<CrmDbContext> dbFactory, CustomerService customers, TimeProvider clock, RelationshipService relationships)
{
    // About seven cards fill a column on a 900 px screen; the next ten load as the column's end scrolls into view, so an
    // idle board keeps no more cards (and their components) in its circuit than a user sees.
    public const int PageSize = 10;

    public DateTime UtcNow => clock.GetUtcNow().UtcDateTime;

    public Task<BoardSnapshot> LoadAsync(UserAccess user, BoardFilter filter, IReadOnlyDictionary<int, int>? take = null, CancellationToken ct = default) =>
        LoadAsync(user, filter, take, counted: true, ct);

    /// <summary>
    /// The columns and their first cards without counting them (<see cref="BoardSnapshot.Counted"/> false): the board
    /// shows its cards at once and its counts when <see cref="CountAsync(UserAccess, BoardFilter, IReadOnlyCollection{int}?, CancellationToken)"/>
    /// answers. Counting a large company's live customers per stage reads every entry of the stage index (most of
    /// opening the board at a million customers); a column's first cards are one short index range each.
    /// </summary>
    public Task<BoardSnapshot> LoadCardsAsync(UserAccess user, BoardFilter filter, IReadOnlyDictionary<int, int>? take = null, CancellationToken ct = default) =>
        LoadAsync(user, filter, take, counted: false, ct);

    private async Task<BoardSnapshot> LoadAsync(UserAccess user, BoardFilter filter, IReadOnlyDictionary<int, int>? take, bool counted, CancellationToken ct)
    {
        RequireAccess(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rels = await db.Relationships.AsNoTracking().Where(r => !r.IsDeleted)
            .OrderBy(r => r.Position).ThenBy(r => r.Id)
            .Select(r => new { r.Id, r.Name, r.Color, r.Description, r.IsDefault })
            .ToListAsync(ct);
        var scoped = Filtered(db, user, filter);
        var counts = counted ? await CountAsync(scoped, ct) : null;
        var columns = rels.Select(r => new BoardColumn(r.Id, r.Name, r.Color, r.Description, r.IsDefault, counts?.GetValueOrDefault(r.Id) ?? 0)).ToList();

        var cards = new Dictionary<int, IReadOnlyList<BoardCard>>();
        var raw = new Dictionary<int, List<RawCard>>();
        foreach (var col in columns)
        {
            var n = Math.Clamp(take?.GetValueOrDefault(col.Id) is > 0 and var t ? t : PageSize, 1, 2000);
            raw[col.Id] = counted && col.Count == 0 ? [] : await Page(scoped, col.Id, null, null, n).ToListAsync(ct);
        }

        var owners = await OwnerNames(db, raw.Values.SelectMany(x => x), ct);
        foreach (var (id, list) in raw)
        {
            cards[id] = list.Select(c => c.ToCard(owners)).ToList();
        }

        return new BoardSnapshot(columns, columns.Sum(c => c.Count), cards, counted);
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

    /// <summary>Of <paramref name="ids"/>, the cards the user may see now with these filters (a live refresh of the cards
    /// that changed: one query, not a reload of the board).</summary>
    public async Task<IReadOnlyList<BoardCard>> FindCardsAsync(UserAccess user, BoardFilter filter, IReadOnlyCollection<int> ids, CancellationToken ct = default)
    {
        RequireAccess(user);
        if (ids.Count == 0)
        {
            return [];
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var list = ids.ToList();
        var cards = await Project(Filtered(db, user, filter).Where(c => list.Contains(c.Id))).ToListAsync(ct);
        var owners = await OwnerNames(db, cards, ct);
        return cards.Select(c => c.ToCard(owners)).ToList();
    }

    /// <summary>Exact counts of some columns (or all, when <paramref name="relationshipIds"/> is null) with these filters.</summary>
    public async Task<IReadOnlyDictionary<int, int>> CountAsync(UserAccess user, BoardFilter filter, IReadOnlyCollection<int>? relationshipIds,
        CancellationToken ct = default)
    {
        RequireAccess(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var scoped = Filtered(db, user, filter);
        if (relationshipIds is not null)
        {
            var list = relationshipIds.ToList();
            scoped = scoped.Where(c => list.Contains(c.RelationshipId));
        }

        return await CountAsync(scoped, ct);
    }

    public async Task<BoardOptions> OptionsAsync(UserAccess user, CancellationToken ct = default)
    {
        RequireAccess(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var owners = await db.StaffProfiles.AsNoTracking().Where(p => p.IsActive).OrderBy(p => p.FullName)
            .Select(p => new BoardOption(p.Id, p.FullName)).ToListAsync(ct);
        var sources = await db.Sources.AsNoTracking().Where(s => !s.IsDeleted).OrderBy(s => s.Position)
            .Select(s => new BoardOption(s.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), s.Name)).ToListAsync(ct);
        var groups = await db.CustomerGroups.AsNoTracking().Where(g => !g.IsDeleted).OrderBy(g => g.Position).ThenBy(g => g.Id)
            .Select(g => new BoardOption(g.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), g.Name)).ToListAsync(ct);
        return new BoardOptions(owners, sources, groups);
    }

    /// <summary>
    /// Drag a card to another column (R2.6) through the customers' one write path: visible to the user (R7.3), the edit
    /// right (R7.4), the version the user saw (a concurrent change answers a conflict with who made it), the change log.
    /// </summary>
    public async Task<BoardMove> MoveCardAsync(UserAccess user, int customerId, int toRelationshipId, int seenVersion, CancellationToken ct = default)
    {
        var result = await customers.SaveFieldAsync(user, customerId, GridFields.Relationship,
            toRelationshipId.ToString(System.Globalization.CultureInfo.InvariantCulture), seenVersion, CustomerService.OriginBoard, ct);
        var card = result.Status == SaveStatus.Saved ? await FindCardAsync(user, new BoardFilter(), customerId, ct) : null;
        return new BoardMove(result, card);
    }

    /// <summary>Drag a column header (R2.2): the CRM settings right is checked by the relationship service.</summary>
    public Task MoveColumnAsync(UserAccess user, int relationshipId, int toIndex, CancellationToken ct = default) =>
        relationships.MoveAsync(user, relationshipId, toIndex, ct);

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
        q.Select(c => new RawCard(c.Id, c.RelationshipId, c.Name, c.NameKey, c.Phone, c.OwnerId, c.LastContactAt, c.CreatedAt, c.Version, c.AvatarUrl));

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
        DateTime? LastContactAt, DateTime CreatedAt, int Version, string? AvatarUrl)
    {
        public BoardCard ToCard(Dictionary<string, string> owners) =>
            new(Id, RelationshipId, Name, NameKey, Phone, OwnerId is null ? null : owners.GetValueOrDefault(OwnerId), LastContactAt, CreatedAt, Version, AvatarUrl);
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
