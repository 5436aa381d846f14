using CrmBlazor.Data;
using CrmBlazor.Domain.Comments;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Domain.Relationships;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Tests.Integration;

/// <summary>Writes one of everything and reads it back: shared by the SQLite and PostgreSQL tests.</summary>
internal static class RoundTrip
{
    public static readonly DateTime Created = new(2026, 11, 23, 1, 2, 3, DateTimeKind.Utc);

    public static async Task WriteAsync(CrmDbContext db)
    {
        var relationship = new Relationship("Khách hàng tiềm năng", "#1E88E5", "Mặc định", 0, isDefault: true);
        var source = new Source("Zalo", 0);
        var group = new CustomerGroup("VIP");
        var dept = new Department("Công ty");
        db.AddRange(relationship, source, group, dept);
        await db.SaveChangesAsync();
        dept.RefreshPath(null);
        var perm = new PermissionGroup("Kinh doanh", Rights.SalesDefault);
        db.Add(perm);
        await db.SaveChangesAsync();

        var user = new AppUser { UserName = "lan", NormalizedUserName = "LAN" };
        db.Users.Add(user);
        db.StaffProfiles.Add(new StaffProfile(user.Id, "lan", "Nguyễn Thị Lan", dept.Id, perm.Id));
        await db.SaveChangesAsync();

        var customer = Customer.Create(new CustomerDetails
        {
            Name = "Đặng Văn Đức",
            Phone = "0912 345 678",
            Email = "Duc@Example.vn",
            Birthday = new DateOnly(1990, 3, 5),
            Gender = Gender.Male,
            SourceId = source.Id,
        }, relationship.Id, user.Id, user.Id, Created);
        customer.AddContact(new Contact("Chị Hoa", "Chị", "0903 111 222"));
        db.Customers.Add(customer);
        await db.SaveChangesAsync();
        customer.AssignGeneratedCode();
        customer.SetGroups([group.Id]);
        db.Comments.Add(new Comment(customer.Id, user.Id, "Xin chào **anh Đức**", Created));
        await db.SaveChangesAsync();
    }

    public static async Task VerifyAsync(CrmDbContext db)
    {
        var c = await db.Customers.Include(x => x.Contacts).Include(x => x.Groups).SingleAsync();
        Assert.Equal("Đặng Văn Đức", c.Name);
        Assert.Equal("dang van duc", c.NameKey);
        Assert.Equal("+84912345678", c.Phone);
        Assert.Equal("duc@example.vn", c.Email);
        Assert.Equal(new DateOnly(1990, 3, 5), c.Birthday);
        Assert.Equal(CustomerCode.FromId(c.Id), c.Code);
        Assert.Equal(Created, c.CreatedAt);
        Assert.Equal(DateTimeKind.Utc, c.CreatedAt.Kind);
        Assert.True(Assert.Single(c.Contacts).IsPrimary);
        Assert.Single(c.Groups);
        Assert.Equal(1, await db.Comments.CountAsync(x => x.CustomerId == c.Id));
        var profile = await db.StaffProfiles.Include(p => p.Department).Include(p => p.PermissionGroup).SingleAsync();
        Assert.Equal(Rights.SalesDefault, profile.PermissionGroup!.Rights);
        Assert.EndsWith("/", profile.Department!.Path, StringComparison.Ordinal);

        // Search keys are usable by the database (prefix search on the folded name).
        Assert.Equal(1, await db.Customers.CountAsync(x => x.SearchText.Contains("dang van")));
        Assert.Equal(1, await db.Customers.CountAsync(x => x.NameKey.StartsWith("dang")));
    }
}
