using CrmBlazor.Domain.Common;

namespace CrmBlazor.Domain.Relationships;

/// <summary>The two lists of names a customer is sorted by besides its relationship (R1.1): sources and groups.</summary>
public enum CatalogKind
{
    /// <summary>Nguồn khách hàng: one per customer.</summary>
    Sources,

    /// <summary>Nhóm khách hàng: many per customer.</summary>
    Groups,
}

/// <summary>An entry of a customer catalogue (<see cref="Source"/>, <see cref="CustomerGroup"/>).</summary>
public interface ICatalogEntry
{
    int Id { get; }
    string Name { get; }
    int Position { get; }
    bool IsDeleted { get; }

    void Rename(string name);

    void MoveTo(int position);

    /// <summary>Deletes the entry; <paramref name="customersUsingIt"/> counts every customer that uses it, the trash included.</summary>
    void Delete(int customersUsingIt);
}

/// <summary>
/// Rules over a catalogue of sources or groups (R1.1, managed like the pipeline's stages, R2.1/R2.2/R2.4): names are
/// required and unique among the active entries, compared without case or diacritics ("Khách VIP" = "khach vip"); the
/// order is set by drag and drop and kept dense (0..n-1); an entry is deleted only when no customer uses it, the trash
/// included, and a merge empties one entry into another first.
/// </summary>
public static class CatalogRules
{
    public const int MaxNameLength = 100;

    public const string NameRequired = "catalog.name-required";
    public const string NameTooLong = "catalog.name-too-long";
    public const string NameTaken = "catalog.name-taken";
    public const string NotFound = "catalog.not-found";
    public const string InUse = "catalog.in-use";
    public const string MergeIntoItself = "catalog.merge-into-itself";

    /// <summary>The trimmed name; throws when it is empty or longer than <see cref="MaxNameLength"/>.</summary>
    public static string RequireName(string? name)
    {
        var trimmed = name?.Trim() ?? string.Empty;
        if (trimmed.Length == 0)
        {
            throw new DomainException(NameRequired, "A name is required.");
        }

        return trimmed.Length > MaxNameLength
            ? throw new DomainException(NameTooLong, $"A name has at most {MaxNameLength} characters.")
            : trimmed;
    }

    /// <summary>Throws when another active entry already has this name (no case, no diacritics, spaces collapsed).</summary>
    public static void EnsureUniqueName<T>(IEnumerable<T> entries, string name, T? self = null) where T : class, ICatalogEntry
    {
        var key = SearchKey.Fold(name);
        var clash = entries.FirstOrDefault(e => !e.IsDeleted && !ReferenceEquals(e, self) && SearchKey.Fold(e.Name) == key);
        if (clash is not null)
        {
            throw new DomainException(NameTaken, $"'{clash.Name}' already exists.");
        }
    }

    /// <summary>Active entries by position (then id, for stable ties).</summary>
    public static IEnumerable<T> InOrder<T>(IEnumerable<T> entries) where T : ICatalogEntry =>
        entries.Where(e => !e.IsDeleted).OrderBy(e => e.Position).ThenBy(e => e.Id);

    /// <summary>The position a new entry gets: after the last active one.</summary>
    public static int NextPosition<T>(IEnumerable<T> entries) where T : ICatalogEntry =>
        entries.Where(e => !e.IsDeleted).Select(e => e.Position + 1).DefaultIfEmpty(0).Max();

    /// <summary>
    /// Moves <paramref name="moving"/> to <paramref name="toIndex"/> (0-based, clamped) among the active entries and
    /// renumbers them 0..n-1. Returns the active entries in their new order.
    /// </summary>
    public static IReadOnlyList<T> Move<T>(IEnumerable<T> entries, T moving, int toIndex) where T : class, ICatalogEntry
    {
        var ordered = InOrder(entries).ToList();
        if (!ordered.Remove(moving))
        {
            throw new DomainException(NotFound, $"'{moving.Name}' is not an active entry.");
        }

        ordered.Insert(Math.Clamp(toIndex, 0, ordered.Count), moving);
        NumberAsListed(ordered);
        return ordered;
    }

    /// <summary>Closes the gaps (after a delete or a merge): the active entries keep their order, numbered 0..n-1.</summary>
    public static void Renumber<T>(IEnumerable<T> entries) where T : ICatalogEntry => NumberAsListed(InOrder(entries).ToList());

    private static void NumberAsListed<T>(List<T> ordered) where T : ICatalogEntry
    {
        for (var i = 0; i < ordered.Count; i++)
        {
            if (ordered[i].Position != i)
            {
                ordered[i].MoveTo(i);
            }
        }
    }

    /// <summary>Checks a merge of <paramref name="from"/> into <paramref name="into"/>: two different active entries.</summary>
    public static void EnsureCanMerge(ICatalogEntry from, ICatalogEntry into)
    {
        if (from.IsDeleted || into.IsDeleted)
        {
            throw new DomainException(NotFound, "Only active entries can be merged.");
        }

        if (ReferenceEquals(from, into) || from.Id == into.Id)
        {
            throw new DomainException(MergeIntoItself, $"'{from.Name}' cannot be merged into itself.");
        }
    }

    /// <summary>The delete rule shared by sources and groups (like R2.4 for relationships).</summary>
    internal static void EnsureUnused(string name, int customersUsingIt)
    {
        if (customersUsingIt > 0)
        {
            throw new DomainException(InUse, $"{customersUsingIt} customers still use '{name}' (customers in the trash included).");
        }
    }
}
