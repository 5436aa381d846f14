namespace CrmBlazor.Domain.Customers;

/// <summary>The editable fields of a customer (R1.1) as a form, the grid or an import gives them.</summary>
public sealed record CustomerDetails
{
    public required string Name { get; init; }
    public string? Phone { get; init; }
    public string? Email { get; init; }
    public string? Address { get; init; }
    public DateOnly? Birthday { get; init; }
    public Gender Gender { get; init; }
    public string? TaxCode { get; init; }
    public string? Country { get; init; }
    public string? Province { get; init; }
    public string? District { get; init; }
    public string? Website { get; init; }
    public string? Industry { get; init; }
    public int? SourceId { get; init; }
    public string? AvatarUrl { get; init; }
}
