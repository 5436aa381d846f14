using CrmBlazor.Domain.Common;

namespace CrmBlazor.Domain.Relationships;

/// <summary>
/// A pipeline stage (mối quan hệ, R2). The first relationship of the system (<see cref="IsDefault"/>) can be
/// renamed and moved but never deleted, and is what a new or imported customer gets when none is given (R2.3).
/// </summary>
public sealed class Relationship
{
    private Relationship()
    {
        Name = string.Empty;
        Color = DefaultColor;
    }

    public Relationship(string name, string? color, string? description, int position, bool isDefault = false)
    {
        Name = RequireName(name);
        Color = NormalizeColor(color);
        Description = Clean(description);
        Position = position;
        IsDefault = isDefault;
    }

    public const string DefaultColor = "#1E88E5";

    public int Id { get; private set; }
    public string Name { get; private set; }
    public string Color { get; private set; }
    public string? Description { get; private set; }
    public int Position { get; private set; }
    public bool IsDefault { get; private set; }
    public bool IsDeleted { get; private set; }
    public DateTime? DeletedAt { get; private set; }

    public void Edit(string name, string? color, string? description)
    {
        Name = RequireName(name);
        Color = NormalizeColor(color);
        Description = Clean(description);
    }

    public void MoveTo(int position) => Position = position;

    /// <summary>
    /// Deletes (moves to "Deleted", R2.5). <paramref name="customersUsingIt"/> counts every customer with this
    /// relationship, customers in the trash included (R2.4).
    /// </summary>
    public void Delete(int customersUsingIt, DateTime utcNow)
    {
        if (IsDefault)
        {
            throw new DomainException(RuleCodes.FirstRelationshipUndeletable, "The first relationship can never be deleted.");
        }

        if (customersUsingIt > 0)
        {
            throw new DomainException(RuleCodes.RelationshipInUse, $"{customersUsingIt} customers still use this relationship.");
        }

        IsDeleted = true;
        DeletedAt = utcNow;
    }

    public void Restore()
    {
        IsDeleted = false;
        DeletedAt = null;
    }

    private static string RequireName(string name)
    {
        var trimmed = name?.Trim() ?? string.Empty;
        return trimmed.Length == 0
            ? throw new DomainException(RuleCodes.RelationshipNameRequired, "A relationship needs a name.")
            : trimmed;
    }

    private static string NormalizeColor(string? color)
    {
        var c = color?.Trim() ?? string.Empty;
        if (c.Length == 7 && c[0] == '#' && c.Skip(1).All(Uri.IsHexDigit))
        {
            return c.ToUpperInvariant();
        }

        return DefaultColor;
    }

    private static string? Clean(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
