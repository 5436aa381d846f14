namespace CrmBlazor.Domain.Organization;

/// <summary>A permission group (nhóm quyền, R7.1/R7.2). The built-in administrators group keeps every right.</summary>
public sealed class PermissionGroup
{
    private PermissionGroup()
    {
        Name = string.Empty;
    }

    public PermissionGroup(string name, Rights rights, bool isBuiltInAdministrators = false)
    {
        Name = RequireName(name);
        IsBuiltInAdministrators = isBuiltInAdministrators;
        Rights = isBuiltInAdministrators ? Rights.All : rights;
    }

    public int Id { get; private set; }
    public string Name { get; private set; }
    public Rights Rights { get; private set; }
    public bool IsBuiltInAdministrators { get; private set; }

    public bool Has(Rights right) => (Rights & right) == right;

    public void Rename(string name) => Name = RequireName(name);

    public void SetRights(Rights rights)
    {
        // The built-in administrators group keeps every right (R7.2, issue "permissions").
        Rights = IsBuiltInAdministrators ? Rights.All : rights;
    }

    private static string RequireName(string name)
    {
        var trimmed = name?.Trim() ?? string.Empty;
        return trimmed.Length == 0 ? throw new ArgumentException("A permission group needs a name.", nameof(name)) : trimmed;
    }
}
