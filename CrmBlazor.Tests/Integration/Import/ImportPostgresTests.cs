using CrmBlazor.Data;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Importing;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Domain.Relationships;
using CrmBlazor.Features.Import;
using CrmBlazor.Live;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using static CrmBlazor.Tests.Integration.Import.Sheets;

namespace CrmBlazor.Tests.Integration.Import;

/// <summary>The import on a real PostgreSQL server: batches inside one transaction, updates by phone, cancel, undo.</summary>
public sealed class ImportPostgresTests
{
    private sealed class Factory(DbContextOptions<PostgresCrmDbContext> options) : IDbContextFactory<CrmDbContext>
    {
        public CrmDbContext CreateDbContext() => new PostgresCrmDbContext(options);
    }

    [Fact]
    public async Task Imports_updates_cancels_and_undoes_on_PostgreSQL()
    {
        var database = "crm_import_" + Guid.NewGuid().ToString("N")[..12];
        var cs = new NpgsqlConnectionStringBuilder(PostgresTests.ServerConnectionString) { Database = database, Pooling = false }.ConnectionString;
        var options = new DbContextOptionsBuilder<PostgresCrmDbContext>().UseNpgsql(cs).Options;
        var factory = new Factory(options);
        try
        {
            string userId;
            int relationship;
            await using (var db = factory.CreateDbContext())
            {
                await db.Database.MigrateAsync();
                var dept = new Department("Công ty");
                var group = new PermissionGroup("Quản trị", Rights.All);
                var rel = new Relationship("Khách hàng mới", null, null, 0, isDefault: true);
                db.AddRange(dept, group, rel);
                await db.SaveChangesAsync();
                dept.RefreshPath(null);
                var user = new AppUser { UserName = "admin", NormalizedUserName = "ADMIN" };
                db.Users.Add(user);
                db.StaffProfiles.Add(new StaffProfile(user.Id, "admin", "Quản trị", dept.Id, group.Id));
                await db.SaveChangesAsync();
                userId = user.Id;
                relationship = rel.Id;
                var existing = Customer.Create(new CustomerDetails { Name = "Có sẵn", Phone = "0909000001" }, rel.Id, user.Id, user.Id, DateTime.UtcNow);
                db.Customers.Add(existing);
                await db.SaveChangesAsync();
                existing.AssignGeneratedCode();
                await db.SaveChangesAsync();
            }

            var admin = (await CurrentUser.LoadAsync(factory, userId))!;
            var service = new ImportService(factory, new InProcessLiveEventBus(NullLogger<InProcessLiveEventBus>.Instance), TimeProvider.System, new ImportLimits());
            var rows = Enumerable.Range(1, 1500).Select(i => Row(("Tên", $"Khách {i}"), ("SĐT", $"0908{i:D6}"), ("Tên người liên hệ", null))).ToList();
            rows.Add(Row(("Tên", "Có sẵn (đã cập nhật)"), ("SĐT", "84909000001"), ("Tên người liên hệ", null)));
            rows.Add(Row(("Tên", null), ("SĐT", null), ("Tên người liên hệ", "Người liên hệ thêm")));
            var sheet = service.ReadFile(admin, "pg.xlsx", Xlsx(rows));
            var mapping = await service.ProposeMappingAsync(admin, sheet.Headers);
            var opts = new ImportOptions { UpdateExisting = true };

            using (var cts = new CancellationTokenSource())
            {
                var progress = new Progress(p =>
                {
                    if (p.Done >= 1000)
                    {
                        cts.Cancel();
                    }
                });
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => service.ImportAsync(admin, sheet, mapping, opts, progress, cts.Token));
            }

            await using (var db = factory.CreateDbContext())
            {
                Assert.Equal(1, await db.Customers.CountAsync());
                Assert.Equal(0, await db.Set<ImportBatch>().CountAsync());
            }

            var result = await service.ImportAsync(admin, sheet, mapping, opts);
            Assert.Equal((1500, 1, 1), (result.Created, result.Updated, result.ContactsAdded));
            await using (var db = factory.CreateDbContext())
            {
                Assert.Equal(1501, await db.Customers.CountAsync(c => c.RelationshipId == relationship));
                Assert.Equal("Có sẵn (đã cập nhật)", await db.Customers.Where(c => c.Phone == "+84909000001").Select(c => c.Name).SingleAsync());
                Assert.Equal(1500, await db.Customers.CountAsync(c => c.Code!.StartsWith("KH")) - 1);
            }

            var undo = await service.UndoAsync(admin, result.BatchId);
            Assert.Equal((1500, 1, 0), (undo.Removed, undo.Restored, undo.LeftAlone.Count));
            await using (var db = factory.CreateDbContext())
            {
                var c = await db.Customers.Include(x => x.Contacts).SingleAsync();
                Assert.Equal("Có sẵn", c.Name);
                Assert.Empty(c.Contacts);
            }
        }
        finally
        {
            await using var db = factory.CreateDbContext();
            await db.Database.EnsureDeletedAsync();
        }
    }

    private sealed class Progress(Action<ImportProgress> report) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => report(value);
    }
}
