using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Domain.Relationships;
using CrmBlazor.Tests.TestSupport;
using CrmBlazor.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CrmBlazor.Tests.Integration;

/// <summary>
/// Issue 20: SQLite stores text of any length, so every text column's configured maximum is enforced before saving, as
/// PostgreSQL and SQL Server do, with a rule code naming the field instead of a provider error.
/// </summary>
public sealed class TextLengthGuardTests : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task Text_over_a_columns_maximum_is_refused_on_insert_and_update_and_nothing_is_written()
    {
        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            db.Relationships.Add(new Relationship(new string('r', 101), "#123456", null, 99));
            var ex = await Assert.ThrowsAsync<DomainException>(() => db.SaveChangesAsync());
            Assert.Equal("name", FieldLimits.FieldOf(ex.Code));
        }

        var id = await _db.AddRelationshipAsync("Tiềm năng");
        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            Assert.False(await db.Relationships.AnyAsync(r => r.Name.Length > 100));
            var department = new Department(new string('d', 151));
            db.Departments.Add(department);
            Assert.Equal("name", FieldLimits.FieldOf((await Assert.ThrowsAsync<DomainException>(() => db.SaveChangesAsync())).Code));
        }

        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            // Exactly the maximum is stored.
            db.Departments.Add(new Department(new string('d', 150)));
            await db.SaveChangesAsync();
            Assert.Equal(150, (await db.Departments.SingleAsync(d => d.Name.StartsWith("ddd"))).Name.Length);
            Assert.True(id > 0);
        }
    }

    [Fact]
    public async Task The_apps_pooled_contexts_come_back_clean_and_keep_the_guard()
    {
        var folder = Directory.CreateTempSubdirectory("crm-pool-").FullName;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Database:DataFolder"] = folder }).Build();
        await using var services = new ServiceCollection().AddLogging().AddCrmDatabase(configuration, folder).BuildServiceProvider();
        var factory = services.GetRequiredService<IDbContextFactory<CrmDbContext>>();
        CrmDbContext first;
        await using (var db = await factory.CreateDbContextAsync())
        {
            first = db;
            await db.Database.MigrateAsync();
            db.Relationships.Add(new Relationship(new string('r', 101), "#123456", null, 99));
            await Assert.ThrowsAsync<DomainException>(() => db.SaveChangesAsync());
            db.ChangeTracker.QueryTrackingBehavior = QueryTrackingBehavior.NoTracking;
        }

        await using (var db = await factory.CreateDbContextAsync())
        {
            // The same instance, handed out again: what the first user left in it is gone.
            Assert.Same(first, db);
            Assert.Empty(db.ChangeTracker.Entries());
            Assert.Equal(QueryTrackingBehavior.TrackAll, db.ChangeTracker.QueryTrackingBehavior);
            db.Departments.Add(new Department(new string('d', 151)));
            Assert.Equal("name", FieldLimits.FieldOf((await Assert.ThrowsAsync<DomainException>(() => db.SaveChangesAsync())).Code));
            Assert.False(await db.Relationships.AnyAsync());
        }
    }
}
