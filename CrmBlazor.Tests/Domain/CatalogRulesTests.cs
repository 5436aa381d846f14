using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Relationships;

namespace CrmBlazor.Tests.Domain;

/// <summary>The rules of the sources and groups catalogues (R1.1), without a database.</summary>
public class CatalogRulesTests
{
    private static readonly DateTime Now = new(2026, 12, 2, 8, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData("khach vip")]
    [InlineData("  KHÁCH   VIP ")]
    [InlineData("Khách VIP")]
    public void Names_are_unique_without_case_diacritics_or_extra_spaces(string name)
    {
        List<CustomerGroup> groups = [new("Khách VIP", 0), new("Đại lý", 1)];
        var ex = Assert.Throws<DomainException>(() => CatalogRules.EnsureUniqueName(groups, name));
        Assert.Equal(CatalogRules.NameTaken, ex.Code);
        // Renaming an entry to its own name (another case) is not a clash.
        CatalogRules.EnsureUniqueName(groups, name, groups[0]);
    }

    [Fact]
    public void A_deleted_entry_frees_its_name()
    {
        List<Source> sources = [new("Zalo", 0), new("Facebook", 1)];
        sources[0].Delete(0);
        CatalogRules.EnsureUniqueName(sources, "zalo");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public void A_name_is_required(string? name)
    {
        Assert.Equal(CatalogRules.NameRequired, Assert.Throws<DomainException>(() => new Source(name!, 0)).Code);
        Assert.Equal(CatalogRules.NameRequired, Assert.Throws<DomainException>(() => new CustomerGroup("VIP").Rename(name!)).Code);
    }

    [Fact]
    public void A_name_has_at_most_100_characters_and_is_trimmed()
    {
        Assert.Equal(CatalogRules.NameTooLong, Assert.Throws<DomainException>(() => new CustomerGroup(new string('a', 101))).Code);
        Assert.Equal("Hội thảo", new Source("  Hội thảo ", 0).Name);
    }

    [Fact]
    public void An_entry_used_by_customers_cannot_be_deleted_and_says_how_many()
    {
        var source = new Source("Hội thảo", 0);
        var ex = Assert.Throws<DomainException>(() => source.Delete(12));
        Assert.Equal(CatalogRules.InUse, ex.Code);
        Assert.Contains("12", ex.Message, StringComparison.Ordinal);
        Assert.False(source.IsDeleted);
        source.Delete(0);
        Assert.True(source.IsDeleted);
    }

    [Fact]
    public void Moving_renumbers_the_active_entries_densely_and_skips_deleted_ones()
    {
        var a = new CustomerGroup("A", 0);
        var b = new CustomerGroup("B", 1);
        var gone = new CustomerGroup("Gone", 2);
        var c = new CustomerGroup("C", 5);
        gone.Delete(0);
        List<CustomerGroup> all = [a, b, gone, c];

        var order = CatalogRules.Move(all, c, 0);
        Assert.Equal([c, a, b], order);
        Assert.Equal([0, 1, 2], new[] { c.Position, a.Position, b.Position });
        // Past the end is the end.
        CatalogRules.Move(all, c, 99);
        Assert.Equal([a, b, c], CatalogRules.InOrder(all));
        Assert.Equal(3, CatalogRules.NextPosition(all));
        Assert.Equal(CatalogRules.NotFound, Assert.Throws<DomainException>(() => CatalogRules.Move(all, gone, 0)).Code);
    }

    [Fact]
    public void Renumber_closes_the_gap_a_deleted_entry_leaves()
    {
        List<Source> all = [new("Website", 0), new("Facebook", 1), new("Zalo", 2)];
        all[1].Delete(0);
        CatalogRules.Renumber(all);
        Assert.Equal([0, 1], CatalogRules.InOrder(all).Select(s => s.Position));
        Assert.Equal(["Website", "Zalo"], CatalogRules.InOrder(all).Select(s => s.Name));
    }

    [Fact]
    public void An_entry_cannot_be_merged_into_itself_or_a_deleted_one()
    {
        var a = new Source("Website", 0);
        var b = new Source("Zalo", 1);
        Assert.Equal(CatalogRules.MergeIntoItself, Assert.Throws<DomainException>(() => CatalogRules.EnsureCanMerge(a, a)).Code);
        b.Delete(0);
        Assert.Equal(CatalogRules.NotFound, Assert.Throws<DomainException>(() => CatalogRules.EnsureCanMerge(a, b)).Code);
    }

    [Fact]
    public void Changing_the_source_logs_it_and_bumps_the_version()
    {
        var customer = Customer.Create(new CustomerDetails { Name = "Nguyễn Văn An", Phone = "0912345678", SourceId = 3 }, 1, null, null, Now);
        var version = customer.Version;
        var changes = customer.ChangeSource(7, "u1", Now);
        Assert.Equal([new FieldChange("SourceId", "3", "7")], changes);
        Assert.Equal(7, customer.SourceId);
        Assert.Equal(version + 1, customer.Version);
        Assert.Empty(customer.ChangeSource(7, "u1", Now));
        Assert.Equal(version + 1, customer.Version);
    }

    [Fact]
    public void Replacing_a_group_keeps_one_membership_when_the_customer_is_in_both()
    {
        var both = Customer.Create(new CustomerDetails { Name = "Trần Thị Bình", Phone = "0912345679" }, 1, null, null, Now);
        both.SetGroups([4, 2, 9]);
        var changes = both.ReplaceGroup(2, 9, "u1", Now);
        Assert.Equal([4, 9], both.Groups.Select(g => g.GroupId).Order());
        Assert.Equal([new FieldChange("Groups", "4,2,9", "4,9")], changes);

        var one = Customer.Create(new CustomerDetails { Name = "Lê Văn Cường", Email = "cuong@example.vn" }, 1, null, null, Now);
        one.SetGroups([2]);
        var version = one.Version;
        Assert.Equal([new FieldChange("Groups", "2", "9")], one.ReplaceGroup(2, 9, "u1", Now));
        Assert.Equal([9], one.Groups.Select(g => g.GroupId));
        Assert.Equal(version + 1, one.Version);
        // Not in the merged group: nothing to do.
        Assert.Empty(one.ReplaceGroup(2, 9, "u1", Now));
    }
}
