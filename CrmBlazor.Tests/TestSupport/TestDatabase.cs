using CrmBlazor.Data;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Domain.Relationships;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Tests.TestSupport;

/// <summary>
/// A migrated database of its own, for component and service tests that need real data: a SQLite file, or a PostgreSQL
/// database on the test server (<see cref="CreatePostgresAsync"/>) for the paths whose SQL differs by provider.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string? _postgresDatabase;

    private TestDatabase(string file)
    {
        File = file;
        Factory = new UpcastFactory(new DbContextOptionsBuilder<SqliteCrmDbContext>().UseSqlite($"Data Source={file};Pooling=False").Options);
    }

    private TestDatabase(string postgresDatabase, DbContextOptions<PostgresCrmDbContext> options)
    {
        File = string.Empty;
        _postgresDatabase = postgresDatabase;
        Factory = new PostgresFactory(options);
    }

    /// <summary>The SQLite file; empty for a PostgreSQL database.</summary>
    public string File { get; }

    public bool IsPostgres => _postgresDatabase is not null;

    public IDbContextFactory<CrmDbContext> Factory { get; }

    public static async Task<TestDatabase> CreateAsync()
    {
        var db = new TestDatabase(Path.Combine(Path.GetTempPath(), $"crm-test-{Guid.NewGuid():N}.db"));
        await using var ctx = await db.Factory.CreateDbContextAsync();
        await ctx.Database.MigrateAsync();
        return db;
    }

    /// <summary>
    /// A factory for this SQLite database whose contexts run <paramref name="interceptors"/> too: a test that watches or
    /// holds the commands the code under test sends.
    /// </summary>
    public IDbContextFactory<CrmDbContext> FactoryWith(params Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor[] interceptors) =>
        IsPostgres
            ? throw new NotSupportedException("FactoryWith is for SQLite test databases.")
            : new UpcastFactory(new DbContextOptionsBuilder<SqliteCrmDbContext>().UseSqlite($"Data Source={File};Pooling=False").AddInterceptors(interceptors).Options);

    /// <summary>A new, migrated database on the PostgreSQL test server (CRM_TEST_POSTGRES); dropped on dispose.</summary>
    public static async Task<TestDatabase> CreatePostgresAsync()
    {
        var name = "crm_test_" + Guid.NewGuid().ToString("N")[..12];
        var cs = new Npgsql.NpgsqlConnectionStringBuilder(Integration.PostgresTests.ServerConnectionString) { Database = name, Pooling = false }.ConnectionString;
        var db = new TestDatabase(name, new DbContextOptionsBuilder<PostgresCrmDbContext>().UseNpgsql(cs).Options);
        await using var ctx = await db.Factory.CreateDbContextAsync();
        await ctx.Database.MigrateAsync();
        return db;
    }

    /// <summary>Adds a department under <paramref name="parent"/> (root when null) with its path set.</summary>
    public async Task<Department> AddDepartmentAsync(string name, Department? parent = null)
    {
        await using var ctx = await Factory.CreateDbContextAsync();
        var d = new Department(name);
        if (parent is not null)
        {
            ctx.Attach(parent);
            d = new Department(name, parent);
        }

        ctx.Departments.Add(d);
        await ctx.SaveChangesAsync();
        d.RefreshPath(parent?.Path);
        await ctx.SaveChangesAsync();
        return d;
    }

    public async Task<PermissionGroup> AddPermissionGroupAsync(string name, Rights rights)
    {
        await using var ctx = await Factory.CreateDbContextAsync();
        var g = new PermissionGroup(name, rights);
        ctx.PermissionGroups.Add(g);
        await ctx.SaveChangesAsync();
        return g;
    }

    public async Task<StaffProfile> AddUserAsync(string login, string fullName, int departmentId, int groupId)
    {
        await using var ctx = await Factory.CreateDbContextAsync();
        var user = new AppUser { UserName = login, NormalizedUserName = login.ToUpperInvariant() };
        ctx.Users.Add(user);
        var profile = new StaffProfile(user.Id, login, fullName, departmentId, groupId);
        ctx.StaffProfiles.Add(profile);
        await ctx.SaveChangesAsync();
        return profile;
    }

    public async Task<int> AddRelationshipAsync(string name, bool isDefault = false)
    {
        await using var ctx = await Factory.CreateDbContextAsync();
        var r = new Relationship(name, "#43A047", null, await ctx.Relationships.CountAsync(), isDefault);
        ctx.Relationships.Add(r);
        await ctx.SaveChangesAsync();
        return r.Id;
    }

    public async Task<Customer> AddCustomerAsync(string name, string phone, int relationshipId, string? ownerId)
    {
        await using var ctx = await Factory.CreateDbContextAsync();
        var c = Customer.Create(new CustomerDetails { Name = name, Phone = phone }, relationshipId, ownerId, ownerId, DateTime.UtcNow);
        ctx.Customers.Add(c);
        await ctx.SaveChangesAsync();
        c.AssignGeneratedCode();
        await ctx.SaveChangesAsync();
        return c;
    }

    public async ValueTask DisposeAsync()
    {
        if (IsPostgres)
        {
            await using var ctx = await Factory.CreateDbContextAsync();
            await ctx.Database.DropAsync();
            return;
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        System.IO.File.Delete(File);
    }

    private sealed class UpcastFactory(DbContextOptions<SqliteCrmDbContext> options) : IDbContextFactory<CrmDbContext>
    {
        public CrmDbContext CreateDbContext() => new SqliteCrmDbContext(options);
    }

    private sealed class PostgresFactory(DbContextOptions<PostgresCrmDbContext> options) : IDbContextFactory<CrmDbContext>
    {
        public CrmDbContext CreateDbContext() => new PostgresCrmDbContext(options);
    }
}
