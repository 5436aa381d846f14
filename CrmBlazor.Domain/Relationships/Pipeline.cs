using CrmBlazor.Domain.Common;

namespace CrmBlazor.Domain.Relationships;

/// <summary>
/// Rules over the set of relationships (the pipeline, R2): order by drag and drop (R2.2) and names unique among
/// the active stages, compared without case or diacritics ("Đã mua" = "da mua").
/// </summary>
public static class Pipeline
{
    public const string NameTaken = "relationship.name-taken";
    public const string NotFound = "relationship.not-found";

    /// <summary>
    /// Moves <paramref name="moving"/> to <paramref name="toIndex"/> (0-based, clamped) among the active relationships
    /// and renumbers every active one 0..n-1, so positions stay dense and the order reads top to bottom, left to right
    /// (R2.2). Returns the active relationships in their new order.
    /// </summary>
    public static IReadOnlyList<Relationship> Move(IEnumerable<Relationship> relationships, Relationship moving, int toIndex)
    {
        var ordered = InOrder(relationships).ToList();
        if (!ordered.Remove(moving))
        {
            throw new DomainException(NotFound, $"'{moving.Name}' is not an active relationship.");
        }

        ordered.Insert(Math.Clamp(toIndex, 0, ordered.Count), moving);
        Renumber(ordered);
        return ordered;
    }

    /// <summary>Active relationships by position (then id, for stable ties).</summary>
    public static IEnumerable<Relationship> InOrder(IEnumerable<Relationship> relationships) =>
        relationships.Where(r => !r.IsDeleted).OrderBy(r => r.Position).ThenBy(r => r.Id);

    /// <summary>Throws when another active relationship already has this name (no case, no diacritics).</summary>
    public static void EnsureUniqueName(IEnumerable<Relationship> relationships, string name, Relationship? self = null)
    {
        var key = SearchKey.Fold(name);
        var clash = relationships.FirstOrDefault(r => !r.IsDeleted && !ReferenceEquals(r, self) && SearchKey.Fold(r.Name) == key);
        if (clash is not null)
        {
            throw new DomainException(NameTaken, $"A relationship named '{clash.Name}' already exists.");
        }
    }

    /// <summary>The position a new or restored relationship gets: after the last active one.</summary>
    public static int NextPosition(IEnumerable<Relationship> relationships) =>
        relationships.Where(r => !r.IsDeleted).Select(r => r.Position + 1).DefaultIfEmpty(0).Max();

    private static void Renumber(List<Relationship> ordered)
    {
        for (var i = 0; i < ordered.Count; i++)
        {
            if (ordered[i].Position != i)
            {
                ordered[i].MoveTo(i);
            }
        }
    }
}
