using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Importing;
using CrmBlazor.Features.Import;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using static CrmBlazor.Tests.Integration.Import.Sheets;

namespace CrmBlazor.Tests.Integration.Import;

/// <summary>
/// The import's set-based writes on SQLite (issue 7 items 5 and 10): customers reach the table from JSON arrays in a
/// few statements per chunk, with the search index's merging relaxed during the import. The rows, the trigram index
/// and the index's settings must end exactly as row-by-row writes leave them, and a stale version still fails the import.
/// </summary>
public sealed class ImportStagedWritesTests
{
    [Fact]
    public async Task Several_chunks_of_new_and_updated_customers_leave_the_search_index_consistent_and_its_settings_as_they_were()
    {
        await using var w = await ImportTestWorld.CreateAsync();
        var existing = new List<Customer>();
        await using (var ctx = await w.Db.Factory.CreateDbContextAsync())
        {
            for (var i = 0; i < 1_300; i++)
            {
                var c = Customer.Create(new CustomerDetails { Name = $"Khách cũ {i}", Phone = $"0901{i:D6}", Address = "Địa chỉ cũ", Gender = Gender.Male },
                    w.DefaultRelationship, w.Lan, w.Lan, DateTime.UtcNow);
                ctx.Customers.Add(c);
                existing.Add(c);
            }

            await ctx.SaveChangesAsync();
            foreach (var c in existing)
            {
                c.AssignGeneratedCode();
            }

            await ctx.SaveChangesAsync();
        }

        // 2,600 rows (three chunks): every other row updates an existing customer by phone, with changing sets of fields
        // (some rename, some only move the address, some change the gender too); the others create customers.
        var rows = new List<Dictionary<string, object?>>();
        for (var i = 0; i < 2_600; i++)
        {
            var update = i % 2 == 0;
            var n = i / 2;
            rows.Add(Row(
                ("Tên khách hàng", update ? (n % 3 == 0 ? $"Khách cũ {n}" : $"Đổi tên {n}") : $"Khách mới {i}"),
                ("Điện thoại", update ? $"0901{n:D6}" : $"0902{i:D6}"),
                ("Địa chỉ", update && n % 3 == 0 ? $"Địa chỉ mới {n}" : null),
                ("Giới tính", update && n % 5 == 0 ? "Nữ" : null)));
        }

        var sheet = w.Service.ReadFile(w.Admin, "nhieu-dot.xlsx", Xlsx(rows));
        var mapping = await w.Service.ProposeMappingAsync(w.Admin, sheet.Headers);
        var result = await w.Service.ImportAsync(w.Admin, sheet, mapping, new ImportOptions { UpdateExisting = true });
        Assert.Equal((1_300, 1_300, 0), (result.Created, result.Updated, result.Failed));

        await using var db = await w.Db.Factory.CreateDbContextAsync();
        // The external-content trigram index agrees with every row of the table.
        await db.Database.ExecuteSqlRawAsync("INSERT INTO \"CustomerSearchFts\"(\"CustomerSearchFts\", rank) VALUES('integrity-check', 1)");
        // Merging as before the import (4 is FTS5's default when the setting is absent).
        Assert.Equal(4, await db.Database.SqlQueryRaw<int>("SELECT coalesce(max(\"v\"), 4) AS \"Value\" FROM \"CustomerSearchFts_config\" WHERE \"k\" = 'automerge'").SingleAsync());
        Task<int> Matches(string phrase) => ImportStagedWritesTests.Matches(db, phrase);
        Assert.Equal(1, await Matches("doi ten 1001 "));
        Assert.Equal(1, await Matches("khach moi 2599"));
        Assert.Equal(0, await Matches("khach cu 1001 ")); // renamed: the old text left the index
        Assert.Equal(1, await Matches("khach cu 999 ")); // kept its name

        var lastExisting = existing[^1].Id;
        var after = await db.Customers.AsNoTracking().Where(c => c.Id <= lastExisting).OrderBy(c => c.Id).ToListAsync();
        Assert.Equal(existing.Select(c => c.Id), after.Select(c => c.Id));
        for (var n = 0; n < after.Count; n++)
        {
            var c = after[n];
            Assert.Equal(n % 3 == 0 ? $"Khách cũ {n}" : $"Đổi tên {n}", c.Name);
            Assert.Equal(n % 3 == 0 ? $"Địa chỉ mới {n}" : "Địa chỉ cũ", c.Address);
            Assert.Equal(n % 5 == 0 ? Gender.Female : Gender.Male, c.Gender);
            Assert.Equal(existing[n].Code, c.Code);
            Assert.Equal(w.Lan, c.OwnerId);
            Assert.True(c.Version > existing[n].Version);
        }

        Assert.Equal(1_300, await db.ChangeLog.CountAsync(l => l.Origin == ImportService.Origin && l.Field == "Imported"));
        // Change log and batch items go in as JSON rows: stored with the types and texts EF Core writes and reads.
        Assert.Equal("integer|text|text|integer", await db.Database.SqlQueryRaw<string>(
            "SELECT typeof(l.\"CustomerId\") || '|' || typeof(l.\"At\") || '|' || typeof(l.\"UserId\") || '|' || typeof(i.\"Created\") AS \"Value\" " +
            "FROM \"ChangeLog\" l JOIN \"ImportBatchItems\" i ON i.\"CustomerId\" = l.\"CustomerId\" LIMIT 1").SingleAsync());
        var batch = await db.Set<ImportBatch>().SingleAsync();
        Assert.All(await db.ChangeLog.Where(l => l.Origin == ImportService.Origin).Select(l => new { l.At, l.UserId }).Distinct().ToListAsync(),
            l => Assert.Equal((batch.StartedAt, w.Admin.UserId), (l.At, l.UserId)));
        var renamed = await db.ChangeLog.SingleAsync(l => l.CustomerId == existing[1].Id && l.Field == "Name");
        Assert.Equal(("Khách cũ 1", "Đổi tên 1"), (renamed.OldValue, renamed.NewValue));
        Assert.Equal(2_600, await db.Set<ImportBatchItem>().CountAsync());
        Assert.Equal(1_300, await db.Set<ImportBatchItem>().CountAsync(i => i.Created && i.PreviousJson == null));
    }

    [Fact]
    public async Task A_customer_a_later_chunk_updates_again_keeps_one_batch_item_with_its_final_version_and_undo_restores_it()
    {
        // Batch items are written with their chunk (R3.5, issue 7 item 7): the first row updating the customer writes
        // its snapshot; the row 1,200 rows later (another chunk) updates it again, which must leave the item's version
        // the final one, or undo would think someone changed the customer since and leave it alone.
        await using var w = await ImportTestWorld.CreateAsync();
        var customer = await w.Db.AddCustomerAsync("Tên ban đầu", "0903000001", w.DefaultRelationship, w.Lan);
        var rows = new List<Dictionary<string, object?>> { Row(("Tên khách hàng", "Lần một"), ("Điện thoại", "0903000001"), ("Địa chỉ", null)) };
        for (var i = 1; i < 1_200; i++)
        {
            rows.Add(Row(("Tên khách hàng", $"Khách mới {i}"), ("Điện thoại", $"0904{i:D6}"), ("Địa chỉ", null)));
        }

        rows.Add(Row(("Tên khách hàng", "Lần hai"), ("Điện thoại", "0903000001"), ("Địa chỉ", "Địa chỉ lần hai")));
        var sheet = w.Service.ReadFile(w.Admin, "hai-lan.xlsx", Xlsx(rows));
        var mapping = await w.Service.ProposeMappingAsync(w.Admin, sheet.Headers);
        var result = await w.Service.ImportAsync(w.Admin, sheet, mapping, new ImportOptions { UpdateExisting = true });
        Assert.Equal((1_199, 2, 0), (result.Created, result.Updated, result.Failed));

        await using (var db = await w.Db.Factory.CreateDbContextAsync())
        {
            var after = await db.Customers.AsNoTracking().SingleAsync(c => c.Id == customer.Id);
            Assert.Equal(("Lần hai", "Địa chỉ lần hai"), (after.Name, after.Address));
            var item = await db.Set<ImportBatchItem>().SingleAsync(i => i.CustomerId == customer.Id);
            Assert.Equal((false, after.Version), (item.Created, item.VersionAfter));
            using var previous = System.Text.Json.JsonDocument.Parse(item.PreviousJson!);
            Assert.Equal("Tên ban đầu", previous.RootElement.GetProperty("Details").GetProperty("Name").GetString());
            Assert.Equal(1_200, await db.Set<ImportBatchItem>().CountAsync());
        }

        var undo = await w.Service.UndoAsync(w.Admin, result.BatchId);
        Assert.Equal((1_199, 1, 0), (undo.Removed, undo.Restored, undo.LeftAlone.Count));
        await using (var db = await w.Db.Factory.CreateDbContextAsync())
        {
            var restored = await db.Customers.AsNoTracking().SingleAsync(c => c.Id == customer.Id);
            Assert.Equal(("Tên ban đầu", null), (restored.Name, restored.Address));
            Assert.False(await db.Customers.AnyAsync(c => c.Name.StartsWith("Khách mới")));
        }
    }

    [Fact]
    public async Task The_search_index_written_after_the_rows_holds_each_customers_last_text_and_its_triggers_work_again()
    {
        // The import drops the index's insert and update triggers inside its transaction and writes the index in bulk
        // before the commit (#25): a customer the file creates and a later chunk renames, and an existing one renamed
        // twice in two chunks, must be found by their last names only, and saves after the import must reach the index.
        await using var w = await ImportTestWorld.CreateAsync();
        var existing = await w.Db.AddCustomerAsync("Tên ban đầu", "0903000001", w.DefaultRelationship, w.Lan);
        var rows = new List<Dictionary<string, object?>>
        {
            Row(("Tên khách hàng", "Khách tạo trước"), ("Điện thoại", "0905000001")),
            Row(("Tên khách hàng", "Đổi lần một"), ("Điện thoại", "0903000001")),
        };
        for (var i = 0; i < 1_200; i++)
        {
            rows.Add(Row(("Tên khách hàng", $"Khách chen {i}"), ("Điện thoại", $"0906{i:D6}")));
        }

        rows.Add(Row(("Tên khách hàng", "Khách đổi sau"), ("Điện thoại", "0905000001")));
        rows.Add(Row(("Tên khách hàng", "Đổi lần hai"), ("Điện thoại", "0903000001")));
        var sheet = w.Service.ReadFile(w.Admin, "doi-ten.xlsx", Xlsx(rows));
        var result = await w.Service.ImportAsync(w.Admin, sheet, await w.Service.ProposeMappingAsync(w.Admin, sheet.Headers),
            new ImportOptions { UpdateExisting = true });
        Assert.Equal((1_201, 3), (result.Created, result.Updated));

        await using (var db = await w.Db.Factory.CreateDbContextAsync())
        {
            await db.Database.ExecuteSqlRawAsync("INSERT INTO \"CustomerSearchFts\"(\"CustomerSearchFts\", rank) VALUES('integrity-check', 1)");
            Assert.Equal(new[] { 0, 1, 0, 0, 1, 1 }, new[] { await Matches(db, "khach tao truoc"), await Matches(db, "khach doi sau"), await Matches(db, "ten ban dau"),
                await Matches(db, "doi lan mot"), await Matches(db, "doi lan hai"), await Matches(db, "khach chen 1199 ") });
            Assert.Equal(3, await SearchTriggersAsync(db));
        }

        await w.Db.AddCustomerAsync("Khách lưu sau khi nhập", "0907000001", w.DefaultRelationship, w.Lan);
        var undo = await w.Service.UndoAsync(w.Admin, result.BatchId);
        Assert.Equal((1_201, 1), (undo.Removed, undo.Restored));
        await using (var db = await w.Db.Factory.CreateDbContextAsync())
        {
            await db.Database.ExecuteSqlRawAsync("INSERT INTO \"CustomerSearchFts\"(\"CustomerSearchFts\", rank) VALUES('integrity-check', 1)");
            Assert.Equal(new[] { 1, 1, 0, 0 }, new[] { await Matches(db, "khach luu sau khi nhap"), await Matches(db, "ten ban dau"), await Matches(db, "doi lan hai"),
                await Matches(db, "khach doi sau") });
            Assert.Equal(3, await SearchTriggersAsync(db));
        }
    }

    [Fact]
    public async Task A_cancelled_import_leaves_the_search_index_and_its_triggers_as_they_were()
    {
        await using var w = await ImportTestWorld.CreateAsync();
        await w.Db.AddCustomerAsync("Tên ban đầu", "0903000001", w.DefaultRelationship, w.Lan);
        var rows = Enumerable.Range(0, 2_500).Select(i => Row(("Tên khách hàng", $"Khách hủy {i}"), ("Điện thoại", $"0906{i:D6}"))).ToList();
        rows.Insert(0, Row(("Tên khách hàng", "Đổi rồi hủy"), ("Điện thoại", "0903000001")));
        var sheet = w.Service.ReadFile(w.Admin, "huy.xlsx", Xlsx(rows));
        var mapping = await w.Service.ProposeMappingAsync(w.Admin, sheet.Headers);
        using var cts = new CancellationTokenSource();
        var progress = new CancelAfter(2_000, cts);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            w.Service.ImportAsync(w.Admin, sheet, mapping, new ImportOptions { UpdateExisting = true }, progress, cts.Token));
        Assert.True(progress.Seen >= 2_000);

        await using var db = await w.Db.Factory.CreateDbContextAsync();
        Assert.Equal(3, await SearchTriggersAsync(db));
        await db.Database.ExecuteSqlRawAsync("INSERT INTO \"CustomerSearchFts\"(\"CustomerSearchFts\", rank) VALUES('integrity-check', 1)");
        Assert.Equal(new[] { 1, 0, 0 }, new[] { await Matches(db, "ten ban dau"), await Matches(db, "doi roi huy"), await Matches(db, "khach huy") });
        Assert.Equal(1, await db.Customers.CountAsync());
    }

    /// <summary>How many customers the search index finds for <paramref name="phrase"/> (a name that starts a customer's
    /// text); the tail index must find the same customers for the phrase without its first character.</summary>
    private static async Task<int> Matches(Data.CrmDbContext db, string phrase)
    {
        var whole = await db.Database
            .SqlQueryRaw<int>("SELECT rowid AS \"Value\" FROM \"CustomerSearchFts\" WHERE \"CustomerSearchFts\" MATCH {0} ORDER BY rowid", $"\"{phrase}\"").ToListAsync();
        var tail = await db.Database
            .SqlQueryRaw<int>("SELECT rowid AS \"Value\" FROM \"CustomerSearchTailFts\" WHERE \"CustomerSearchTailFts\" MATCH {0} ORDER BY rowid", $"\"{phrase[1..]}\"").ToListAsync();
        Assert.Equal(whole, tail);
        return whole.Count;
    }

    private static Task<int> SearchTriggersAsync(Data.CrmDbContext db) => db.Database.SqlQueryRaw<int>(
        "SELECT count(*) AS \"Value\" FROM sqlite_master WHERE \"type\" = 'trigger' AND \"name\" LIKE 'Customers_SearchFts_%'").SingleAsync();

    /// <summary>Cancels the import once it reports <paramref name="rows"/> rows written (reported synchronously).</summary>
    private sealed class CancelAfter(int rows, CancellationTokenSource cts) : IProgress<ImportProgress>
    {
        public int Seen { get; private set; }

        public void Report(ImportProgress value)
        {
            Seen = Math.Max(Seen, value.Done);
            if (value.Done >= rows)
            {
                cts.Cancel();
            }
        }
    }

    [Fact]
    public async Task A_customer_whose_version_moved_after_it_was_loaded_fails_the_staged_update()
    {
        await using var w = await ImportTestWorld.CreateAsync();
        var customer = await w.Db.AddCustomerAsync("Nguyễn Văn An", "0912345678", w.DefaultRelationship, w.Lan);
        await using var db = await w.Db.Factory.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        await using var direct = await DirectWrites.StartAsync(db, CancellationToken.None);
        var loaded = await db.Customers.AsNoTracking().Include(c => c.Contacts).Include(c => c.Groups).SingleAsync(c => c.Id == customer.Id);
        direct.Remember(loaded);
        // Someone else's change in between (on SQLite only this transaction could write; the check guards all the same).
        await db.Database.ExecuteSqlRawAsync("UPDATE \"Customers\" SET \"Version\" = \"Version\" + 1 WHERE \"Id\" = {0}", customer.Id);
        loaded.Update(new CustomerDetails { Name = "Nguyễn Văn Bình", Phone = "0912345678" }, w.Lan, DateTime.UtcNow);

        var error = await Assert.ThrowsAsync<DomainException>(() => direct.FlushAsync([], [loaded], CancellationToken.None));
        Assert.Equal("import.changed-meanwhile", error.Code);
    }

    [Fact]
    public async Task The_write_ahead_log_is_copied_into_the_database_after_the_commit_by_a_background_checkpoint()
    {
        await using var w = await ImportTestWorld.CreateAsync();
        // WAL, as the app runs SQLite (DatabaseInitializer). A connection stays open beside the import so that closing
        // the import's connection is not the last close, which would checkpoint by itself.
        await using var bystander = new SqliteConnection($"Data Source={w.Db.File};Pooling=False");
        await bystander.OpenAsync();
        await using (var wal = bystander.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode=WAL";
            Assert.Equal("wal", await wal.ExecuteScalarAsync());
        }

        var rows = Enumerable.Range(0, 300).Select(i => Row(("Tên khách hàng", $"Khách {i}"), ("Điện thoại", $"0903{i:D6}"))).ToList();
        var sheet = w.Service.ReadFile(w.Admin, "wal.xlsx", Xlsx(rows));
        var result = await w.Service.ImportAsync(w.Admin, sheet, await w.Service.ProposeMappingAsync(w.Admin, sheet.Headers), new ImportOptions());
        Assert.Equal(300, result.Created);
        await w.Service.PendingCheckpoint.WaitAsync(TimeSpan.FromSeconds(30));

        // The database file alone, copied without its log, holds the imported customers: the import's commit did not
        // checkpoint (its connection's automatic checkpoint is off) and the log is far below the 1,000 pages that would
        // trigger one anywhere else, so only the background checkpoint can have put them there.
        var copy = Path.Combine(Path.GetTempPath(), $"crm-wal-copy-{Guid.NewGuid():N}.db");
        File.Copy(w.Db.File, copy);
        try
        {
            await using var alone = new SqliteConnection($"Data Source={copy};Pooling=False");
            await alone.OpenAsync();
            await using var count = alone.CreateCommand();
            count.CommandText = "SELECT count(*) FROM \"Customers\" WHERE \"Name\" LIKE 'Khách %'";
            Assert.Equal(300L, await count.ExecuteScalarAsync());
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var file in new[] { copy, copy + "-wal", copy + "-shm" })
            {
                File.Delete(file);
            }
        }
    }
}
