using CrmBlazor.Domain.Comments;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Organization;

namespace CrmBlazor.Tests.Domain;

public class OrganizationAndCommentTests
{
    private static readonly DateTime Now = new(2026, 11, 23, 8, 0, 0, DateTimeKind.Utc);

    private static Department Dept(int id, string name, Department? parent)
    {
        var d = new Department(name, parent);
        typeof(Department).GetProperty(nameof(Department.Id))!.SetValue(d, id);
        d.RefreshPath(parent?.Path);
        return d;
    }

    [Fact]
    public void R7_1_department_paths_describe_the_tree()
    {
        var root = Dept(1, "Công ty", null);
        var sales = Dept(4, "Kinh doanh", root);
        var north = Dept(9, "Miền Bắc", sales);
        Assert.Equal("/1/4/9/", north.Path);
        Assert.True(north.IsSameOrBelow(sales.Path));
        Assert.False(sales.IsSameOrBelow(north.Path));
        Assert.Equal(2, north.Depth);
    }

    [Fact]
    public void R7_1_a_department_cannot_move_below_itself()
    {
        var root = Dept(1, "Công ty", null);
        var sales = Dept(4, "Kinh doanh", root);
        var north = Dept(9, "Miền Bắc", sales);
        var ex = Assert.Throws<DomainException>(() => sales.MoveUnder(north));
        Assert.Equal(RuleCodes.DepartmentCycle, ex.Code);
        north.MoveUnder(root);
        Assert.Equal("/1/9/", north.Path);
    }

    [Fact]
    public void R7_2_built_in_administrators_keep_every_right()
    {
        var admins = new PermissionGroup("Quản trị viên", Rights.None, isBuiltInAdministrators: true);
        admins.SetRights(Rights.CustomersAccess);
        Assert.Equal(Rights.All, admins.Rights);
        var sales = new PermissionGroup("Kinh doanh", Rights.SalesDefault);
        Assert.True(sales.Has(Rights.CustomersEdit));
        Assert.False(sales.Has(Rights.CustomersViewAll));
        sales.SetRights(Rights.CustomersAccess);
        Assert.False(sales.Has(Rights.CustomersEdit));
    }

    [Fact]
    public void R4_5_a_comment_can_be_edited_by_its_author_within_two_hours()
    {
        var c = new Comment(1, "u1", "Xin chào", Now);
        var previous = c.Edit("u1", "Xin chào anh", Now.AddHours(2));
        Assert.Equal("Xin chào", previous);
        Assert.Equal("Xin chào anh", c.Body);
        Assert.Equal(Now.AddHours(2), c.EditedAt);
    }

    [Fact]
    public void R4_5_editing_after_two_hours_is_refused()
    {
        var c = new Comment(1, "u1", "Xin chào", Now);
        var ex = Assert.Throws<DomainException>(() => c.Edit("u1", "sửa", Now.AddHours(2).AddSeconds(1)));
        Assert.Equal(RuleCodes.CommentEditWindowClosed, ex.Code);
        Assert.False(c.CanEdit("u1", Now.AddHours(3)));
        Assert.Equal("Xin chào", c.Body);
    }

    [Fact]
    public void R4_5_only_the_author_edits_or_deletes()
    {
        var c = new Comment(1, "u1", "Xin chào", Now);
        Assert.Equal(RuleCodes.CommentNotAuthor, Assert.Throws<DomainException>(() => c.Edit("u2", "x", Now)).Code);
        Assert.Equal(RuleCodes.CommentNotAuthor, Assert.Throws<DomainException>(() => c.Delete("u2")).Code);
        c.Delete("u1");
        Assert.True(c.IsDeleted);
    }

    [Theory]
    [InlineData("a@b.vn", "a@b.vn")]
    [InlineData(" Lan.Nguyen@Gmail.COM ", "lan.nguyen@gmail.com")]
    [InlineData("no-at-sign", null)]
    [InlineData("a@b", null)]
    [InlineData("Lan <lan@x.vn>", null)]
    [InlineData("two words@x.vn", null)]
    [InlineData("", null)]
    public void Emails_are_validated_and_lower_cased(string input, string? expected)
    {
        Assert.Equal(expected, EmailAddress.Normalize(input));
    }
}
