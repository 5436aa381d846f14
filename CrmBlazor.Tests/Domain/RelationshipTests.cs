using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Relationships;

namespace CrmBlazor.Tests.Domain;

public class RelationshipTests
{
    private static readonly DateTime Now = new(2026, 11, 23, 8, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void R2_3_the_first_relationship_can_never_be_deleted()
    {
        var first = new Relationship("Khách hàng tiềm năng", "#1E88E5", null, 0, isDefault: true);
        var ex = Assert.Throws<DomainException>(() => first.Delete(0, Now));
        Assert.Equal(RuleCodes.FirstRelationshipUndeletable, ex.Code);
        Assert.False(first.IsDeleted);
    }

    [Fact]
    public void R2_3_the_first_relationship_can_be_renamed_and_moved()
    {
        var first = new Relationship("Tiềm năng", "#1E88E5", null, 0, isDefault: true);
        first.Edit("Khách mới", "#43a047", "Vừa vào hệ thống");
        first.MoveTo(4);
        Assert.Equal("Khách mới", first.Name);
        Assert.Equal("#43A047", first.Color);
        Assert.Equal(4, first.Position);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(250)]
    public void R2_4_a_relationship_in_use_cannot_be_deleted(int customers)
    {
        var r = new Relationship("Đã báo giá", null, null, 3);
        var ex = Assert.Throws<DomainException>(() => r.Delete(customers, Now));
        Assert.Equal(RuleCodes.RelationshipInUse, ex.Code);
        Assert.Contains(customers.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void R2_5_a_deleted_relationship_can_be_restored()
    {
        var r = new Relationship("Đàm phán", "#FB8C00", null, 4);
        r.Delete(0, Now);
        Assert.True(r.IsDeleted);
        Assert.Equal(Now, r.DeletedAt);
        r.Restore();
        Assert.False(r.IsDeleted);
        Assert.Null(r.DeletedAt);
    }

    [Theory]
    [InlineData("red")]
    [InlineData("#12345")]
    [InlineData(null)]
    public void Invalid_colours_fall_back_to_the_default(string? color)
    {
        Assert.Equal(Relationship.DefaultColor, new Relationship("A", color, null, 0).Color);
    }

    [Fact]
    public void R2_1_a_relationship_needs_a_name()
    {
        var ex = Assert.Throws<DomainException>(() => new Relationship(" ", null, null, 0));
        Assert.Equal(RuleCodes.RelationshipNameRequired, ex.Code);
    }
}
