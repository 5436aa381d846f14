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

    /// <summary>
    /// The service's query, read from the request's query string by the list's one codec (<see cref="CustomerListUrl"/>,
    /// which knows these names); an unreadable value throws <see cref="ArgumentException"/> (422 for that parameter).
    /// This record documents the parameters (OpenAPI).
    /// </summary>
    public static CustomerListQuery ToQuery(IQueryCollection query)
    {
        var result = CustomerListUrl.Parse(query, out var errors);
        return errors.Count == 0 ? result : throw new ArgumentException($"'{query[errors[0]]}' cannot be read as {errors[0]}.", errors[0]);
    }
}
