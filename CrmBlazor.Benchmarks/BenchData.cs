using System.Data.Common;
using System.Diagnostics;
using CrmBlazor.Data;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Domain.Relationships;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Benchmarks;

/// <summary>
/// Generates a large data set directly into a database: a department tree, staff users and customers inserted
/// with one prepared command in a transaction (not through EF change tracking, which would take far longer).
/// Keys are computed by the same domain normalisers the app uses.
/// </summary>
public static class BenchData
{
    private static readonly string[] LastNames =
        ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Mai", "Cao"];

    private static readonly string[] MiddleNames =
        ["Văn", "Thị", "Minh", "Ngọc", "Thu", "Hoàng", "Quốc", "Thanh", "Đức", "Hữu", "Phương", "Gia", "Bảo", "Anh", "Xuân", "Kim"];

    private static readonly string[] GivenNames =
        ["An", "Anh", "Ánh", "Bình", "Châu", "Cường", "Dũng", "Duyên", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Hương",
         "Khánh", "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Nga", "Ngân", "Nhung", "Phong", "Phúc", "Quân", "Quỳnh", "Sơn", "Tâm",
         "Thảo", "Thắng", "Trang", "Trung", "Tú", "Tuấn", "Uyên", "Việt", "Vy", "Yến", "Đạt", "Định", "Đông", "Lộc", "Nhi", "Oanh"];

    private static readonly string[] MobilePrefixes = ["90", "91", "93", "94", "96", "97", "98", "86", "88", "32", "33", "34", "35", "36", "37", "38", "39", "70", "76", "77", "78", "79", "81", "82", "83", "84", "85"];

    public sealed record Result(string AdminUserId, IReadOnlyList<string> UserIds, IReadOnlyList<int> RelationshipIds, Dictionary<string, (int DepartmentId, int Depth)> UserDepartments);

    /// <summary>Creates the schema and data when the database has fewer customers than asked; otherwise reuses it.</summary>
    public static async Task<Result> EnsureAsync(IDbContextFactory<CrmDbContext> factory, int customers, int users, int depth, int relationships = 8)
    {
        await using var db = await factory.CreateDbContextAsync();
        await SqliteStatistics.MigrateAsync(db);
        if (db.Database.IsSqlite())
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        }

        if (await db.Customers.CountAsync() < customers || await db.StaffProfiles.CountAsync() < users + 1)
        {
            await CreateAsync(db, customers, users, depth, relationships);
        }

        var admin = await db.StaffProfiles.Where(p => p.UserName == "bench.admin").Select(p => p.Id).SingleAsync();
        var userIds = await db.StaffProfiles.Where(p => p.UserName != "bench.admin").OrderBy(p => p.UserName).Select(p => p.Id).ToListAsync();
        var rels = await db.Relationships.OrderBy(r => r.Position).Select(r => r.Id).ToListAsync();
        var depts = await db.StaffProfiles.Select(p => new { p.Id, p.DepartmentId, p.Department!.Path }).ToListAsync();
        return new Result(admin, userIds, rels, depts.ToDictionary(d => d.Id, d => (d.DepartmentId, d.Path.Count(c => c == '/') - 2)));
    }

    private static async Task CreateAsync(CrmDbContext db, int customers, int users, int depth, int relationshipCount)
    {
        var watch = Stopwatch.StartNew();
        Console.WriteLine($"Generating {customers:N0} customers, {users} users in a {depth}-level tree…");
        await db.Database.EnsureDeletedAsync();
        await db.Database.MigrateAsync();
        if (db.Database.IsSqlite())
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        }

        var random = new Random(42);
        for (var i = 0; i < relationshipCount; i++)
        {
            db.Relationships.Add(new Relationship($"Giai đoạn {i + 1}", "#1E88E5", null, i, isDefault: i == 0));
        }

        for (var i = 0; i < 6; i++)
        {
            db.Sources.Add(new Source($"Nguồn {i + 1}", i));
        }

        var admins = new PermissionGroup("Bench admins", Rights.All, isBuiltInAdministrators: true);
        var managers = new PermissionGroup("Bench managers", Rights.SalesDefault | Rights.CustomersSubDepartment);
        var sales = new PermissionGroup("Bench sales", Rights.SalesDefault);
        db.PermissionGroups.AddRange(admins, managers, sales);
        await db.SaveChangesAsync();

        // A tree of departments: each level has 2-3 children per department until `depth` levels.
        var root = new Department("Công ty");
        db.Departments.Add(root);
        await db.SaveChangesAsync();
        root.RefreshPath(null);
        var levels = new List<List<Department>> { new() { root } };
        for (var level = 1; level < depth; level++)
        {
            var next = new List<Department>();
            foreach (var parent in levels[^1])
            {
                for (var c = 0; c < (level < 3 ? 3 : 2); c++)
                {
                    var d = new Department($"Phòng {level}.{next.Count + 1}", parent);
                    db.Departments.Add(d);
                    next.Add(d);
                }
            }

            await db.SaveChangesAsync();
            foreach (var d in next)
            {
                d.RefreshPath(d.Parent!.Path);
            }

            levels.Add(next);
        }

        await db.SaveChangesAsync();
        var allDepartments = levels.SelectMany(l => l).ToList();

        var adminUser = new AppUser { UserName = "bench.admin", NormalizedUserName = "BENCH.ADMIN" };
        db.Users.Add(adminUser);
        db.StaffProfiles.Add(new StaffProfile(adminUser.Id, "bench.admin", "Bench Admin", root.Id, admins.Id));
        var userIds = new List<string>();
        for (var i = 0; i < users; i++)
        {
            var dept = allDepartments[random.Next(allDepartments.Count)];
            var login = $"user{i:D4}";
            var u = new AppUser { UserName = login, NormalizedUserName = login.ToUpperInvariant() };
            db.Users.Add(u);
            var isManager = i < allDepartments.Count;
            var profileDept = isManager ? allDepartments[i] : dept;
            db.StaffProfiles.Add(new StaffProfile(u.Id, login, $"Nhân viên {i}", profileDept.Id, isManager ? managers.Id : sales.Id));
            userIds.Add(u.Id);
        }

        await db.SaveChangesAsync();
        var relationshipIds = await db.Relationships.OrderBy(r => r.Position).Select(r => r.Id).ToListAsync();
        var sourceIds = await db.Sources.Select(s => s.Id).ToListAsync();

        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        var now = DateTime.UtcNow;
        const int batch = 50_000;
        for (var start = 1; start <= customers; start += batch)
        {
            await using var tx = await connection.BeginTransactionAsync();
            await using var cmd = connection.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = """
                INSERT INTO "Customers" ("Id","Code","Name","Phone","Email","Address","Gender","Country","Province","SourceId","RelationshipId","OwnerId",
                  "NameKey","SearchText","Version","IsDeleted","CreatedAt","CreatedById","UpdatedAt","UpdatedById","LastContactAt","InteractionCount","TotalPaid")
                VALUES (@id,@code,@name,@phone,@email,@addr,@gender,'Việt Nam',@prov,@src,@rel,@owner,@nk,@st,1,@del,@created,@owner,@created,@owner,@last,0,0)
                """;
            var p = new Dictionary<string, DbParameter>();
            foreach (var n in new[] { "id", "code", "name", "phone", "email", "addr", "gender", "prov", "src", "rel", "owner", "nk", "st", "del", "created", "last" })
            {
                var parameter = cmd.CreateParameter();
                parameter.ParameterName = "@" + n;
                cmd.Parameters.Add(parameter);
                p[n] = parameter;
            }

            if (!db.Database.IsNpgsql())
            {
                // Npgsql prepares only typed parameters; unprepared is fine for a one-time load.
                cmd.Prepare();
            }

            for (var id = start; id < Math.Min(customers + 1, start + batch); id++)
            {
                var name = $"{LastNames[random.Next(LastNames.Length)]} {MiddleNames[random.Next(MiddleNames.Length)]} {GivenNames[random.Next(GivenNames.Length)]}";
                var national = "0" + MobilePrefixes[random.Next(MobilePrefixes.Length)] + random.Next(0, 10_000_000).ToString("D7", System.Globalization.CultureInfo.InvariantCulture);
                var phone = "+84" + national[1..];
                var code = CustomerCode.FromId(id);
                var email = random.Next(3) == 0 ? $"kh{id}@example.vn" : null;
                var created = now.AddMinutes(-random.Next(0, 60 * 24 * 700));
                p["id"].Value = id;
                p["code"].Value = code;
                p["name"].Value = name;
                p["phone"].Value = phone;
                p["email"].Value = (object?)email ?? DBNull.Value;
                p["addr"].Value = $"{random.Next(1, 400)} Lê Lợi";
                p["gender"].Value = random.Next(3);
                p["prov"].Value = "Hà Nội";
                p["src"].Value = sourceIds[random.Next(sourceIds.Count)];
                p["rel"].Value = relationshipIds[Math.Min(relationshipIds.Count - 1, (int)Math.Floor(Math.Pow(random.NextDouble(), 1.6) * relationshipIds.Count))];
                p["owner"].Value = random.Next(50) == 0 ? DBNull.Value : userIds[random.Next(userIds.Count)];
                p["nk"].Value = SearchKey.Fold(name);
                p["st"].Value = SearchKey.Fold($"{name} {code} {email} {national}");
                p["del"].Value = random.Next(100) == 0;
                p["created"].Value = created;
                p["last"].Value = random.Next(5) == 0 ? DBNull.Value : created.AddDays(random.Next(0, 300));
                await cmd.ExecuteNonQueryAsync();
            }

            await tx.CommitAsync();
            Console.Write($"\r  {Math.Min(customers, start + batch - 1):N0} customers…");
        }

        if (db.Database.IsSqlite())
        {
            await using var analyze = connection.CreateCommand();
            analyze.CommandText = "ANALYZE;";
            await analyze.ExecuteNonQueryAsync();
        }
        else if (db.Database.IsNpgsql())
        {
            await using var analyze = connection.CreateCommand();
            // The ids were given explicitly: move the identity past them before anything else inserts.
            analyze.CommandText = "SELECT setval(pg_get_serial_sequence('\"Customers\"', 'Id'), (SELECT MAX(\"Id\") FROM \"Customers\")); ANALYZE;";
            await analyze.ExecuteNonQueryAsync();
        }

        Console.WriteLine($"\r  generated in {watch.Elapsed.TotalSeconds:N1} s.                 ");
    }
}
