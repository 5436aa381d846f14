namespace CrmBlazor.Domain.Relationships;

/// <summary>Where a customer came from (nguồn khách hàng, R1.1).</summary>
public sealed class Source
{
    private Source()
    {
        Name = string.Empty;
    }

    public Source(string name, int position)
    {
        Name = Require(name);
        Position = position;
    }

    public int Id { get; private set; }
    public string Name { get; private set; }
    public int Position { get; private set; }
    public bool IsDeleted { get; private set; }

    public void Rename(string name) => Name = Require(name);

    public void MoveTo(int position) => Position = position;

    public void Delete() => IsDeleted = true;

    public void Restore() => IsDeleted = false;

    private static string Require(string name)
    {
        var t = name?.Trim() ?? string.Empty;
        return t.Length == 0 ? throw new ArgumentException("A source needs a name.", nameof(name)) : t;
    }
}
