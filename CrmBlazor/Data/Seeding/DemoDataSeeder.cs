using Bogus;
using CrmBlazor.Domain.Comments;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Data.Seeding;

/// <summary>
/// Fills an empty database with a realistic Vietnamese sales team (demo mode): departments three levels deep,
/// twelve staff users in two permission groups and a few thousand customers with contacts, groups, sources and
/// relationships. Every demo user signs in with <see cref="DemoPassword"/>.
/// </summary>
public sealed class DemoDataSeeder(CrmDbContext db, UserManager<AppUser> users, ILogger<DemoDataSeeder> logger, TimeProvider clock)
{
    public const string DemoPassword = "CrmDemo@2026";
    public const string ManagersGroup = "Trưởng phòng kinh doanh";
    public const string SalesGroup = "Nhân viên kinh doanh";

    /// <summary>Login name, full name, department key, is manager.</summary>
    public static readonly (string Login, string FullName, string Department, bool Manager)[] Staff =
    [
        ("truongkd", "Trần Quốc Bảo", "sales", true),
        ("mienbac.lead", "Nguyễn Thị Thu Hà", "north", true),
        ("miennam.lead", "Lê Hoàng Phúc", "south", true),
        ("cskh.lead", "Phạm Ngọc Mai", "care", true),
        ("lan.nguyen", "Nguyễn Thị Lan", "north", false),
        ("minh.do", "Đỗ Văn Minh", "north", false),
        ("huong.vu", "Vũ Thu Hương", "north", false),
        ("tuan.bui", "Bùi Anh Tuấn", "south", false),
        ("thao.ho", "Hồ Phương Thảo", "south", false),
        ("duc.dang", "Đặng Minh Đức", "south", false),
        ("ngoc.huynh", "Huỳnh Bảo Ngọc", "care-hn", false),
        ("quang.vo", "Võ Nhật Quang", "care-hn", false),
    ];

    private static readonly string[] LastNames =
        ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Mai", "Cao"];

    private static readonly string[] MiddleNames =
        ["Văn", "Thị", "Minh", "Ngọc", "Thu", "Hoàng", "Quốc", "Thanh", "Đức", "Hữu", "Phương", "Gia", "Bảo", "Anh", "Xuân", "Kim"];

    private static readonly string[] GivenNames =
        ["An", "Anh", "Ánh", "Bình", "Châu", "Cường", "Dũng", "Duyên", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Hương",
         "Khánh", "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Nga", "Ngân", "Nhung", "Phong", "Phúc", "Quân", "Quỳnh", "Sơn", "Tâm",
         "Thảo", "Thắng", "Trang", "Trung", "Tú", "Tuấn", "Uyên", "Việt", "Vy", "Yến", "Đạt", "Định", "Đông", "Lộc", "Nhi", "Oanh"];

    private static readonly string[] Provinces =
        ["Hà Nội", "TP. Hồ Chí Minh", "Đà Nẵng", "Hải Phòng", "Cần Thơ", "Bình Dương", "Đồng Nai", "Khánh Hòa", "Nghệ An", "Quảng Ninh", "Thừa Thiên Huế", "Bắc Ninh"];

    private static readonly string[] Streets =
        ["Lê Lợi", "Nguyễn Huệ", "Trần Hưng Đạo", "Hai Bà Trưng", "Lý Thường Kiệt", "Điện Biên Phủ", "Cách Mạng Tháng Tám", "Nguyễn Trãi", "Láng Hạ", "Phan Chu Trinh", "Võ Văn Tần", "Kim Mã"];

    private static readonly string[] Industries =
        ["Bán lẻ", "Bất động sản", "Giáo dục", "Du lịch", "Xây dựng", "Thực phẩm", "Công nghệ", "Thời trang", "Y tế", "Logistics"];

    private static readonly string[] CompanyWords =
        ["Công ty TNHH", "Công ty CP", "Cửa hàng", "Nhà hàng", "Trung tâm", "Spa"];

    private static readonly string[] MobilePrefixes =
        ["090", "091", "093", "094", "096", "097", "098", "086", "088", "089", "032", "033", "034", "035", "036", "037", "038", "039", "070", "076", "077", "078", "079", "081", "082", "083", "084", "085"];

    private static readonly string[] CommentSamples =
        ["Đã gọi điện, khách hẹn tuần sau gặp trực tiếp.", "Gửi báo giá qua email, chờ phản hồi.", "Khách quan tâm gói **Doanh nghiệp**.",
         "Đã demo sản phẩm, khách rất hài lòng.", "Khách yêu cầu giảm giá 10%, cần trưởng phòng duyệt.", "Hẹn ký hợp đồng vào thứ Sáu."];

    public async Task SeedAsync(int customerCount, CancellationToken ct = default)
    {
        if (await db.Customers.AnyAsync(ct) || await db.StaffProfiles.CountAsync(ct) > 1)
        {
            return;
        }

        var started = clock.GetTimestamp();
        var now = clock.GetUtcNow().UtcDateTime;
        var faker = new Faker("vi") { Random = new Randomizer(20261123) };

        var root = await db.Departments.OrderBy(d => d.Id).FirstAsync(ct);
        var departments = new Dictionary<string, Department>
        {
            ["root"] = root,
            ["sales"] = await AddDepartmentAsync("Khối kinh doanh", root, ct),
            ["care"] = await AddDepartmentAsync("Chăm sóc khách hàng", root, ct),
        };
        departments["north"] = await AddDepartmentAsync("Kinh doanh miền Bắc", departments["sales"], ct);
        departments["south"] = await AddDepartmentAsync("Kinh doanh miền Nam", departments["sales"], ct);
        departments["care-hn"] = await AddDepartmentAsync("CSKH Hà Nội", departments["care"], ct);

        var managers = new PermissionGroup(ManagersGroup,
            Rights.SalesDefault | Rights.CustomersSubDepartment | Rights.CustomersImport | Rights.CustomersPurge | Rights.ViewKpi);
        var sales = new PermissionGroup(SalesGroup, Rights.SalesDefault);
        db.PermissionGroups.AddRange(managers, sales);
        await db.SaveChangesAsync(ct);

        var staffIds = new List<string>();
        foreach (var s in Staff)
        {
            var user = await StaffAccounts.CreateAsync(users, db, s.Login, s.FullName, $"{s.Login}@demo.crmblazor.vn", DemoPassword,
                departments[s.Department].Id, s.Manager ? managers.Id : sales.Id, ct);
            staffIds.Add(user.Id);
        }

        var relationships = await db.Relationships.OrderBy(r => r.Position).Select(r => r.Id).ToListAsync(ct);
        var sources = await db.Sources.Select(s => s.Id).ToListAsync(ct);
        var groups = await db.CustomerGroups.Select(g => g.Id).ToListAsync(ct);
        float[] relationshipWeights = [0.30f, 0.18f, 0.15f, 0.11f, 0.08f, 0.10f, 0.05f, 0.03f];

        db.ChangeTracker.AutoDetectChangesEnabled = false;
        const int batchSize = 1000;
        for (var done = 0; done < customerCount; done += batchSize)
        {
            var batch = new List<Customer>();
            for (var i = done; i < Math.Min(customerCount, done + batchSize); i++)
            {
                var customer = NewCustomer(faker, now, staffIds, relationships, relationshipWeights, sources);
                batch.Add(customer);
            }

            db.Customers.AddRange(batch);
            db.ChangeTracker.DetectChanges();
            await db.SaveChangesAsync(ct);

            foreach (var customer in batch)
            {
                customer.AssignGeneratedCode();
                customer.SetGroups(faker.Random.ListItems(groups, faker.Random.Int(0, 2)));
                if (faker.Random.Bool(0.08f))
                {
                    var author = customer.OwnerId ?? faker.PickRandom(staffIds);
                    var when = now.AddDays(-faker.Random.Int(0, 20)).AddMinutes(-faker.Random.Int(0, 600));
                    db.Comments.Add(new Comment(customer.Id, author, faker.PickRandom(CommentSamples), when));
                    customer.RecordInteraction(when, isContact: true);
                }
            }

            db.ChangeTracker.DetectChanges();
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
        }

        db.ChangeTracker.AutoDetectChangesEnabled = true;
        logger.LogInformation("Demo data: {Count} customers and {Staff} staff users in {Ms} ms.",
            customerCount, Staff.Length, (int)clock.GetElapsedTime(started).TotalMilliseconds);
    }

    private Customer NewCustomer(Faker f, DateTime now, List<string> staffIds, List<int> relationships, float[] weights, List<int> sources)
    {
        var isCompany = f.Random.Bool(0.25f);
        var person = $"{f.PickRandom(LastNames)} {f.PickRandom(MiddleNames)} {f.PickRandom(GivenNames)}";
        var name = isCompany ? $"{f.PickRandom(CompanyWords)} {f.PickRandom(GivenNames)} {f.PickRandom(Provinces)}" : person;
        var phone = f.Random.Bool(0.92f) ? f.PickRandom(MobilePrefixes) + f.Random.ReplaceNumbers("#######") : null;
        var email = phone is null || f.Random.Bool(0.6f)
            ? $"{SearchKey.Fold(person).Replace(' ', '.')}{f.Random.Int(1, 999)}@{f.PickRandom("gmail.com", "yahoo.com", "outlook.com", "fpt.vn", "vnpt.vn")}"
            : null;
        var province = f.PickRandom(Provinces);
        var details = new CustomerDetails
        {
            Name = name,
            Phone = phone,
            Email = email,
            Address = $"{f.Random.Int(1, 300)} {f.PickRandom(Streets)}, {province}",
            Birthday = isCompany || f.Random.Bool(0.3f) ? null : DateOnly.FromDateTime(now.AddYears(-f.Random.Int(20, 60)).AddDays(-f.Random.Int(0, 364))),
            Gender = isCompany ? Gender.Unknown : person.Contains(" Thị ", StringComparison.Ordinal) ? Gender.Female : f.PickRandom(Gender.Male, Gender.Female),
            Country = "Việt Nam",
            Province = province,
            Industry = isCompany ? f.PickRandom(Industries) : null,
            TaxCode = isCompany ? f.Random.ReplaceNumbers("0#########") : null,
            SourceId = f.Random.Bool(0.9f) ? f.PickRandom(sources) : null,
        };
        var created = now.AddDays(-f.Random.Int(0, 400)).AddMinutes(-f.Random.Int(0, 1440));
        var owner = f.Random.Bool(0.03f) ? null : f.PickRandom(staffIds);
        var relationship = f.Random.WeightedRandom(relationships.ToArray(), weights.Take(relationships.Count).ToArray());
        var customer = Customer.Create(details, relationship, owner, owner ?? staffIds[0], created);
        if (f.Random.Bool(0.8f))
        {
            customer.RecordContact(created.AddDays(f.Random.Int(0, Math.Max(0, (int)(now - created).TotalDays))));
        }

        if (isCompany || f.Random.Bool(0.2f))
        {
            var contacts = f.Random.Int(1, 3);
            for (var c = 0; c < contacts; c++)
            {
                var contactName = $"{f.PickRandom(LastNames)} {f.PickRandom(MiddleNames)} {f.PickRandom(GivenNames)}";
                customer.AddContact(new Contact(contactName, f.PickRandom("Anh", "Chị", "Ông", "Bà"),
                    f.PickRandom(MobilePrefixes) + f.Random.ReplaceNumbers("#######"), null, null, Gender.Unknown,
                    c == 0 ? "Người quyết định" : null));
            }
        }

        return customer;
    }

    private async Task<Department> AddDepartmentAsync(string name, Department parent, CancellationToken ct)
    {
        var d = new Department(name, parent);
        db.Departments.Add(d);
        await db.SaveChangesAsync(ct);
        d.RefreshPath(parent.Path);
        await db.SaveChangesAsync(ct);
        return d;
    }
}
