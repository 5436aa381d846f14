namespace CrmBlazor.Domain.Relationships;

/// <summary>Where a customer came from (nguồn khách hàng, R1.1). Names and order follow <see cref="CatalogRules"/>.</summary>
public sealed class Source : ICatalogEntry
{
    private Source()
    {
        Name = string.Empty;
    }

    public Source(string name, int position)
    {
        Name = CatalogRules.RequireName(name);
        Position = position;
    }

    public int Id { get; private set; }
    public string Name { get; private set; }
    public int Position { get; private set; }
    public bool IsDeleted { get; private set; }

    public void Rename(string name) => Name = CatalogRules.RequireName(name);

    public void MoveTo(int position) => Position = position;

    /// <summary>Deletes the source; refused while a customer (trash included) still comes from it. The row stays, so
    /// that change logs naming it keep its name.</summary>
    public void Delete(int customersUsingIt)
    {
        CatalogRules.EnsureUnused(Name, customersUsingIt);
        IsDeleted = true;
    }

    public void Restore() => IsDeleted = false;
}
