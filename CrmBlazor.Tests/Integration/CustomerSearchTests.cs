using CrmBlazor.Data;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Customers;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CrmBlazor.Tests.Integration;

/// <summary>
/// Quick search (issue "foundation" item 3, R5.2): name without diacritics or case, code, phone in any written form
/// or a fragment of it, email — through the provider's text index (SQLite FTS5 trigram, PostgreSQL pg_trgm),
/// which must stay in step with inserts, updates and deletes.
/// </summary>
public class CustomerSearchTests
{
    private static readonly UserAccess Admin = new("admin-id", "admin", "Admin", 1, "/1/", Rights.All, "Asia/Ho_Chi_Minh", "vi-VN");

    [Fact]
    public async Task Sqlite_search_uses_the_index_and_follows_changes()
    {
        await using var db = await TestDatabase.CreateAsync();
        await Exercise(db.Factory);
    }

    [Fact]
    public async Task Postgres_search_uses_the_index_and_follows_changes()
    {
        var database = "crm_test_" + Guid.NewGuid().ToString("N")[..12];
        var cs = new NpgsqlConnectionStringBuilder(PostgresTests.ServerConnectionString) { Database = database, Pooling = false }.ConnectionString;
        var options = new DbContextOptionsBuilder<PostgresCrmDbContext>().UseNpgsql(cs).Options;
        var factory = new PgFactory(options);
        try
        {
            await using (var ctx = factory.CreateDbContext())
            {
                await ctx.Database.MigrateAsync();
            }

            await Exercise(factory);
        }
        finally
        {
            await using var ctx = factory.CreateDbContext();
            await ctx.Database.DropAsync();
        }
    }

    private static async Task Exercise(IDbContextFactory<CrmDbContext> factory)
    {
        int rel, anhId, ducId;
        await using (var ctx = await factory.CreateDbContextAsync())
        {
            var r = new CrmBlazor.Domain.Relationships.Relationship("Tiềm năng", null, null, 0, isDefault: true);
            ctx.Relationships.Add(r);
            await ctx.SaveChangesAsync();
            rel = r.Id;
            var anh = Customer.Create(new CustomerDetails { Name = "Nguyễn Thị Ánh", Phone = "0912 345 678", Email = "Anh.Nguyen@Gmail.com" }, rel, null, null, DateTime.UtcNow);
            var duc = Customer.Create(new CustomerDetails { Name = "ĐẶNG VĂN ĐỨC", Phone = "+84 987.654.321" }, rel, null, null, DateTime.UtcNow, code: "VIP-7");
            var other = Customer.Create(new CustomerDetails { Name = "Trần Quốc Toản", Email = "toan@example.vn" }, rel, null, null, DateTime.UtcNow);
            ctx.Customers.AddRange(anh, duc, other);
            await ctx.SaveChangesAsync();
            anhId = anh.Id;
            ducId = duc.Id;
        }

        var service = new CustomerService(factory, TimeProvider.System);
        async Task<string[]> Find(string term) =>
            (await service.ListAsync(Admin, new CustomerListQuery { Search = term })).Items.Select(i => i.Name).ToArray();

        Assert.Equal(["Nguyễn Thị Ánh"], await Find("nguyen thi anh"));
        Assert.Equal(["Nguyễn Thị Ánh"], await Find("THỊ ÁNH"));
        Assert.Equal(["ĐẶNG VĂN ĐỨC"], await Find("dang van duc"));
        Assert.Equal(["ĐẶNG VĂN ĐỨC"], await Find("vip-7"));
        Assert.Equal(["ĐẶNG VĂN ĐỨC"], await Find("84987654321"));
        Assert.Equal(["Nguyễn Thị Ánh"], await Find("345 678"));
        Assert.Equal(["Nguyễn Thị Ánh"], await Find("(+84) 912345678"));
        Assert.Equal(["Trần Quốc Toản"], await Find("toan@example"));
        Assert.Equal(["Nguyễn Thị Ánh"], await Find("anh.nguyen@gmail.com"));
        Assert.Empty(await Find("không có ai"));
        Assert.Equal(["ĐẶNG VĂN ĐỨC"], await Find("ức")); // short terms still work (no index needed)
        Assert.Equal(3, (await Find("an")).Length);

        // The index follows updates and deletes.
        await using (var ctx = await factory.CreateDbContextAsync())
        {
            var anh = await ctx.Customers.SingleAsync(c => c.Id == anhId);
            anh.Update(new CustomerDetails { Name = "Lê Thị Ánh", Phone = "0912 345 678" }, "u", DateTime.UtcNow);
            await ctx.SaveChangesAsync();
            await ctx.Customers.Where(c => c.Id == ducId).ExecuteDeleteAsync();
        }

        Assert.Empty(await Find("nguyen thi anh"));
        Assert.Equal(["Lê Thị Ánh"], await Find("le thi anh"));
        Assert.Empty(await Find("dang van duc"));
    }

    private sealed class PgFactory(DbContextOptions<PostgresCrmDbContext> options) : IDbContextFactory<CrmDbContext>
    {
        public CrmDbContext CreateDbContext() => new PostgresCrmDbContext(options);
    }
}
