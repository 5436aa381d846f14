namespace CrmBlazor.Domain.Relationships;

/// <summary>
/// A customer group (nhóm khách hàng, R1.1); a customer can be in many groups. Names and order follow
/// <see cref="CatalogRules"/>.
/// </summary>
public sealed class CustomerGroup : ICatalogEntry
{
    private CustomerGroup()
    {
        Name = string.Empty;
    }

    public CustomerGroup(string name, int position = 0)
    {
        Name = CatalogRules.RequireName(name);
        Position = position;
    }

    public int Id { get; private set; }
    public string Name { get; private set; }
    /// <summary>Where the group is listed (filters, forms, settings): set by drag and drop.</summary>
    public int Position { get; private set; }
    public bool IsDeleted { get; private set; }

    public void Rename(string name) => Name = CatalogRules.RequireName(name);

    public void MoveTo(int position) => Position = position;

    /// <summary>Deletes the group; refused while a customer (trash included) is still in it. The row stays, so that
    /// change logs naming it keep its name.</summary>
    public void Delete(int customersUsingIt)
    {
        CatalogRules.EnsureUnused(Name, customersUsingIt);
        IsDeleted = true;
    }

    public void Restore() => IsDeleted = false;
}
