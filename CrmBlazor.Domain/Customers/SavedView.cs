using CrmBlazor.Domain.Common;

namespace CrmBlazor.Domain.Customers;

/// <summary>
/// A named view of the customer list: the list's state as its URL's query (search, filters, sort), kept by its owner and,
/// optionally, shared with a department (its members and those of the departments below it see it too).
/// </summary>
public sealed class SavedView
{
    public const int MaxNameLength = 100;
    public const int MaxQueryLength = 2_000;

    private SavedView()
    {
        OwnerId = string.Empty;
        Name = string.Empty;
        Query = string.Empty;
    }

    public SavedView(string ownerId, string name, string query, int? sharedWithDepartmentId, DateTime utcNow)
    {
        OwnerId = ownerId;
        Name = string.Empty;
        Query = string.Empty;
        CreatedAt = utcNow;
        Change(name, query, sharedWithDepartmentId, utcNow);
    }

    public int Id { get; private set; }
    public string OwnerId { get; private set; }
    public string Name { get; private set; }
    /// <summary>The list's query string ("?relationship=3&amp;sort=CreatedAt"; empty for the whole list).</summary>
    public string Query { get; private set; }
    public int? SharedWithDepartmentId { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime UpdatedAt { get; private set; }

    public void Change(string name, string query, int? sharedWithDepartmentId, DateTime utcNow)
    {
        var clean = name?.Trim() ?? string.Empty;
        if (clean.Length == 0)
        {
            throw new DomainException(RuleCodes.ViewNameRequired, "A view needs a name.");
        }

        if (clean.Length > MaxNameLength)
        {
            throw new DomainException(RuleCodes.ViewNameTooLong, $"A view's name has at most {MaxNameLength} characters.");
        }

        var q = query?.Trim() ?? string.Empty;
        if (q.Length > MaxQueryLength || (q.Length > 0 && q[0] != '?'))
        {
            throw new DomainException(RuleCodes.ViewQueryInvalid, "A view is a query of the customer list.");
        }

        Name = clean;
        Query = q;
        SharedWithDepartmentId = sharedWithDepartmentId;
        UpdatedAt = utcNow;
    }
}
