using System.Globalization;
using System.Linq.Expressions;
using CrmBlazor.Data;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Comments;
using CrmBlazor.Live;
using CrmBlazor.Localization;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Customers;

public enum CustomerSort
{
    Name,
    Code,
    CreatedAt,
    LastContact,
    Phone,
    Email,
    Address,
    Birthday,
    Gender,
    Relationship,
    Source,
    Owner,
    /// <summary>The customer's value (R4.4).</summary>
    Value,
}

/// <summary>What the list shows: the quick search, the filters (R5.2), the page and the sort.</summary>
public sealed record CustomerListQuery
{
    public string? Search { get; init; }
    /// <summary>Zero-based.</summary>
    public int Page { get; init; }
    public int PageSize { get; init; } = 25;
    public CustomerSort Sort { get; init; } = CustomerSort.Name;
    public bool Descending { get; init; }

    public bool Mine { get; init; }
    public bool Unassigned { get; init; }
    public int? RelationshipId { get; init; }
    public int? SourceId { get; init; }
    public int? GroupId { get; init; }
    public string? OwnerId { get; init; }
    /// <summary>Owned by a user of this department or of a department below it (the reports' links narrow by department).</summary>
    public int? DepartmentId { get; init; }
    /// <summary>Created on or after this day (in the user's time zone).</summary>
    public DateOnly? CreatedFrom { get; init; }
    /// <summary>Created on or before this day (in the user's time zone).</summary>
    public DateOnly? CreatedTo { get; init; }
    /// <summary>Last contact older than <see cref="CustomerOptions.DontForgetDays"/> (R5.1).</summary>
    public bool DontForget { get; init; }
    /// <summary>Customers with comments the user has not read yet (R5.1).</summary>
    public bool NewUpdates { get; init; }
}

public sealed record CustomerRow(int Id, string? Code, string Name, string? Phone, string? Email, string? Address, DateOnly? Birthday,
    Gender Gender, int RelationshipId, string RelationshipName, string RelationshipColor, int? SourceId, string? SourceName, string? OwnerId,
    string? OwnerName, DateTime CreatedAt, DateTime? LastContactAt, int Version)
{
    public IReadOnlyDictionary<int, string> Custom { get; init; } = new Dictionary<int, string>();

    /// <summary>The money the customer has paid (R4.4), in VND.</summary>
    public decimal Value { get; init; }

    /// <summary>Whether the customer has custom field values to read into <see cref="Custom"/>: read with the row, so a page
    /// whose customers have none (most, often all) costs no second query.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool HasCustomValues { get; init; }
}

public sealed record PagedResult<T>(IReadOnlyList<T> Items, int Total);

/// <summary>The three counters above the grid (R5.1).</summary>
public sealed record CustomerCounters(int All, int NewUpdates, int DontForget);

public sealed record Choice<TKey>(TKey Id, string Name, string? Color = null);

/// <summary>The catalogues the grid's filters and editors choose from.</summary>
public sealed record CustomerLookups(IReadOnlyList<Choice<int>> Relationships, IReadOnlyList<Choice<int>> Sources, IReadOnlyList<Choice<int>> Groups,
    IReadOnlyList<Choice<string>> Owners, IReadOnlyList<CustomFieldInfo> CustomFields);

public sealed record CustomFieldInfo(int Id, string Name, Domain.CustomFields.CustomFieldKind Kind, IReadOnlyList<string> Choices);

/// <summary>Settings of the customer module ("Customers" section of appsettings).</summary>
public sealed class CustomerOptions
{
    /// <summary>R5.1 "Don't forget": last contact older than this many days.</summary>
    public int DontForgetDays { get; set; } = 30;
    /// <summary>R6.2: trashed customers older than this are purged automatically.</summary>
    public int TrashRetentionDays { get; set; } = 60;
    /// <summary>How often the trash purge job runs.</summary>
    public int TrashPurgeIntervalMinutes { get; set; } = 60;
    /// <summary>A quick search stops counting after this many matches (the grid then shows "N+").</summary>
    public int SearchCountCap { get; set; } = 10_000;
}

/// <summary>
/// Reads and writes customers for the grid, the form, bulk actions, the trash and export — always through the caller's
/// visibility scope (R7.3), checking rights before every write (R7.4), logging every change (R4.5) and publishing it live.
/// </summary>
public sealed partial class CustomerService(IDbContextFactory<CrmDbContext> dbFactory, TimeProvider clock, ILiveEventBus? live = null,
    CustomerOptions? options = null, ILogger<CustomerService>? logger = null, AvatarStore? avatars = null,
    AttachmentStore? attachments = null)
{
    public const int MaxPageSize = 200;
    public const string ColumnsPreferenceKey = "customers.columns";
    public const string WidthsPreferenceKey = "customers.widths";
    public const int MinColumnWidth = 48;
    public const int MaxColumnWidth = 800;

    private readonly CustomerOptions _options = options ?? new CustomerOptions();

    public CustomerOptions Options => _options;

    public DateTime UtcNow => clock.GetUtcNow().UtcDateTime;

    public async Task<PagedResult<CustomerRow>> ListAsync(UserAccess user, CustomerListQuery query, CancellationToken ct = default)
    {
        RequireAccess(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (query.Sort == CustomerSort.Name && CustomerSearch.UsesTextIndex(query.Search) && db.Database.IsSqlite())
        {
            return await ByNameWithSearchAsync(db, user, query, ct);
        }

        // The total runs beside the page, on its own connection (SQLite's calls are synchronous, hence Task.Run).
        var totalTask = Task.Run(() => WithDbAsync(countDb => CountAsync(countDb, user, query, ct), ct), ct);
        return new PagedResult<CustomerRow>(await PageOfAsync(db, user, query, ct), await totalTask);
    }

    /// <summary>
    /// The rows of one page of the list, without its total: the grid shows them at once and takes the total from
    /// <see cref="CountAsync(UserAccess, CustomerListQuery, CancellationToken)"/> when it arrives (#25: counting a million
    /// customers must not hold the first page back).
    /// </summary>
    public async Task<IReadOnlyList<CustomerRow>> PageRowsAsync(UserAccess user, CustomerListQuery query, CancellationToken ct = default)
    {
        RequireAccess(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (query.Sort == CustomerSort.Name && CustomerSearch.UsesTextIndex(query.Search) && db.Database.IsSqlite())
        {
            return (await ByNameWithSearchAsync(db, user, query, ct, withTotal: false)).Items;
        }

        return await PageOfAsync(db, user, query, ct);
    }

    private async Task<List<CustomerRow>> PageOfAsync(CrmDbContext db, UserAccess user, CustomerListQuery query, CancellationToken ct)
    {
        var size = Math.Clamp(query.PageSize, 1, MaxPageSize);
        var page = Math.Max(0, query.Page);
        var rows = CompiledPages.For(db, user, query, page, size, this) is { } compiled
            ? await compiled.PageAsync(db, user, page, size, ct)
            : await PageQuery(db, user, query, page, size).ToListAsync(ct);
        return await WithCustomValuesAsync(db, rows, ct);
    }

    /// <summary>A page's rows in one statement: its ids paged through the sort's index, then the rows of those ids alone
    /// read and joined to their names (Project), so a deep page skips index entries, not rows. The paged subquery selects
    /// the ids only: selecting the row's columns there made SQLite read every skipped customer's row as well (page 1,000
    /// by name cost three times its first page).</summary>
    private IQueryable<CustomerRow> PageQuery(CrmDbContext db, UserAccess user, CustomerListQuery query, int page, int size)
    {
        var ids = Sort(db, ScopedForPage(db, user, query, (page + 1) * size), query.Sort, query.Descending).Skip(page * size).Take(size).Select(c => c.Id);
        return Project(db, Sort(db, db.Customers.Where(c => ids.Contains(c.Id)), query.Sort, query.Descending));
    }

    /// <summary>
    /// The visible customers matching the query, shaped for reading the first <paramref name="limit"/> of them in list
    /// order. A scoped user's visibility is an OR (owned, or related, or created and unassigned), which SQLite tests row
    /// by row while it walks the list order: a salesperson owning one customer in a hundred read ~100 rows and ran a
    /// subquery on each for every row shown. Scoped, the list is instead the union of the disjoint OR-free parts of
    /// <see cref="CustomerScope.VisibleParts"/>, each sorted and limited through its own index; the caller's sort and
    /// page then apply to at most <paramref name="limit"/> rows a part. Same rows, same order (the oracle test checks).
    /// </summary>
    private IQueryable<Customer> ScopedForPage(CrmDbContext db, UserAccess user, CustomerListQuery query, int limit)
    {
        var parts = CustomerScope.VisibleParts(db, user);
        if (parts.Count < 2 || limit > MaxMergedPageRows)
        {
            return Filter(db, user, query);
        }

        return parts
            .Select(part => Sort(db, ApplyFilters(db, user, query, part), query.Sort, query.Descending).Take(limit))
            .Aggregate((a, b) => a.Concat(b));
    }

    /// <summary>Past this many rows a part, a deep page reads the OR directly rather than sort so many in a union.</summary>
    private const int MaxMergedPageRows = 10_000;

    /// <summary>The rows of a page, in the page's order.</summary>
    private static async Task<List<CustomerRow>> RowsAsync(CrmDbContext db, List<int> ids, CancellationToken ct)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        var byId = new Dictionary<int, CustomerRow>(ids.Count);
        await foreach (var row in RowsOf(db, [.. ids]).WithCancellation(ct))
        {
            byId[row.Id] = row;
        }

        return await WithCustomValuesAsync(db, ids.Where(byId.ContainsKey).Select(id => byId[id]).ToList(), ct);
    }

    /// <summary>
    /// A quick search sorted by name, on SQLite. The search text starts with the name key, so the matches fall into three
    /// disjoint parts: (A) names starting with the fragment — a range of the name index, read in order, as far as the
    /// page needs; (B) texts containing it but not at their start — the tail trigram index's phrase, usually few; (L)
    /// texts starting with it although the name does not — the fragment runs on past a whole name into the code or e-mail
    /// ("le thi hoa kh00"), found by those names. A common family name ("nguyen", 5% of a million customers) is then a
    /// range walk instead of sorting 50,000 matches. Totals: A counted from the indexes (exact), B and L up to the search
    /// cap.
    /// </summary>
    private async Task<PagedResult<CustomerRow>> ByNameWithSearchAsync(CrmDbContext db, UserAccess user, CustomerListQuery query, CancellationToken ct,
        bool withTotal = true)
    {
        var size = Math.Clamp(query.PageSize, 1, MaxPageSize);
        var page = Math.Max(0, query.Page);
        var fragment = CustomerSearch.Fragment(query.Search!);
        var upper = fragment + char.ConvertFromUtf32(0x10FFFF);
        var unsearched = query with { Search = null };
        IQueryable<Customer> Leading(IQueryable<Customer> q) =>
            q.Where(c => string.Compare(c.NameKey, fragment) >= 0 && string.Compare(c.NameKey, upper) < 0);
        // The whole names the fragment runs past: "le thi hoa kh00" → "le", "le thi", "le thi hoa".
        var names = fragment.Select((ch, i) => (ch, i)).Where(x => x.ch == ' ').Select(x => fragment[..x.i]).ToList();

        var filtered = Filter(db, user, unsearched);
        var inside = CustomerSearch.NotAtStart(filtered, fragment, db);
        var runOn = filtered.Where(c => names.Contains(c.NameKey) && c.SearchText.Substring(0, fragment.Length) == fragment);

        var needed = (page + 1) * size;
        var leading = await Sort(db, Leading(filtered), CustomerSort.Name, query.Descending).Take(needed).Select(c => new { c.Id, c.NameKey }).ToListAsync(ct);
        var candidates = leading.Select(c => (c.Id, c.NameKey)).ToList();
        // Without the total (the grid's first paint), the parts' sizes below are a by-product and the count is skipped.
        var total = withTotal ? await CustomerScope.CountVisibleAsync(db, user, source => Leading(ApplyFilters(db, user, unsearched, source)), ct) : 0;
        foreach (var part in names.Count > 0 ? new[] { inside, runOn } : [inside])
        {
            if (!withTotal)
            {
                // The rows alone: only the first of them in order, however many match. Ordered by an expression, not the
                // name index: walking that index and probing the text index for every name is far slower than sorting
                // the text index's matches.
                var first = query.Descending
                    ? part.OrderByDescending(c => c.NameKey + "").ThenByDescending(c => c.Id)
                    : part.OrderBy(c => c.NameKey + "").ThenBy(c => c.Id);
                candidates.AddRange((await first.Take(needed).Select(c => new { c.Id, c.NameKey }).ToListAsync(ct)).Select(c => (c.Id, c.NameKey)));
                continue;
            }

            // Usually few: read them all once, for the page and the total; past the cap, the first of them in order.
            var all = await part.Take(_options.SearchCountCap).Select(c => new { c.Id, c.NameKey }).ToListAsync(ct);
            if (all.Count == _options.SearchCountCap)
            {
                all = await Sort(db, part, CustomerSort.Name, query.Descending).Take(needed).Select(c => new { c.Id, c.NameKey }).ToListAsync(ct);
                total += _options.SearchCountCap;
            }
            else
            {
                total += all.Count;
            }

            candidates.AddRange(all.Select(c => (c.Id, c.NameKey)));
        }

        // SQLite compares names as UTF-8 bytes; ordinal UTF-16 order is the same for every character a name key holds.
        Comparison<(int Id, string NameKey)> order = (x, y) =>
            string.CompareOrdinal(x.NameKey, y.NameKey) is var byName and not 0 ? byName : x.Id.CompareTo(y.Id);
        candidates.Sort(query.Descending ? (x, y) => order(y, x) : order);
        var ids = candidates.Skip(page * size).Take(size).Select(c => c.Id).ToList();
        return new PagedResult<CustomerRow>(await RowsAsync(db, ids, ct), total);
    }

    private Task<int> CountAsync(CrmDbContext db, UserAccess user, CustomerListQuery query, CancellationToken ct) =>
        string.IsNullOrWhiteSpace(query.Search)
            // OR-free, index-only counts of the same rows (CustomerScope.CountVisibleAsync; the oracle test checks it).
            ? CustomerScope.CountVisibleAsync(db, user, source => ApplyFilters(db, user, query, source), ct)
            // A loose search over a million rows: stop counting at the cap; the first page is found quickly either way.
            : Filter(db, user, query).Take(_options.SearchCountCap).CountAsync(ct);

    /// <summary>Runs <paramref name="work"/> on a context of its own (for queries that run side by side).</summary>
    private async Task<T> WithDbAsync<T>(Func<CrmDbContext, Task<T>> work, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await work(db);
    }

    /// <summary>One row, or null when the user may not see it (or it is in the trash).</summary>
    public async Task<CustomerRow?> RowAsync(UserAccess user, int id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await Project(db, CustomerScope.Apply(db.Customers.Where(c => c.Id == id && !c.IsDeleted), db, user)).ToListAsync(ct);
        return rows.Count == 0 ? null : (await WithCustomValuesAsync(db, rows, ct))[0];
    }

    /// <summary>Of <paramref name="ids"/>, the rows still in the list <paramref name="query"/> describes (its scope, search and
    /// filters; no paging): a live refresh of the rows on screen, one query instead of the page's.</summary>
    public async Task<IReadOnlyList<CustomerRow>> RowsInListAsync(UserAccess user, CustomerListQuery query, IReadOnlyCollection<int> ids,
        CancellationToken ct = default)
    {
        RequireAccess(user);
        if (ids.Count == 0)
        {
            return [];
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var list = ids.ToList();
        var rows = await Project(db, Filter(db, user, query with { Search = null }).Where(c => list.Contains(c.Id))).ToListAsync(ct);
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            // The search on a handful of ids: a plain match on their search text (the text index answers whole lists).
            var matching = await CustomerSearch.Apply(db.Customers.Where(c => list.Contains(c.Id)), query.Search).Select(c => c.Id).ToListAsync(ct);
            rows = rows.Where(r => matching.Contains(r.Id)).ToList();
        }

        return await WithCustomValuesAsync(db, rows, ct);
    }

    /// <summary>How many customers the list <paramref name="query"/> describes holds (the grid's total, recounted live).</summary>
    public async Task<int> CountAsync(UserAccess user, CustomerListQuery query, CancellationToken ct = default)
    {
        RequireAccess(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (query.Sort == CustomerSort.Name && CustomerSearch.UsesTextIndex(query.Search) && db.Database.IsSqlite())
        {
            return (await ByNameWithSearchAsync(db, user, query with { Page = 0, PageSize = 1 }, ct)).Total;
        }

        return await CountAsync(db, user, query, ct);
    }

    /// <summary>Of <paramref name="ids"/>, those the user may see now (live events are re-checked before showing, R7.3).</summary>
    public async Task<IReadOnlyList<int>> VisibleIdsAsync(UserAccess user, IReadOnlyCollection<int> ids, bool includeTrash = false, CancellationToken ct = default)
    {
        if (ids.Count == 0 || !user.Has(Rights.CustomersAccess))
        {
            return [];
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var list = ids.Distinct().ToList();
        var source = db.Customers.Where(c => list.Contains(c.Id));
        if (!includeTrash)
        {
            source = source.Where(c => !c.IsDeleted);
        }

        return await CustomerScope.Apply(source, db, user).Select(c => c.Id).ToListAsync(ct);
    }

    public async Task<CustomerCounters> CountersAsync(UserAccess user, CancellationToken ct = default)
    {
        RequireAccess(user);
        // Three independent counts side by side, each on its own connection.
        var all = Task.Run(() => WithDbAsync(db => CustomerScope.CountVisibleAsync(db, user, null, ct), ct), ct);
        // New updates counts unread comments (owned or related customers), exactly as the navigation badge does.
        var updates = Task.Run(() => WithDbAsync(db => CrmBlazor.Features.Comments.CommentService.UnreadComments(db, user).CountAsync(ct), ct), ct);
        // "Don't forget" (R5.1) is every visible customer but the recently contacted or recently created ones: two short
        // index ranges (the complement, the old ones, is most of the table). One OR would scan.
        var cutoff = UtcNow.AddDays(-_options.DontForgetDays);
        var recent = Task.Run(() => WithDbAsync(async db =>
            await CustomerScope.CountVisibleAsync(db, user, q => q.Where(c => c.LastContactAt >= cutoff), ct)
            + await CustomerScope.CountVisibleAsync(db, user, q => q.Where(c => c.LastContactAt == null && c.CreatedAt >= cutoff), ct), ct), ct);
        return new CustomerCounters(await all, await updates, await all - await recent);
    }

    public async Task<CustomerLookups> LookupsAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var relationships = await db.Relationships.AsNoTracking().Where(r => !r.IsDeleted).OrderBy(r => r.Position)
            .Select(r => new Choice<int>(r.Id, r.Name, r.Color)).ToListAsync(ct);
        var sources = await db.Sources.AsNoTracking().Where(s => !s.IsDeleted).OrderBy(s => s.Position).Select(s => new Choice<int>(s.Id, s.Name, null)).ToListAsync(ct);
        var groups = await db.CustomerGroups.AsNoTracking().Where(g => !g.IsDeleted).OrderBy(g => g.Position).ThenBy(g => g.Id).Select(g => new Choice<int>(g.Id, g.Name, null)).ToListAsync(ct);
        var owners = await db.StaffProfiles.AsNoTracking().Where(p => p.IsActive).OrderBy(p => p.FullName)
            .Select(p => new Choice<string>(p.Id, p.FullName, null)).ToListAsync(ct);
        var fields = await db.CustomFields.AsNoTracking().Where(f => !f.IsDeleted).OrderBy(f => f.Position).ThenBy(f => f.Id).ToListAsync(ct);
        return new CustomerLookups(relationships, sources, groups, owners,
            fields.Select(f => new CustomFieldInfo(f.Id, f.Name, f.Kind, f.ChoiceList)).ToList());
    }

    /// <summary>The columns the user chose to see (null: the default set).</summary>
    public async Task<IReadOnlyList<string>?> ColumnsAsync(UserAccess user, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var value = await db.Set<UserPreference>().Where(p => p.UserId == user.UserId && p.Key == ColumnsPreferenceKey).Select(p => p.Value).FirstOrDefaultAsync(ct);
        return value?.Split(',', StringSplitOptions.RemoveEmptyEntries);
    }

    public Task SaveColumnsAsync(UserAccess user, IEnumerable<string> columns, CancellationToken ct = default) =>
        SetPreferenceAsync(user, ColumnsPreferenceKey, string.Join(',', columns.Distinct()), ct);

    /// <summary>The widths (px) the user gave the grid's columns by dragging their edges; columns not in it size to fit.</summary>
    public async Task<IReadOnlyDictionary<string, int>> ColumnWidthsAsync(UserAccess user, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var value = await db.Set<UserPreference>().Where(p => p.UserId == user.UserId && p.Key == WidthsPreferenceKey).Select(p => p.Value).FirstOrDefaultAsync(ct);
        return ParseWidths(value);
    }

    /// <summary>Remembers one column's width for the user (null forgets it); keys the grid does not know are refused.</summary>
    public async Task<IReadOnlyDictionary<string, int>> SaveColumnWidthAsync(UserAccess user, string column, int? width, CancellationToken ct = default)
    {
        if (!IsColumnKey(column))
        {
            throw new ArgumentException($"'{column}' is not a column of the customer list.", nameof(column));
        }

        var widths = new Dictionary<string, int>(await ColumnWidthsAsync(user, ct), StringComparer.Ordinal);
        if (width is { } w)
        {
            widths[column] = Math.Clamp(w, MinColumnWidth, MaxColumnWidth);
        }
        else
        {
            widths.Remove(column);
        }

        await SetPreferenceAsync(user, WidthsPreferenceKey, string.Join(';', widths.Select(p => p.Key + "=" + p.Value.ToString(CultureInfo.InvariantCulture))), ct);
        return widths;
    }

    public Task ResetColumnWidthsAsync(UserAccess user, CancellationToken ct = default) => SetPreferenceAsync(user, WidthsPreferenceKey, string.Empty, ct);

    private static bool IsColumnKey(string? key) =>
        key is { Length: > 0 and <= 32 } && (key.All(char.IsAsciiLetterLower) || Customer.CustomFieldId(key) is not null);

    private static Dictionary<string, int> ParseWidths(string? value)
    {
        var widths = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var pair in (value ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.LastIndexOf('=');
            if (eq > 0 && IsColumnKey(pair[..eq]) && int.TryParse(pair[(eq + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var w))
            {
                widths[pair[..eq]] = Math.Clamp(w, MinColumnWidth, MaxColumnWidth);
            }
        }

        return widths;
    }

    private async Task SetPreferenceAsync(UserAccess user, string key, string value, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var pref = await db.Set<UserPreference>().FindAsync([user.UserId, key], ct);
        if (pref is null)
        {
            db.Set<UserPreference>().Add(new UserPreference(user.UserId, key, value));
        }
        else
        {
            pref.Set(value);
        }

        await db.SaveChangesAsync(ct);
    }

    /// <summary>A department's name for the list's filter chip (null when it no longer exists).</summary>
    public async Task<string?> DepartmentNameAsync(int id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Departments.Where(d => d.Id == id).Select(d => d.Name).FirstOrDefaultAsync(ct);
    }

    /// <summary>The visible customers matching the query's search and filters (no paging).</summary>
    internal IQueryable<Customer> Filter(CrmDbContext db, UserAccess user, CustomerListQuery q) =>
        ApplyFilters(db, user, q, CustomerScope.Visible(db, user));

    /// <summary>The query's search and filters on <paramref name="baseQuery"/> (scoped or not: totals scope it themselves).</summary>
    private IQueryable<Customer> ApplyFilters(CrmDbContext db, UserAccess user, CustomerListQuery q, IQueryable<Customer> baseQuery)
    {
        var customers = CustomerSearch.Apply(baseQuery, q.Search, db);
        var uid = user.UserId;
        if (q.Mine)
        {
            customers = customers.Where(c => c.OwnerId == uid);
        }

        if (q.Unassigned)
        {
            customers = customers.Where(c => c.OwnerId == null);
        }

        if (q.RelationshipId is int relationship)
        {
            customers = customers.Where(c => c.RelationshipId == relationship);
        }

        if (q.SourceId is int source)
        {
            customers = customers.Where(c => c.SourceId == source);
        }

        if (q.GroupId is int group)
        {
            customers = customers.Where(c => db.CustomerGroupMembers.Any(m => m.CustomerId == c.Id && m.GroupId == group));
        }

        if (!string.IsNullOrEmpty(q.OwnerId))
        {
            var owner = q.OwnerId;
            customers = customers.Where(c => c.OwnerId == owner);
        }

        if (q.DepartmentId is int departmentId)
        {
            customers = CustomerScope.OwnedInDepartment(customers, db, departmentId);
        }

        var zone = UserTime.Zone(user.TimeZone);
        if (q.CreatedFrom is DateOnly from)
        {
            var start = TimeZoneInfo.ConvertTimeToUtc(from.ToDateTime(TimeOnly.MinValue), zone);
            customers = customers.Where(c => c.CreatedAt >= start);
        }

        if (q.CreatedTo is DateOnly to)
        {
            var end = TimeZoneInfo.ConvertTimeToUtc(to.AddDays(1).ToDateTime(TimeOnly.MinValue), zone);
            customers = customers.Where(c => c.CreatedAt < end);
        }

        if (q.DontForget)
        {
            customers = DontForget(customers);
        }

        if (q.NewUpdates)
        {
            customers = NewUpdates(db, customers, user);
        }

        return customers;
    }

    private IQueryable<Customer> DontForget(IQueryable<Customer> customers) => DontForgetBefore(customers, UtcNow.AddDays(-_options.DontForgetDays));

    /// <summary>R5.1 "don't forget": last contact before <paramref name="cutoff"/>; never contacted counts from the day the
    /// customer was created. The reports' backlog uses the same rule.</summary>
    public static IQueryable<Customer> DontForgetBefore(IQueryable<Customer> customers, DateTime cutoff) =>
        customers.Where(c => c.LastContactAt < cutoff || (c.LastContactAt == null && c.CreatedAt < cutoff));

    /// <summary>Customers with comments this user has not read (R5.1): the same rule as the navigation badge.</summary>
    private static IQueryable<Customer> NewUpdates(CrmDbContext db, IQueryable<Customer> customers, UserAccess user)
    {
        var unread = CrmBlazor.Features.Comments.CommentService.UnreadComments(db, user).Select(m => m.CustomerId);
        return customers.Where(c => unread.Contains(c.Id));
    }

    /// <summary>Customers as rows of the list: the names of their stage, source and owner joined to them (after any paging
    /// of <paramref name="customers"/>, so only the rows shown are looked up).</summary>
    private static IQueryable<CustomerRow> Project(CrmDbContext db, IQueryable<Customer> customers) =>
        from c in customers
        join r0 in db.Relationships on c.RelationshipId equals r0.Id into rs
        from r in rs.DefaultIfEmpty()
        join s0 in db.Sources on c.SourceId equals (int?)s0.Id into ss
        from s in ss.DefaultIfEmpty()
        join p0 in db.StaffProfiles on c.OwnerId equals p0.Id into ps
        from p in ps.DefaultIfEmpty()
        select new CustomerRow(c.Id, c.Code, c.Name, c.Phone, c.Email, c.Address, c.Birthday, c.Gender, c.RelationshipId,
            r.Name ?? string.Empty, r.Color ?? "#9E9E9E", c.SourceId, s.Name, c.OwnerId, p.FullName, c.CreatedAt, c.LastContactAt, c.Version)
        {
            Value = c.TotalPaid,
            HasCustomValues = db.CustomFieldValues.Any(v => v.CustomerId == c.Id),
        };

    /// <summary>
    /// The rows of the given customers (a quick search's page), as a compiled query of <see cref="Project"/>: EF Core
    /// builds, hashes and looks up a LINQ query's whole expression at every run, and the row's joins are most of it.
    /// </summary>
    private static IAsyncEnumerable<CustomerRow> RowsOf(CrmDbContext db, int[] ids) => CompiledRowsOf.GetValue(db.Model, _ => CompileRowsOf(db))(db, ids);

    /// <summary>One compiled query per model: a compiled query serves only the model it was compiled against, and
    /// each database provider has its own.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Microsoft.EntityFrameworkCore.Metadata.IModel,
        Func<CrmDbContext, int[], IAsyncEnumerable<CustomerRow>>> CompiledRowsOf = new();

    private static Func<CrmDbContext, int[], IAsyncEnumerable<CustomerRow>> CompileRowsOf(CrmDbContext db)
    {
        int[] standIn = [];
        var ids = Expression.Parameter(typeof(int[]), "ids");
        var body = new StandIns(new() { [standIn] = ids }).Parameterize(Project(db, db.Customers.Where(c => standIn.Contains(c.Id))).Expression)
            ?? throw new InvalidOperationException("The row query captures a value it cannot take as a parameter.");
        return EF.CompileAsyncQuery(Expression.Lambda<Func<CrmDbContext, int[], IQueryable<CustomerRow>>>(body, Expression.Parameter(typeof(CrmDbContext), "db"), ids));
    }

    private static async Task<List<CustomerRow>> WithCustomValuesAsync(CrmDbContext db, List<CustomerRow> rows, CancellationToken ct)
    {
        if (rows.Count == 0)
        {
            return rows;
        }

        var ids = rows.Where(r => r.HasCustomValues).Select(r => r.Id).ToList();
        if (ids.Count == 0)
        {
            return rows;
        }

        var values = await db.CustomFieldValues.AsNoTracking().Where(v => ids.Contains(v.CustomerId)).ToListAsync(ct);
        if (values.Count == 0)
        {
            return rows;
        }

        var byCustomer = values.GroupBy(v => v.CustomerId).ToDictionary(g => g.Key, g => (IReadOnlyDictionary<int, string>)g.ToDictionary(v => v.FieldId, v => v.Value));
        return rows.Select(r => byCustomer.TryGetValue(r.Id, out var custom) ? r with { Custom = custom } : r).ToList();
    }

    private static IQueryable<Customer> Sort(CrmDbContext db, IQueryable<Customer> q, CustomerSort sort, bool desc) => (sort, desc) switch
    {
        (CustomerSort.Code, false) => q.OrderBy(c => c.Code).ThenBy(c => c.Id),
        (CustomerSort.Code, true) => q.OrderByDescending(c => c.Code).ThenByDescending(c => c.Id),
        (CustomerSort.CreatedAt, false) => q.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id),
        (CustomerSort.CreatedAt, true) => q.OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id),
        (CustomerSort.LastContact, false) => q.OrderBy(c => c.LastContactAt).ThenBy(c => c.Id),
        (CustomerSort.LastContact, true) => q.OrderByDescending(c => c.LastContactAt).ThenByDescending(c => c.Id),
        (CustomerSort.Phone, false) => q.OrderBy(c => c.Phone).ThenBy(c => c.Id),
        (CustomerSort.Phone, true) => q.OrderByDescending(c => c.Phone).ThenByDescending(c => c.Id),
        (CustomerSort.Email, false) => q.OrderBy(c => c.Email).ThenBy(c => c.Id),
        (CustomerSort.Email, true) => q.OrderByDescending(c => c.Email).ThenByDescending(c => c.Id),
        (CustomerSort.Address, false) => q.OrderBy(c => c.Address).ThenBy(c => c.Id),
        (CustomerSort.Address, true) => q.OrderByDescending(c => c.Address).ThenByDescending(c => c.Id),
        (CustomerSort.Birthday, false) => q.OrderBy(c => c.Birthday).ThenBy(c => c.Id),
        (CustomerSort.Birthday, true) => q.OrderByDescending(c => c.Birthday).ThenByDescending(c => c.Id),
        (CustomerSort.Gender, false) => q.OrderBy(c => c.Gender).ThenBy(c => c.Id),
        (CustomerSort.Gender, true) => q.OrderByDescending(c => c.Gender).ThenByDescending(c => c.Id),
        (CustomerSort.Relationship, false) => q.OrderBy(c => db.Relationships.Where(r => r.Id == c.RelationshipId).Select(r => r.Position).FirstOrDefault()).ThenBy(c => c.Id),
        (CustomerSort.Relationship, true) => q.OrderByDescending(c => db.Relationships.Where(r => r.Id == c.RelationshipId).Select(r => r.Position).FirstOrDefault()).ThenByDescending(c => c.Id),
        (CustomerSort.Source, false) => q.OrderBy(c => db.Sources.Where(s => s.Id == c.SourceId).Select(s => s.Name).FirstOrDefault()).ThenBy(c => c.Id),
        (CustomerSort.Source, true) => q.OrderByDescending(c => db.Sources.Where(s => s.Id == c.SourceId).Select(s => s.Name).FirstOrDefault()).ThenByDescending(c => c.Id),
        (CustomerSort.Owner, false) => q.OrderBy(c => db.StaffProfiles.Where(p => p.Id == c.OwnerId).Select(p => p.FullName).FirstOrDefault()).ThenBy(c => c.Id),
        (CustomerSort.Owner, true) => q.OrderByDescending(c => db.StaffProfiles.Where(p => p.Id == c.OwnerId).Select(p => p.FullName).FirstOrDefault()).ThenByDescending(c => c.Id),
        // SQLite keeps decimals as text (which would sort "9" after "10"): sorted as numbers.
        (CustomerSort.Value, false) => q.OrderBy(c => (double)c.TotalPaid).ThenBy(c => c.Id),
        (CustomerSort.Value, true) => q.OrderByDescending(c => (double)c.TotalPaid).ThenByDescending(c => c.Id),
        (_, true) => q.OrderByDescending(c => c.NameKey).ThenByDescending(c => c.Id),
        _ => q.OrderBy(c => c.NameKey).ThenBy(c => c.Id),
    };

    private static void RequireAccess(UserAccess user)
    {
        if (!user.Has(Rights.CustomersAccess))
        {
            throw new AccessDeniedException("No access to customers.");
        }
    }

    private static void Require(UserAccess user, Rights right, string what)
    {
        if (!user.Has(Rights.CustomersAccess) || !user.Has(right))
        {
            throw new AccessDeniedException($"You may not {what}.");
        }
    }

    /// <summary>Hands the event to the live bus after the commit; never waits for the screens that receive it.</summary>
    private void Publish(LiveEvent e) => live?.Publish(e);

    private static void Log(CrmDbContext db, int customerId, string? userId, DateTime now, IEnumerable<FieldChange> changes, string origin)
    {
        foreach (var change in changes)
        {
            db.ChangeLog.Add(new Domain.Comments.ChangeLogEntry(customerId, userId, now, change, origin));
        }
    }
}

/// <summary>Quick search over name, code, phone (any written form) and email, without case or diacritics.</summary>
public static class CustomerSearch
{
    /// <summary>Without the context the match is a plain scan; pass it to use the provider's text index.</summary>
    public static IQueryable<Customer> Apply(IQueryable<Customer> customers, string? term) => Apply(customers, term, null);

    public static IQueryable<Customer> Apply(IQueryable<Customer> customers, string? term, CrmDbContext? db)
    {
        if (string.IsNullOrWhiteSpace(term))
        {
            return customers;
        }

        var phone = PhoneNormalizer.Normalize(term);
        if (phone is not null)
        {
            return customers.Where(c => c.Phone == phone);
        }

        return Containing(customers, Fragment(term), db);
    }

    /// <summary>Whether a search for <paramref name="term"/> is answered by the trigram text index (else by the phone
    /// index, or a scan for fewer than three characters).</summary>
    public static bool UsesTextIndex(string? term) =>
        !string.IsNullOrWhiteSpace(term) && PhoneNormalizer.Normalize(term) is null && Fragment(term).Length >= 3;

    /// <summary>Customers whose search text contains <paramref name="fragment"/> other than at its start: the tail index
    /// finds it anywhere after the first character (<see cref="CustomerSearchTables"/>), less the texts that also start
    /// with it (which the caller reads apart, from the name index).</summary>
    public static IQueryable<Customer> NotAtStart(IQueryable<Customer> customers, string fragment, CrmDbContext db) =>
        Matching(customers, db, Phrase(fragment), tail: true).Where(c => c.SearchText.Substring(0, fragment.Length) != fragment);

    /// <summary>Customers the trigram index (the whole text's, or the tail's) finds for an FTS5 <paramref name="match"/>
    /// expression. A join rather than "Id IN (…)": the index's matches drive the loop, so a capped count stops early
    /// instead of first collecting them all.</summary>
    private static IQueryable<Customer> Matching(IQueryable<Customer> customers, CrmDbContext db, string match, bool tail = false) =>
        // Two literal statements: the table's name cannot be a parameter, and FromSql keeps the match expression one.
        customers.Join(tail
                ? db.Set<CustomerSearchIndexRow>().FromSql($"SELECT rowid, '' AS \"SearchText\" FROM \"CustomerSearchTailFts\" WHERE \"CustomerSearchTailFts\" MATCH {match}")
                : db.Set<CustomerSearchIndexRow>().FromSql($"SELECT rowid, '' AS \"SearchText\" FROM \"CustomerSearchFts\" WHERE \"CustomerSearchFts\" MATCH {match}"),
            c => c.Id, m => m.RowId, (c, _) => c);

    private static string Phrase(string fragment) => "\"" + fragment.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>What the search text must contain: the folded term, or the digits of a phone number's fragment ("345 678"
    /// matches the national digits kept in the search text). '%' is never part of a folded key.</summary>
    public static string Fragment(string term)
    {
        var folded = SearchKey.Fold(term);
        var digits = PhoneNormalizer.Digits(term);
        var isPhoneFragment = digits.Length >= 3 && digits.Length >= folded.Replace(" ", string.Empty, StringComparison.Ordinal).Length - 3;
        return (isPhoneFragment ? digits : folded).Replace("%", string.Empty, StringComparison.Ordinal);
    }

    private static IQueryable<Customer> Containing(IQueryable<Customer> customers, string clean, CrmDbContext? db)
    {
        // Trigram indexes need three characters.
        if (db is not null && clean.Length >= 3)
        {
            if (db.Database.IsSqlite())
            {
                // FTS5 trigram index (migration SearchIndex), asked for the fragment as a phrase: consecutive trigrams are
                // exactly the substring, answered from the index's positions alone. LIKE would re-read every candidate
                // row from Customers (the index keeps no copy of the text): "nguyen", 50,000 matches, 120 ms → 15 ms.
                return Matching(customers, db, Phrase(clean));
            }

            if (db.Database.IsNpgsql())
            {
                // pg_trgm's GIN index serves LIKE on the column (migration SearchIndex); Contains() would not use it.
                var pattern = "%" + clean + "%";
                return customers.Where(c => EF.Functions.Like(c.SearchText, pattern));
            }
        }

        return customers.Where(c => c.SearchText.Contains(clean));
    }
}
