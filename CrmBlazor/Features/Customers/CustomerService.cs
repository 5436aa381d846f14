using CrmBlazor.Data;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Customers;

public enum CustomerSort
{
    Name,
    Code,
    CreatedAt,
    LastContact,
}

public sealed record CustomerListQuery
{
    public string? Search { get; init; }
    /// <summary>Zero-based.</summary>
    public int Page { get; init; }
    public int PageSize { get; init; } = 25;
    public CustomerSort Sort { get; init; } = CustomerSort.Name;
    public bool Descending { get; init; }
}

public sealed record CustomerRow(int Id, string? Code, string Name, string? Phone, string? Email, int RelationshipId, string RelationshipName,
    string RelationshipColor, string? OwnerName, DateTime CreatedAt, DateTime? LastContactAt, int Version);

public sealed record PagedResult<T>(IReadOnlyList<T> Items, int Total);

/// <summary>Reads customers for lists, always through the caller's visibility scope (R7.3, R7.4).</summary>
public sealed class CustomerService(IDbContextFactory<CrmDbContext> dbFactory, TimeProvider clock)
{
    public const int MaxPageSize = 200;

    public async Task<PagedResult<CustomerRow>> ListAsync(UserAccess user, CustomerListQuery query, CancellationToken ct = default)
    {
        if (!user.Has(Rights.CustomersAccess))
        {
            throw new AccessDeniedException("No access to customers.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var customers = CustomerSearch.Apply(CustomerScope.Visible(db, user), query.Search, db);
        // The total as OR-free index-only counts (same result as customers.CountAsync(), see ScopeOracleTests).
        var total = await CustomerScope.CountVisibleAsync(db, user, q => CustomerSearch.Apply(q, query.Search, db), ct);
        var size = Math.Clamp(query.PageSize, 1, MaxPageSize);
        var page = Math.Max(0, query.Page);

        var rows = await Sort(customers, query.Sort, query.Descending)
            .Skip(page * size)
            .Take(size)
            .Select(c => new CustomerRow(
                c.Id, c.Code, c.Name, c.Phone, c.Email, c.RelationshipId,
                db.Relationships.Where(r => r.Id == c.RelationshipId).Select(r => r.Name).FirstOrDefault() ?? string.Empty,
                db.Relationships.Where(r => r.Id == c.RelationshipId).Select(r => r.Color).FirstOrDefault() ?? "#9E9E9E",
                db.StaffProfiles.Where(p => p.Id == c.OwnerId).Select(p => p.FullName).FirstOrDefault(),
                c.CreatedAt, c.LastContactAt, c.Version))
            .ToListAsync(ct);
        return new PagedResult<CustomerRow>(rows, total);
    }

    public DateTime UtcNow => clock.GetUtcNow().UtcDateTime;

    private static IQueryable<Customer> Sort(IQueryable<Customer> q, CustomerSort sort, bool desc) => (sort, desc) switch
    {
        (CustomerSort.Code, false) => q.OrderBy(c => c.Code).ThenBy(c => c.Id),
        (CustomerSort.Code, true) => q.OrderByDescending(c => c.Code).ThenByDescending(c => c.Id),
        (CustomerSort.CreatedAt, false) => q.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id),
        (CustomerSort.CreatedAt, true) => q.OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id),
        (CustomerSort.LastContact, false) => q.OrderBy(c => c.LastContactAt).ThenBy(c => c.Id),
        (CustomerSort.LastContact, true) => q.OrderByDescending(c => c.LastContactAt).ThenByDescending(c => c.Id),
        (_, true) => q.OrderByDescending(c => c.NameKey).ThenByDescending(c => c.Id),
        _ => q.OrderBy(c => c.NameKey).ThenBy(c => c.Id),
    };
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

        var folded = SearchKey.Fold(term);
        var digits = PhoneNormalizer.Digits(term);
        var isPhoneFragment = digits.Length >= 3 && digits.Length >= folded.Replace(" ", string.Empty, StringComparison.Ordinal).Length - 3;
        // A fragment of a phone number ("345 678") matches the national digits kept in the search text.
        return Containing(customers, isPhoneFragment ? digits : folded, db);
    }

    private static IQueryable<Customer> Containing(IQueryable<Customer> customers, string fragment, CrmDbContext? db)
    {
        // Trigram indexes need three characters; '%' is never part of a folded key, '_' only widens the match.
        var clean = fragment.Replace("%", string.Empty, StringComparison.Ordinal);
        if (db is not null && clean.Length >= 3)
        {
            var pattern = "%" + clean + "%";
            if (db.Database.IsSqlite())
            {
                // FTS5 answers LIKE from its trigram index (migration SearchIndex).
                var ids = db.Set<CustomerSearchIndexRow>().Where(r => EF.Functions.Like(r.SearchText, pattern)).Select(r => r.RowId);
                return customers.Where(c => ids.Contains(c.Id));
            }

            if (db.Database.IsNpgsql())
            {
                // pg_trgm's GIN index serves LIKE on the column (migration SearchIndex); Contains() would not use it.
                return customers.Where(c => EF.Functions.Like(c.SearchText, pattern));
            }
        }

        return customers.Where(c => c.SearchText.Contains(fragment));
    }
}
