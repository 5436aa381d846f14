namespace CrmBlazor.Domain.Relationships;

/// <summary>A customer group (nhóm khách hàng, R1.1); a customer can be in many groups.</summary>
public sealed class CustomerGroup
{
    private CustomerGroup()
    {
        Name = string.Empty;
    }

    public CustomerGroup(string name)
    {
        Name = Require(name);
    }

    public int Id { get; private set; }
    public string Name { get; private set; }
    public bool IsDeleted { get; private set; }

    public void Rename(string name) => Name = Require(name);

    public void Delete() => IsDeleted = true;

    public void Restore() => IsDeleted = false;

    private static string Require(string name)
    {
        var t = name?.Trim() ?? string.Empty;
        return t.Length == 0 ? throw new ArgumentException("A group needs a name.", nameof(name)) : t;
    }
}
