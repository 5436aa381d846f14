using CrmBlazor.Data;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Tests.Integration.Import;

/// <summary>
/// The import's direct writes on SQLite (issue 7 item 10): a row written through a prepared statement is stored exactly
/// as SaveChanges stores it — same text for dates, decimals, enums and nulls — so every query reads both alike.
/// </summary>
public sealed class PreparedRowsTests
{
    private static CustomerDetails Details(string name) => new()
    {
        Name = name, Phone = "0912 345 678", Email = "an@example.vn", Address = "12 Lý Thường Kiệt", Birthday = new DateOnly(1990, 3, 5),
        Gender = Gender.Female, TaxCode = "0101234567", Country = "Việt Nam", Province = "Hà Nội", District = "Hoàn Kiếm",
        Website = "https://example.vn", Industry = "Bán lẻ",
    };

    [Fact]
    public async Task Inserted_and_updated_rows_match_what_SaveChanges_stores()
    {
        await using var database = await TestDatabase.CreateAsync();
        var relationship = await database.AddRelationshipAsync("Tiềm năng", isDefault: true);
        var at = new DateTime(2026, 11, 23, 8, 30, 15, 123, DateTimeKind.Utc).AddTicks(4567);
        int viaEf, direct;
        await using (var db = await database.Factory.CreateDbContextAsync())
        {
            var c = Customer.Create(Details("Nguyễn Thị Ánh"), relationship, null, null, at, "KH-EF");
            c.RecordContact(at.AddDays(-3));
            db.Customers.Add(c);
            await db.SaveChangesAsync();
            viaEf = c.Id;
            c.Update(Details("Nguyễn Thị Ánh Hồng") with { Email = null, Birthday = null }, "someone", at.AddHours(1));
            await db.SaveChangesAsync();
        }

        await using (var db = await database.Factory.CreateDbContextAsync())
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            var c = Customer.Create(Details("Nguyễn Thị Ánh"), relationship, null, null, at, "KH-DIRECT");
            c.RecordContact(at.AddDays(-3));
            typeof(Customer).GetProperty(nameof(Customer.Id))!.SetValue(c, viaEf + 1);
            await using (var insert = PreparedRows.Insert<Customer>(db, withGeneratedKey: true))
            {
                await insert.WriteAsync(c, CancellationToken.None);
            }

            var inserted = await RowAsync(db, c.Id);
            c.Update(Details("Nguyễn Thị Ánh Hồng") with { Email = null, Birthday = null }, "someone", at.AddHours(1));
            await using (var update = PreparedRows.Update<Customer>(db, ["Name", "NameKey", "SearchText", "Email", "Birthday", "Version", "UpdatedAt", "UpdatedById"]))
            {
                await update.WriteAsync(c, CancellationToken.None);
            }

            await tx.CommitAsync();
            direct = c.Id;
            Assert.NotEqual(inserted, await RowAsync(db, direct));
        }

        await using (var db = await database.Factory.CreateDbContextAsync())
        {
            var expected = await RowAsync(db, viaEf);
            var actual = await RowAsync(db, direct);
            Assert.Equal(expected.Replace("KH-EF", "KH-DIRECT", StringComparison.Ordinal).Replace("kh-ef", "kh-direct", StringComparison.Ordinal), actual);
            Assert.Contains("'2026-11-23 08:30:15.1234567'", actual, StringComparison.Ordinal);
            // The trigram index follows the direct writes (its triggers run for them as for any write).
            Assert.Equal(1, await db.Database.SqlQueryRaw<int>("SELECT count(*) AS \"Value\" FROM \"CustomerSearchFts\" WHERE \"CustomerSearchFts\" MATCH '\"anh hong kh-direct\"'").SingleAsync());
        }
    }

    [Fact]
    public async Task Rows_written_as_one_json_array_match_what_SaveChanges_stores()
    {
        await using var database = await TestDatabase.CreateAsync();
        var relationship = await database.AddRelationshipAsync("Tiềm năng", isDefault: true);
        var at = new DateTime(2026, 11, 23, 8, 30, 15, 123, DateTimeKind.Utc).AddTicks(4567);
        Customer Make(string code)
        {
            var c = Customer.Create(Details("Nguyễn Thị \"Ánh\" \\ 😀") with { Gender = Gender.Female }, relationship, null, null, at, code);
            c.RecordContact(at.AddDays(-3));
            typeof(Customer).GetProperty(nameof(Customer.TotalPaid))!.SetValue(c, 1234567.89m);
            return c;
        }

        int viaEf;
        await using (var db = await database.Factory.CreateDbContextAsync())
        {
            var c = Make("KH-EF");
            db.Customers.Add(c);
            await db.SaveChangesAsync();
            viaEf = c.Id;
        }

        await using (var db = await database.Factory.CreateDbContextAsync())
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            var c = Make("KH-DIRECT");
            typeof(Customer).GetProperty(nameof(Customer.Id))!.SetValue(c, viaEf + 1);
            Assert.Equal(1, await SqliteJsonRows.InsertAsync(db, [c], withGeneratedKey: true, CancellationToken.None));
            await tx.CommitAsync();
        }

        await using (var db = await database.Factory.CreateDbContextAsync())
        {
            var expected = await RowAsync(db, viaEf);
            Assert.Equal(expected.Replace("KH-EF", "KH-DIRECT", StringComparison.Ordinal).Replace("kh-ef", "kh-direct", StringComparison.Ordinal), await RowAsync(db, viaEf + 1));
            Assert.Contains("'1234567.89'", expected, StringComparison.Ordinal);
            var read = await db.Customers.AsNoTracking().SingleAsync(x => x.Id == viaEf + 1);
            Assert.Equal((1234567.89m, Gender.Female, new DateOnly(1990, 3, 5), at), (read.TotalPaid, read.Gender, read.Birthday, read.CreatedAt));
        }
    }

    [Fact]
    public async Task A_json_array_larger_than_its_first_pooled_buffer_writes_and_updates_every_row_intact()
    {
        // 1,200 customers with 300-character addresses: ~600 KB of JSON, so the pooled buffer grows several times and
        // the array bound is longer than the JSON (padded with spaces after it).
        await using var database = await TestDatabase.CreateAsync();
        var relationship = await database.AddRelationshipAsync("Tiềm năng", isDefault: true);
        var at = new DateTime(2026, 11, 23, 8, 30, 15, DateTimeKind.Utc);
        var customers = Enumerable.Range(1, 1200).Select(i =>
        {
            var c = Customer.Create(Details($"Khách {i}") with { Address = $"{i} " + new string('đ', 296) }, relationship, null, null, at, $"KH-{i}");
            typeof(Customer).GetProperty(nameof(Customer.Id))!.SetValue(c, i);
            return c;
        }).ToList();
        await using (var db = await database.Factory.CreateDbContextAsync())
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            Assert.Equal(1200, await SqliteJsonRows.InsertAsync(db, customers, withGeneratedKey: true, CancellationToken.None));
            foreach (var c in customers)
            {
                c.Update(Details($"Khách {c.Id} mới") with { Address = c.Address + "x" }, "someone", at.AddHours(1));
            }

            Assert.Equal(1200, await SqliteJsonRows.UpdateAsync(db, customers, ["Name", "Address", "Version"], nameof(Customer.Version), c => c.Version - 1, CancellationToken.None));
            await tx.CommitAsync();
        }

        await using (var db = await database.Factory.CreateDbContextAsync())
        {
            var stored = await db.Customers.AsNoTracking().OrderBy(c => c.Id).Select(c => new { c.Id, c.Name, c.Address }).ToListAsync();
            Assert.Equal(1200, stored.Count);
            Assert.Equal(customers.Select(c => (c.Id, c.Name, c.Address)), stored.Select(c => (c.Id, c.Name, c.Address)));
            Assert.Equal(("Khách 1200 mới", "1200 " + new string('đ', 296) + "x"), (stored[^1].Name, stored[^1].Address));
        }
    }

    [Fact]
    public async Task An_update_carrying_a_stale_version_is_refused()
    {
        await using var database = await TestDatabase.CreateAsync();
        var relationship = await database.AddRelationshipAsync("Tiềm năng", isDefault: true);
        var customer = await database.AddCustomerAsync("Nguyễn Văn An", "0912345678", relationship, null);
        await using var db = await database.Factory.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        var loaded = await db.Customers.AsNoTracking().SingleAsync(c => c.Id == customer.Id);
        var seen = loaded.Version;
        loaded.Update(Details("Nguyễn Văn Bình"), "someone", DateTime.UtcNow);
        await using var update = PreparedRows.Update<Customer>(db, ["Name", "NameKey", "SearchText", "Version"], nameof(Customer.Version));
        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => update.WriteAsync(loaded, CancellationToken.None, expected: seen + 1));
        await update.WriteAsync(loaded, CancellationToken.None, expected: seen);
        Assert.Equal("Nguyễn Văn Bình", await db.Customers.Where(c => c.Id == customer.Id).Select(c => c.Name).SingleAsync());
    }

    /// <summary>Every column but the id, as SQLite quotes it (type and text).</summary>
    private static async Task<string> RowAsync(CrmDbContext db, int id)
    {
        var columns = db.Model.FindEntityType(typeof(Customer))!.GetProperties().Where(p => !p.IsPrimaryKey()).Select(p => $"quote(\"{p.GetColumnName()}\")");
        var sql = $"SELECT {string.Join(" || '|' || ", columns)} AS \"Value\" FROM \"Customers\" WHERE \"Id\" = {id}";
        return await db.Database.SqlQueryRaw<string>(sql).SingleAsync();
    }
}
