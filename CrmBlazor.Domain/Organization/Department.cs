using CrmBlazor.Domain.Common;

namespace CrmBlazor.Domain.Organization;

/// <summary>
/// A department (phòng ban) in the company tree (R7.1). <see cref="Path"/> is the materialised path of ids,
/// "/1/4/9/", so "this department and every department below it" is one prefix comparison (R7.3).
/// </summary>
public sealed class Department
{
    private Department()
    {
        Name = string.Empty;
        Path = "/";
    }

    public Department(string name, Department? parent = null)
    {
        Name = RequireName(name);
        ParentId = parent?.Id;
        Parent = parent;
        Path = "/";
    }

    public int Id { get; private set; }
    public string Name { get; private set; }
    public int? ParentId { get; private set; }
    public Department? Parent { get; private set; }

    /// <summary>"/rootId/.../thisId/"; set by <see cref="RefreshPath"/> once the id is known.</summary>
    public string Path { get; private set; }

    public int Depth => Path.Count(c => c == '/') - 2;

    public void Rename(string name) => Name = RequireName(name);

    /// <summary>Recomputes the path from the parent's path. Call after the id is assigned or the parent moved.</summary>
    public void RefreshPath(string? parentPath)
    {
        Path = (parentPath ?? "/") + Id.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/";
    }

    /// <summary>Moves the department under <paramref name="newParent"/>; refuses to move it below itself.</summary>
    public void MoveUnder(Department? newParent)
    {
        if (newParent is not null && (newParent.Id == Id || newParent.Path.StartsWith(Path, StringComparison.Ordinal)))
        {
            throw new DomainException(RuleCodes.DepartmentCycle, "A department cannot be moved below itself.");
        }

        ParentId = newParent?.Id;
        Parent = newParent;
        RefreshPath(newParent?.Path);
    }

    public bool IsSameOrBelow(string ancestorPath) => Path.StartsWith(ancestorPath, StringComparison.Ordinal);

    private static string RequireName(string name)
    {
        var trimmed = name?.Trim() ?? string.Empty;
        return trimmed.Length == 0 ? throw new ArgumentException("A department needs a name.", nameof(name)) : trimmed;
    }
}
