using System.Globalization;
using CrmBlazor.Features.Customers;

namespace CrmBlazor.Features.Api;

/// <summary>
/// The query string of GET /api/v1/customers: the grid's quick search, filters (R5.2), page and sort. Pages are
/// one-based; dates are yyyy-MM-dd in the user's time zone, like the grid's "created" filter.
/// </summary>
public sealed record CustomerListParameters
{
    public string? Search { get; init; }
    public int? Page { get; init; }
    public int? PageSize { get; init; }
    public CustomerSort? Sort { get; init; }
    public bool? Desc { get; init; }
    /// <summary>Only the token user's own customers.</summary>
    public bool? Mine { get; init; }
    /// <summary>Only customers without an owner.</summary>
    public bool? Unassigned { get; init; }
    public int? RelationshipId { get; init; }
    public int? SourceId { get; init; }
    public int? GroupId { get; init; }
    public string? OwnerId { get; init; }
    /// <summary>Created on or after this day, yyyy-MM-dd.</summary>
    public string? CreatedFrom { get; init; }
    /// <summary>Created on or before this day, yyyy-MM-dd.</summary>
    public string? CreatedTo { get; init; }
    /// <summary>Last contact older than the "don't forget" days (R5.1).</summary>
    public bool? DontForget { get; init; }
    /// <summary>Customers with comments the token's user has not read yet (R5.1).</summary>
    public bool? NewUpdates { get; init; }

    /// <summary>The service's query; an unreadable date throws <see cref="ArgumentException"/> (422 for that parameter).</summary>
    public CustomerListQuery ToQuery() => new()
    {
        Search = Search,
        Page = Math.Max(0, (Page ?? 1) - 1),
        PageSize = PageSize ?? 25,
        Sort = Sort ?? CustomerSort.Name,
        Descending = Desc ?? false,
        Mine = Mine ?? false,
        Unassigned = Unassigned ?? false,
        RelationshipId = RelationshipId,
        SourceId = SourceId,
        GroupId = GroupId,
        OwnerId = string.IsNullOrWhiteSpace(OwnerId) ? null : OwnerId,
        CreatedFrom = Day(CreatedFrom, "createdFrom"),
        CreatedTo = Day(CreatedTo, "createdTo"),
        DontForget = DontForget ?? false,
        NewUpdates = NewUpdates ?? false,
    };

    private static DateOnly? Day(string? text, string name) =>
        string.IsNullOrWhiteSpace(text) ? null
        : DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day
        : throw new ArgumentException($"'{text}' is not a date (yyyy-MM-dd).", name);
}
