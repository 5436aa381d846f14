using CrmBlazor.Tests.TestSupport;
using CrmBlazor.Data;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.CustomFields;
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
            var (userId, relationship) = await SeedAsync(factory);
            await using (var db = factory.CreateDbContext())
            {
                var existing = Customer.Create(new CustomerDetails { Name = "Có sẵn", Phone = "0909000001" }, relationship, userId, userId, DateTime.UtcNow);
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
                // Change log and batch items go in as column arrays: one statement per chunk.
                Assert.Equal(1500, await db.ChangeLog.CountAsync(l => l.Origin == ImportService.Origin && l.Field == "Imported"));
                var renamed = await db.ChangeLog.SingleAsync(l => l.Origin == ImportService.Origin && l.Field == "Name");
                var batch = await db.Set<ImportBatch>().SingleAsync();
                Assert.Equal(("Có sẵn", "Có sẵn (đã cập nhật)", batch.StartedAt, userId), (renamed.OldValue, renamed.NewValue, renamed.At, renamed.UserId));
                Assert.Equal(1501, await db.Set<ImportBatchItem>().CountAsync(i => i.BatchId == batch.Id));
            }

            // Two undos of the same import at once: the batch's row lock makes the second wait and then refuses it.
            var undos = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
            {
                try
                {
                    return (Result: await service.UndoAsync(admin, result.BatchId), Code: (string?)null);
                }
                catch (CrmBlazor.Domain.Common.DomainException ex)
                {
                    return (Result: (UndoResult?)null, Code: (string?)ex.Code);
                }
            })));
            var undo = Assert.Single(undos, u => u.Result is not null).Result!;
            Assert.Equal("import.undo-closed", Assert.Single(undos, u => u.Result is null).Code);
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
            await db.Database.DropAsync();
        }
    }

    /// <summary>Scale-out: two app instances import the same file at once into one PostgreSQL database. Imports take
    /// turns (a transaction-scoped advisory lock), so the second one's check inside its transaction sees the customers
    /// the first committed and skips them: each customer exists once.</summary>
    [Fact]
    public async Task Two_imports_of_the_same_file_at_once_create_its_customers_once()
    {
        var database = "crm_import_twice_" + Guid.NewGuid().ToString("N")[..12];
        var cs = new NpgsqlConnectionStringBuilder(PostgresTests.ServerConnectionString) { Database = database, Pooling = false }.ConnectionString;
        var factory = new Factory(new DbContextOptionsBuilder<PostgresCrmDbContext>().UseNpgsql(cs).Options);
        try
        {
            var (userId, _) = await SeedAsync(factory);
            var admin = (await CurrentUser.LoadAsync(factory, userId))!;
            var file = Xlsx(Enumerable.Range(1, 1500).Select(i => Row(("Tên", $"Khách {i}"), ("SĐT", $"0907{i:D6}"))).ToList());
            var imports = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
            {
                // Each "instance" with its own service, as two app processes would have.
                var service = new ImportService(factory, new InProcessLiveEventBus(NullLogger<InProcessLiveEventBus>.Instance), TimeProvider.System, new ImportLimits());
                var sheet = service.ReadFile(admin, "twice.xlsx", file);
                return await service.ImportAsync(admin, sheet, await service.ProposeMappingAsync(admin, sheet.Headers), new ImportOptions());
            })).ToList();
            var results = await Task.WhenAll(imports);

            Assert.Equal((1500, 1500), (results.Sum(r => r.Created), results.Sum(r => r.Skipped)));
            await using var db = factory.CreateDbContext();
            Assert.Equal(1500, await db.Customers.CountAsync());
            Assert.Equal(1500, await db.Customers.Select(c => c.Phone).Distinct().CountAsync());
        }
        finally
        {
            await using var db = factory.CreateDbContext();
            await db.Database.DropAsync();
        }
    }

    /// <summary>Custom fields (#19, R1.3) through the PostgreSQL set-based writes: values on created and updated customers
    /// (a blank cell leaves one), a bad number fails its row, and undo takes them back.</summary>
    [Fact]
    public Task Custom_field_values_are_imported_and_undone_on_PostgreSQL() => InNewDatabaseAsync("crm_import_cf_", async factory =>
    {
        var (userId, relationship) = await SeedAsync(factory);
        int tier, revenue, existingId;
        await using (var db = factory.CreateDbContext())
        {
            var tierField = new CustomFieldDefinition("Hạng thẻ", CustomFieldKind.Choice, ["Vàng", "Bạc"]);
            var revenueField = new CustomFieldDefinition("Doanh số", CustomFieldKind.Number, position: 1);
            db.CustomFields.AddRange(tierField, revenueField);
            var existing = Customer.Create(new CustomerDetails { Name = "Có sẵn", Phone = "0909000001" }, relationship, userId, userId, DateTime.UtcNow);
            db.Customers.Add(existing);
            await db.SaveChangesAsync();
            existing.AssignGeneratedCode();
            existing.SetCustomValue(tierField, "Bạc");
            existing.SetCustomValue(revenueField, "3");
            await db.SaveChangesAsync();
            (tier, revenue, existingId) = (tierField.Id, revenueField.Id, existing.Id);
        }

        var admin = (await CurrentUser.LoadAsync(factory, userId))!;
        var service = new ImportService(factory, new InProcessLiveEventBus(NullLogger<InProcessLiveEventBus>.Instance), TimeProvider.System, new ImportLimits());
        var sheet = service.ReadFile(admin, "cf.xlsx", Xlsx(
        [
            Row(("Tên", "Có sẵn"), ("SĐT", "0909000001"), ("Hạng thẻ", "Vàng"), ("Doanh số", null)),
            Row(("Tên", "Mới"), ("SĐT", "0909000002"), ("Hạng thẻ", "bac"), ("Doanh số", 12.5)),
            Row(("Tên", "Sai"), ("SĐT", "0909000003"), ("Hạng thẻ", null), ("Doanh số", "nhiều")),
        ]));
        var mapping = await service.ProposeMappingAsync(admin, sheet.Headers);
        Assert.Equal([ImportFields.Custom(tier), ImportFields.Custom(revenue)], mapping.Skip(2));
        var result = await service.ImportAsync(admin, sheet, mapping, new ImportOptions { UpdateExisting = true });
        Assert.Equal((1, 1, 1), (result.Created, result.Updated, result.Failed));

        async Task<List<(int, int, string)>> ValuesAsync()
        {
            await using var db = factory.CreateDbContext();
            return await db.CustomFieldValues.OrderBy(v => v.CustomerId).ThenBy(v => v.FieldId)
                .Select(v => new ValueTuple<int, int, string>(v.CustomerId, v.FieldId, v.Value)).ToListAsync();
        }

        var values = await ValuesAsync();
        var newId = values.Select(v => v.Item1).Distinct().Single(id => id != existingId);
        Assert.Equal([(existingId, tier, "Vàng"), (existingId, revenue, "3"), (newId, tier, "Bạc"), (newId, revenue, "12.5")], values);
        await using (var db = factory.CreateDbContext())
        {
            Assert.Equal(("Bạc", "Vàng"), await db.ChangeLog.Where(l => l.CustomerId == existingId && l.Field == Customer.CustomFieldKey(tier))
                .Select(l => new ValueTuple<string?, string?>(l.OldValue, l.NewValue)).SingleAsync());
        }

        var undo = await service.UndoAsync(admin, result.BatchId);
        Assert.Equal((1, 1), (undo.Removed, undo.Restored));
        Assert.Equal([(existingId, tier, "Bạc"), (existingId, revenue, "3")], await ValuesAsync());
    });

    /// <summary>#21 through the PostgreSQL set-based writes: the customer row's contact is primary and a continuation's never
    /// (R3.4); an overwrite by code with no phone or e-mail moves the stage, a blank stage to the first (R2.6c); undo restores it.</summary>
    [Fact]
    public Task Primary_contacts_and_change_stage_by_upload_on_PostgreSQL() => InNewDatabaseAsync("crm_import_gf_", async factory =>
    {
        var (userId, first) = await SeedAsync(factory);
        int purchased, existingId;
        await using (var db = factory.CreateDbContext())
        {
            var rel = new Relationship("Đã mua hàng", null, null, 1);
            db.Relationships.Add(rel);
            await db.SaveChangesAsync();
            var existing = Customer.Create(new CustomerDetails { Name = "Khách cũ", Phone = "0909000001" }, rel.Id, userId, userId, DateTime.UtcNow, "GF-0001");
            db.Customers.Add(existing);
            await db.SaveChangesAsync();
            (purchased, existingId) = (rel.Id, existing.Id);
        }

        var admin = (await CurrentUser.LoadAsync(factory, userId))!;
        var service = new ImportService(factory, new InProcessLiveEventBus(NullLogger<InProcessLiveEventBus>.Instance), TimeProvider.System, new ImportLimits());
        var sheet = service.ReadFile(admin, "gf.xlsx", Xlsx(
        [
            Row(("Mã khách hàng", "GF-0001"), ("Tên", "Khách cũ"), ("SĐT", null), ("Mối quan hệ", null), ("Tên liên hệ", null)),
            Row(("Mã khách hàng", null), ("Tên", "Khách mới"), ("SĐT", "0909000002"), ("Mối quan hệ", "Đã mua hàng"), ("Tên liên hệ", "Chị Lan")),
            Row(("Mã khách hàng", null), ("Tên", null), ("SĐT", null), ("Mối quan hệ", null), ("Tên liên hệ", "Anh Tú")),
            Row(("Mã khách hàng", null), ("Tên", "Không liên hệ"), ("SĐT", "0909000003"), ("Mối quan hệ", null), ("Tên liên hệ", null)),
            Row(("Mã khách hàng", null), ("Tên", null), ("SĐT", null), ("Mối quan hệ", null), ("Tên liên hệ", "Chị Mai")),
        ]));
        var mapping = await service.ProposeMappingAsync(admin, sheet.Headers);
        var result = await service.ImportAsync(admin, sheet, mapping, new ImportOptions { OverwriteByCode = true });
        Assert.Equal((2, 1, 0, 3), (result.Created, result.Updated, result.Failed, result.ContactsAdded));
        await using (var db = factory.CreateDbContext())
        {
            Assert.Equal(first, await db.Customers.Where(c => c.Id == existingId).Select(c => c.RelationshipId).SingleAsync());
            var contacts = await db.Contacts.OrderBy(c => c.Name).Select(c => new ValueTuple<string, bool>(c.Name, c.IsPrimary)).ToListAsync();
            Assert.Equal([("Anh Tú", false), ("Chị Lan", true), ("Chị Mai", false)], contacts);
        }

        var undo = await service.UndoAsync(admin, result.BatchId);
        Assert.Equal((2, 1), (undo.Removed, undo.Restored));
        await using (var db = factory.CreateDbContext())
        {
            Assert.Equal(purchased, await db.Customers.Where(c => c.Id == existingId).Select(c => c.RelationshipId).SingleAsync());
            Assert.Equal(0, await db.Contacts.CountAsync());
        }
    });

    /// <summary>
    /// The import and its undo write their stage changes' stays with the rows (no rebuild after them) and keep the report
    /// tallies through the statement triggers: after an import that moves customers, a second that moves them back (stays
    /// starting at the first import's changes) and the undo of the second, every stay and tally equals its rebuild (R8).
    /// </summary>
    [Fact]
    public Task Stage_changes_by_import_and_undo_keep_stays_and_report_tallies_exact_on_PostgreSQL() => InNewDatabaseAsync("crm_import_st_", async factory =>
    {
        var (userId, first) = await SeedWithCustomersAsync(factory, 40);

        var admin = (await CurrentUser.LoadAsync(factory, userId))!;
        var service = new ImportService(factory, new InProcessLiveEventBus(NullLogger<InProcessLiveEventBus>.Instance), TimeProvider.System, new ImportLimits());

        async Task<int> MoveAsync(string stage, int count)
        {
            var sheet = service.ReadFile(admin, "st.xlsx", Xlsx(Enumerable.Range(0, count)
                .Select(i => Row(("Tên", $"Khách {i}"), ("SĐT", $"09090000{i:D2}"), ("Mối quan hệ", stage)))));
            var result = await service.ImportAsync(admin, sheet, await service.ProposeMappingAsync(admin, sheet.Headers),
                new ImportOptions { UpdateExisting = true });
            Assert.Equal(count, result.Updated);
            return result.BatchId;
        }

        async Task AssertExactAsync(int stageChanges)
        {
            await using var db = factory.CreateDbContext();
            var (kept, keptTallies) = await AssertStaysAndTalliesEqualTheirRebuildAsync(db);
            Assert.Equal(stageChanges, kept.Count);
            Assert.All(kept, x => Assert.NotNull(x.StageSince));
            Assert.Contains(keptTallies, x => x.Kind == ReportTallies.StaysByDay);
        }

        await MoveAsync("Đã mua hàng", 40);
        await AssertExactAsync(40);
        var back = await MoveAsync("Khách hàng mới", 25);
        await AssertExactAsync(65);
        var undo = await service.UndoAsync(admin, back);
        Assert.Equal(25, undo.Restored);
        await AssertExactAsync(90);
    });

    /// <summary>
    /// An import longer than one PostgreSQL chunk, whose change log and batch items of a chunk are written while the next
    /// chunk is applied: rows of the second chunk update customers the first created and customers the first already
    /// moved. Every change log row and batch item is written, each item holds its customer's final version, the stays and
    /// tallies equal their rebuild (R8), and undo takes it all back (R6).
    /// </summary>
    [Fact]
    public Task An_import_longer_than_one_chunk_writes_every_change_and_batch_item_and_undoes_on_PostgreSQL() => InNewDatabaseAsync("crm_import_ch_", async factory =>
    {
        var (userId, first) = await SeedWithCustomersAsync(factory, 30);

        // Rows 0–29 move the existing customers (first chunk); then new customers; the last 30 rows (second chunk) move 20
        // customers the first chunk created and move 10 existing ones back.
        var n = ImportBulkRows.PostgresChunk + 60;
        string NewPhone(int i) => $"0908{i:D6}";
        var rows = Enumerable.Range(0, n).Select(i => i switch
        {
            < 30 => Row(("Tên", $"Khách {i}"), ("SĐT", $"09090000{i:D2}"), ("Mối quan hệ", "Đã mua hàng")),
            _ when i >= n - 10 => Row(("Tên", $"Khách {i - (n - 10)}"), ("SĐT", $"09090000{i - (n - 10):D2}"), ("Mối quan hệ", "Khách hàng mới")),
            _ when i >= n - 30 => Row(("Tên", $"Mới {100 + i - (n - 30)}"), ("SĐT", NewPhone(100 + i - (n - 30))), ("Mối quan hệ", "Đã mua hàng")),
            _ => Row(("Tên", $"Mới {i}"), ("SĐT", NewPhone(i)), ("Mối quan hệ", null)),
        });
        var admin = (await CurrentUser.LoadAsync(factory, userId))!;
        var service = new ImportService(factory, new InProcessLiveEventBus(NullLogger<InProcessLiveEventBus>.Instance), TimeProvider.System, new ImportLimits());
        var sheet = service.ReadFile(admin, "ch.xlsx", Xlsx(rows));
        var result = await service.ImportAsync(admin, sheet, await service.ProposeMappingAsync(admin, sheet.Headers),
            new ImportOptions { UpdateExisting = true });
        var created = n - 60;
        Assert.Equal((created, 60, 0), (result.Created, result.Updated, result.Failed));

        await using (var db = factory.CreateDbContext())
        {
            Assert.Equal(created, await db.ChangeLog.CountAsync(e => e.Field == "Imported"));
            Assert.Equal(60, await db.ChangeLog.CountAsync(e => e.Field == StageStays.Field));
            var items = await db.Set<ImportBatchItem>().Where(i => i.BatchId == result.BatchId)
                .Select(i => new { i.CustomerId, i.VersionAfter }).ToListAsync();
            Assert.Equal(created + 30, items.Count);
            var versions = await db.Customers.ToDictionaryAsync(c => c.Id, c => c.Version);
            Assert.All(items, i => Assert.Equal(versions[i.CustomerId], i.VersionAfter));
            Assert.Equal(20, await db.Customers.CountAsync(c => c.Name.StartsWith("Mới") && c.RelationshipId != first));
            Assert.Equal(10, await db.Customers.CountAsync(c => c.Name.StartsWith("Khách") && c.RelationshipId == first));
            await AssertStaysAndTalliesEqualTheirRebuildAsync(db);
        }

        var undo = await service.UndoAsync(admin, result.BatchId);
        Assert.Equal((created, 30, 0), (undo.Removed, undo.Restored, undo.LeftAlone.Count));
        await using (var db = factory.CreateDbContext())
        {
            Assert.Equal(30, await db.Customers.CountAsync(c => c.RelationshipId == first));
            Assert.Equal(30, await db.Customers.CountAsync());
            // The created customers' changes went with them; the 20 customers the import left moved were moved back.
            Assert.Equal(30, await db.ChangeLog.CountAsync(e => e.Field == StageStays.Field && e.NewValue == first.ToString()));
            await AssertStaysAndTalliesEqualTheirRebuildAsync(db);
        }
    });

    /// <summary>
    /// Asserts that every stage change's stay and every report tally equal what a rebuild from the rows gives (R8; the
    /// rebuild is rolled back), and returns them as stored.
    /// </summary>
    private static async Task<(List<(long Id, DateTime? StageSince)> Stays, List<(int Kind, DateTime At, string OwnerId, int Key, int Days, int Count)> Tallies)>
        AssertStaysAndTalliesEqualTheirRebuildAsync(CrmDbContext db)
    {
        var stays = db.ChangeLog.Where(e => e.Field == StageStays.Field).OrderBy(e => e.Id).Select(e => new ValueTuple<long, DateTime?>(e.Id, e.StageSince));
        var tallies = (IQueryable<ReportTally> t) => t.OrderBy(x => x.Kind).ThenBy(x => x.At).ThenBy(x => x.OwnerId).ThenBy(x => x.Key).ThenBy(x => x.Days)
            .Select(x => new ValueTuple<int, DateTime, string, int, int, int>(x.Kind, x.At, x.OwnerId, x.Key, x.Days, x.Count)).ToListAsync();
        var kept = await stays.ToListAsync();
        var keptTallies = await tallies(db.ReportTallies.Where(x => x.Count != 0 || x.Cents != 0));
        await using var tx = await db.Database.BeginTransactionAsync();
        await StageStays.RebuildAsync(db, null);
        await db.Database.ExecuteSqlRawAsync(ReportTallies.RebuildSql(db.Database.ProviderName!));
        Assert.Equal(kept, await stays.ToListAsync());
        Assert.Equal(keptTallies, await tallies(db.ReportTallies));
        await tx.RollbackAsync();
        return (kept, keptTallies);
    }

    /// <summary>The seed plus a second stage and <paramref name="count"/> customers at the first, phones 0909000000 on.</summary>
    private static async Task<(string UserId, int RelationshipId)> SeedWithCustomersAsync(Factory factory, int count)
    {
        var (userId, first) = await SeedAsync(factory);
        await using var db = factory.CreateDbContext();
        db.Relationships.Add(new Relationship("Đã mua hàng", null, null, 1));
        for (var i = 0; i < count; i++)
        {
            db.Customers.Add(Customer.Create(new CustomerDetails { Name = $"Khách {i}", Phone = $"09090000{i:D2}" }, first, userId, userId,
                DateTime.UtcNow.AddDays(-i)));
        }

        await db.SaveChangesAsync();
        return (userId, first);
    }

    /// <summary>Runs <paramref name="test"/> against a fresh database on the test server, dropped afterwards.</summary>
    private static async Task InNewDatabaseAsync(string prefix, Func<Factory, Task> test)
    {
        var cs = new NpgsqlConnectionStringBuilder(PostgresTests.ServerConnectionString)
        {
            Database = prefix + Guid.NewGuid().ToString("N")[..12], Pooling = false,
        }.ConnectionString;
        var factory = new Factory(new DbContextOptionsBuilder<PostgresCrmDbContext>().UseNpgsql(cs).Options);
        try
        {
            await test(factory);
        }
        finally
        {
            await using var db = factory.CreateDbContext();
            await db.Database.DropAsync();
        }
    }

    /// <summary>Migrates the database and adds a department, an all-rights group, a default relationship and an admin.</summary>
    private static async Task<(string UserId, int RelationshipId)> SeedAsync(Factory factory)
    {
        await using var db = factory.CreateDbContext();
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
        return (user.Id, rel.Id);
    }

    [Fact]
    public async Task Rows_written_from_column_arrays_match_what_SaveChanges_stores_and_a_stale_version_is_not_updated()
    {
        // The import's PostgreSQL writes (issue 7 item 10): one statement per chunk with every column as a text[]
        // parameter cast back to its type; a row must come out exactly as SaveChanges writes it.
        var database = "crm_arrays_" + Guid.NewGuid().ToString("N")[..12];
        var cs = new NpgsqlConnectionStringBuilder(PostgresTests.ServerConnectionString) { Database = database, Pooling = false }.ConnectionString;
        var factory = new Factory(new DbContextOptionsBuilder<PostgresCrmDbContext>().UseNpgsql(cs).Options);
        try
        {
            int relationship;
            await using (var db = factory.CreateDbContext())
            {
                await db.Database.MigrateAsync();
                var rel = new Relationship("Tiềm năng", null, null, 0, isDefault: true);
                db.Add(rel);
                await db.SaveChangesAsync();
                relationship = rel.Id;
            }

            var at = new DateTime(2026, 11, 30, 8, 30, 15, 123, DateTimeKind.Utc).AddTicks(4567);
            Customer Make(string code)
            {
                var c = Customer.Create(new CustomerDetails
                {
                    Name = "Nguyễn Thị \"Ánh\" \\ 😀 ' ,{}", Phone = "+84912345678", Email = "anh@example.com", Birthday = new DateOnly(1990, 3, 5),
                    Gender = Gender.Female, Address = "Số 1, \"Phố\" Huế", Province = "Hà Nội",
                }, relationship, null, null, at, code);
                c.RecordContact(at.AddDays(-3));
                typeof(Customer).GetProperty(nameof(Customer.TotalPaid))!.SetValue(c, 1234567.89m);
                c.AddContact(new Contact("Người liên hệ", phone: "+84987654321", birthday: new DateOnly(1985, 12, 31), gender: Gender.Male));
                return c;
            }

            int viaEf;
            await using (var db = factory.CreateDbContext())
            {
                var c = Make("KH-EF");
                db.Customers.Add(c);
                await db.SaveChangesAsync();
                viaEf = c.Id;
            }

            await using (var db = factory.CreateDbContext())
            {
                await using var tx = await db.Database.BeginTransactionAsync();
                var c = Make("KH-DIRECT");
                typeof(Customer).GetProperty(nameof(Customer.Id))!.SetValue(c, viaEf + 1);
                Assert.Equal(1, await PostgresArrayRows.InsertAsync(db, [(c, null)], withGeneratedKey: true, null, CancellationToken.None));
                Assert.Equal(1, await PostgresArrayRows.InsertAsync(db, c.Contacts.Select(x => (x, (object?)c.Id)).ToList(), withGeneratedKey: false,
                    nameof(Contact.CustomerId), CancellationToken.None));
                await tx.CommitAsync();
            }

            await using (var db = factory.CreateDbContext())
            {
                // Every column but the generated keys, as PostgreSQL prints them.
                const string customer = "SELECT (to_jsonb(t) - 'Id')::text AS \"Value\" FROM \"Customers\" t WHERE t.\"Id\" = {0}";
                const string contact = "SELECT (to_jsonb(t) - 'Id' - 'CustomerId')::text AS \"Value\" FROM \"Contacts\" t WHERE t.\"CustomerId\" = {0}";
                async Task<string> Row(string sql, int id) => await db.Database.SqlQueryRaw<string>(sql, id).SingleAsync();
                var expected = await Row(customer, viaEf);
                Assert.Equal(expected.Replace("KH-EF", "KH-DIRECT", StringComparison.Ordinal).Replace("kh-ef", "kh-direct", StringComparison.Ordinal),
                    await Row(customer, viaEf + 1));
                Assert.Contains("1234567.89", expected, StringComparison.Ordinal);
                Assert.Equal(await Row(contact, viaEf), await Row(contact, viaEf + 1));
                var read = await db.Customers.AsNoTracking().SingleAsync(x => x.Id == viaEf + 1);
                Assert.Equal((1234567.89m, Gender.Female, new DateOnly(1990, 3, 5), at.AddTicks(-(at.Ticks % 10))), (read.TotalPaid, read.Gender, read.Birthday, read.CreatedAt));
            }

            await using (var db = factory.CreateDbContext())
            {
                await using var tx = await db.Database.BeginTransactionAsync();
                var c = await db.Customers.AsNoTracking().SingleAsync(x => x.Id == viaEf);
                var seen = c.Version;
                c.Update(new CustomerDetails { Name = "Tên mới", Phone = c.Phone }, "someone", DateTime.UtcNow);
                string[] columns = [nameof(Customer.Name), nameof(Customer.NameKey), nameof(Customer.SearchText), nameof(Customer.Version)];
                Assert.Equal(0, await PostgresArrayRows.UpdateAsync(db, [c], columns, nameof(Customer.Version), _ => seen + 1, CancellationToken.None));
                Assert.Equal(1, await PostgresArrayRows.UpdateAsync(db, [c], columns, nameof(Customer.Version), _ => seen, CancellationToken.None));
                await tx.CommitAsync();
            }

            await using (var db = factory.CreateDbContext())
            {
                var c = await db.Customers.AsNoTracking().SingleAsync(x => x.Id == viaEf);
                Assert.Equal(("Tên mới", "Số 1, \"Phố\" Huế"), (c.Name, c.Address));
            }
        }
        finally
        {
            await using var db = factory.CreateDbContext();
            await db.Database.DropAsync();
        }
    }

    private sealed class Progress(Action<ImportProgress> report) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => report(value);
    }
}
