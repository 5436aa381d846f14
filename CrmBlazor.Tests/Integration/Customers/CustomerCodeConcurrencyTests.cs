using CrmBlazor.Data;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Domain.Relationships;
using CrmBlazor.Domain.Importing;
using CrmBlazor.Features.Customers;
using CrmBlazor.Features.Import;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace CrmBlazor.Tests.Integration.Customers;

/// <summary>
/// Issue 21: codes in any form are kept when not taken, and code generation skips taken codes, safely under
/// concurrency: the store's unique index on the code settles a race, the loser takes the next candidate. On SQLite and
/// on a real PostgreSQL server (never skipped).
/// </summary>
public sealed class CustomerCodeConcurrencyTests
{
    private const int Parallel = 30;

    [Fact]
    public async Task Sqlite_thirty_parallel_creates_with_taken_codes_ahead_all_succeed_with_distinct_codes()
    {
        await using var db = await TestDatabase.CreateAsync();
        await ParallelCreatesAsync(db.Factory);
    }

    [Fact]
    public async Task Postgres_thirty_parallel_creates_with_taken_codes_ahead_all_succeed_with_distinct_codes()
    {
        await WithPostgresAsync(ParallelCreatesAsync);
    }

    [Fact]
    public async Task Sqlite_a_generated_code_taken_between_the_check_and_the_save_moves_to_the_next_candidate()
    {
        await using var db = await TestDatabase.CreateAsync();
        var steal = new StealCodeInterceptor();
        var options = new DbContextOptionsBuilder<SqliteCrmDbContext>().UseSqlite($"Data Source={db.File};Pooling=False").AddInterceptors(steal).Options;
        await RaceLostAsync(db.Factory, new SqliteFactory(options), steal);
    }

    [Fact]
    public async Task Postgres_a_generated_code_taken_between_the_check_and_the_save_moves_to_the_next_candidate()
    {
        await WithPostgresAsync(async (factory, cs) =>
        {
            var steal = new StealCodeInterceptor();
            var options = new DbContextOptionsBuilder<PostgresCrmDbContext>().UseNpgsql(cs).AddInterceptors(steal).Options;
            await RaceLostAsync(factory, new PgFactory(options), steal);
        });
    }

    [Fact]
    public async Task Sqlite_an_import_gives_new_customers_generated_codes_that_skip_codes_of_the_store_and_of_the_file()
    {
        await using var db = await TestDatabase.CreateAsync();
        await ImportSkipsTakenCodesAsync(db.Factory);
    }

    [Fact]
    public async Task Postgres_an_import_gives_new_customers_generated_codes_that_skip_codes_of_the_store_and_of_the_file()
    {
        await WithPostgresAsync(ImportSkipsTakenCodesAsync);
    }

    private static async Task ImportSkipsTakenCodesAsync(IDbContextFactory<CrmDbContext> factory)
    {
        var admin = await SeedAsync(factory);
        // Brought from the old system by hand: the code customer 5 is due.
        var old = await new CustomerService(factory, TimeProvider.System).SaveFormAsync(admin, new CustomerForm { Code = "KH000005", Name = "Khách cũ", Phone = "0905000001" });
        Assert.Equal((SaveStatus.Saved, 1), (old.Status, old.CustomerId));

        var import = new ImportService(factory, new RecordingBus(), TimeProvider.System, new ImportLimits());
        var file = Import.Sheets.Xlsx(new (string? Code, string Name)[] { (null, "An"), ("KH000006", "Bình"), (null, "Chi"), (null, "Dũng"), (null, "Em") }
            .Select((r, i) => Import.Sheets.Row(("Mã khách hàng", r.Code), ("Tên khách hàng", r.Name), ("Điện thoại", $"090600000{i}"))));
        var sheet = import.ReadFile(admin, "getfly.xlsx", file);
        var mapping = await import.ProposeMappingAsync(admin, sheet.Headers);
        var result = await import.ImportAsync(admin, sheet, mapping, new ImportOptions());
        Assert.Equal((5, 0), (result.Created, result.Failed));

        await using var db = await factory.CreateDbContextAsync();
        var codes = await db.Customers.AsNoTracking().OrderBy(c => c.Id).Select(c => new { c.Id, c.Name, c.Code }).ToListAsync();
        Assert.Equal(
            ["1 Khách cũ KH000005", "2 An KH000002", "3 Bình KH000006", "4 Chi KH000004", "5 Dũng KH000005-2", "6 Em KH000006-2"],
            codes.Select(c => $"{c.Id} {c.Name} {c.Code}"));
    }

    private static Task WithPostgresAsync(Func<IDbContextFactory<CrmDbContext>, Task> test) => WithPostgresAsync((f, _) => test(f));

    private static async Task WithPostgresAsync(Func<IDbContextFactory<CrmDbContext>, string, Task> test)
    {
        var database = "crm_test_" + Guid.NewGuid().ToString("N")[..12];
        var cs = new NpgsqlConnectionStringBuilder(PostgresTests.ServerConnectionString) { Database = database, MaxPoolSize = 40 }.ConnectionString;
        var options = new DbContextOptionsBuilder<PostgresCrmDbContext>().UseNpgsql(cs).Options;
        var factory = new PgFactory(options);
        try
        {
            await using (var db = factory.CreateDbContext())
            {
                await db.Database.MigrateAsync();
            }

            await test(factory, cs);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var db = factory.CreateDbContext();
            await db.Database.DropAsync();
        }
    }

    private static async Task<UserAccess> SeedAsync(IDbContextFactory<CrmDbContext> factory)
    {
        await using var db = await factory.CreateDbContextAsync();
        var dept = new Department("Công ty");
        db.Departments.Add(dept);
        var all = new PermissionGroup("Quản trị", Rights.All);
        db.PermissionGroups.Add(all);
        db.Relationships.Add(new Relationship("Khách hàng tiềm năng", "#43A047", null, 0, true));
        await db.SaveChangesAsync();
        dept.RefreshPath(null);
        var admin = new AppUser { UserName = "boss", NormalizedUserName = "BOSS" };
        db.Users.Add(admin);
        db.StaffProfiles.Add(new StaffProfile(admin.Id, "boss", "Trần Quản Trị", dept.Id, all.Id));
        await db.SaveChangesAsync();
        return (await CurrentUser.LoadAsync(factory, admin.Id))!;
    }

    private static async Task ParallelCreatesAsync(IDbContextFactory<CrmDbContext> factory)
    {
        var admin = await SeedAsync(factory);
        var service = new CustomerService(factory, TimeProvider.System);

        // Customers brought from an old system hold codes of the generated form that the next customers are due:
        // KH000011 … KH000020 (and one "-2" suffix too) while the first ten ids go to them.
        var oldCodes = Enumerable.Range(11, 10).Select(CustomerCode.FromId).Append(CustomerCode.FromId(12) + "-2").ToList();
        foreach (var (code, i) in oldCodes.Select((c, i) => (c, i)))
        {
            var saved = await service.SaveFormAsync(admin, new CustomerForm { Code = code, Name = $"Khách cũ {i}", Phone = $"0905{i:D6}" });
            Assert.Equal(SaveStatus.Saved, saved.Status);
        }

        var results = await Task.WhenAll(Enumerable.Range(0, Parallel).Select(i => Task.Run(() =>
            service.SaveFormAsync(admin, new CustomerForm { Name = $"Khách mới {i}", Phone = $"0906{i:D6}" }))));

        Assert.All(results, r => Assert.Equal(SaveStatus.Saved, r.Status));
        await using var db = await factory.CreateDbContextAsync();
        var codes = await db.Customers.AsNoTracking().Select(c => new { c.Id, c.Code }).ToListAsync();
        Assert.Equal(oldCodes.Count + Parallel, codes.Count);
        Assert.All(codes, c => Assert.NotNull(c.Code));
        Assert.Equal(codes.Count, codes.Select(c => c.Code).Distinct().Count());
        Assert.All(oldCodes, code => Assert.Contains(codes, c => c.Code == code));
        foreach (var created in codes.Where(c => results.Any(r => r.CustomerId == c.Id)))
        {
            // Its own code when free, else the first free suffixed one.
            var expected = CustomerCode.Candidates(created.Id).First(code => !oldCodes.Contains(code));
            Assert.Equal(expected, created.Code);
        }
    }

    private static async Task RaceLostAsync(IDbContextFactory<CrmDbContext> plain, IDbContextFactory<CrmDbContext> stealing, StealCodeInterceptor steal)
    {
        var admin = await SeedAsync(plain);
        var plainService = new CustomerService(plain, TimeProvider.System);
        var victim = await plainService.SaveFormAsync(admin, new CustomerForm { Code = "GETFLY-1", Name = "Khách cũ", Phone = "0905000001" });
        steal.VictimId = victim.CustomerId!.Value;

        // Just before the new customer's code is written, another writer gives exactly that code to the victim.
        var saved = await new CustomerService(stealing, TimeProvider.System).SaveFormAsync(admin, new CustomerForm { Name = "Khách mới", Phone = "0905000002" });

        Assert.Equal(SaveStatus.Saved, saved.Status);
        Assert.NotNull(steal.Stolen);
        await using var db = await plain.CreateDbContextAsync();
        var id = saved.CustomerId!.Value;
        Assert.Equal(CustomerCode.FromId(id), steal.Stolen);
        Assert.Equal(CustomerCode.FromId(id), (await db.Customers.AsNoTracking().SingleAsync(c => c.Id == steal.VictimId)).Code);
        var created = await db.Customers.AsNoTracking().SingleAsync(c => c.Id == id);
        Assert.Equal(CustomerCode.FromId(id) + "-2", created.Code);
        Assert.Contains((CustomerCode.FromId(id) + "-2").ToLowerInvariant(), created.SearchText, StringComparison.Ordinal);
        Assert.True(await db.ChangeLog.AnyAsync(l => l.CustomerId == id && l.Field == "Created"));
    }

    /// <summary>
    /// The first time a save writes a customer's generated code, gives that code to another customer first, in the same
    /// transaction and before EF Core's savepoint (as a concurrent writer that committed first would have).
    /// </summary>
    private sealed class StealCodeInterceptor : SaveChangesInterceptor
    {
        public int VictimId { get; set; }
        public string? Stolen { get; private set; }

        public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
            CancellationToken cancellationToken = default)
        {
            var context = eventData.Context!;
            if (Stolen is null && VictimId > 0)
            {
                var entry = context.ChangeTracker.Entries<Customer>()
                    .FirstOrDefault(e => e.State == EntityState.Modified && e.Property(c => c.Code).IsModified && e.Entity.Code is not null);
                if (entry is not null)
                {
                    Stolen = entry.Entity.Code;
                    await context.Database.ExecuteSqlAsync($"UPDATE \"Customers\" SET \"Code\" = {Stolen} WHERE \"Id\" = {VictimId}", cancellationToken);
                }
            }

            return result;
        }
    }

    private sealed class SqliteFactory(DbContextOptions<SqliteCrmDbContext> options) : IDbContextFactory<CrmDbContext>
    {
        public CrmDbContext CreateDbContext() => new SqliteCrmDbContext(options);
    }

    private sealed class PgFactory(DbContextOptions<PostgresCrmDbContext> options) : IDbContextFactory<CrmDbContext>
    {
        public CrmDbContext CreateDbContext() => new PostgresCrmDbContext(options);
    }
}
