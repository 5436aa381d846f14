using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Importing;
using CrmBlazor.Features.Import;
using Microsoft.EntityFrameworkCore;
using static CrmBlazor.Tests.Integration.Import.Sheets;

namespace CrmBlazor.Tests.Integration.Import;

/// <summary>
/// The import reuses the rows the confirmed check parsed (issue 7 items 2, 5 and 10: a large sheet is parsed once and
/// held once) — but only while they still apply: the matching against existing customers is always done again in the
/// import's transaction, and a change to the reference data the rows were parsed against makes the import parse again.
/// </summary>
public sealed class ImportCheckReuseTests
{
    private static byte[] File() => Xlsx(
    [
        Row(("Tên khách hàng", "Nguyễn Văn An"), ("Điện thoại", "0912 000 001"), ("Nguồn khách hàng", "Website")),
        Row(("Tên khách hàng", "Trần Thị Bình"), ("Điện thoại", "0912 000 002"), ("Nguồn khách hàng", null)),
    ]);

    [Fact]
    public async Task The_checked_rows_are_reused_then_released_and_customers_added_meanwhile_are_matched_again()
    {
        await using var w = await ImportTestWorld.CreateAsync();
        var sheet = w.Service.ReadFile(w.Admin, "khach.xlsx", File());
        var mapping = await w.Service.ProposeMappingAsync(w.Admin, sheet.Headers);
        var options = new ImportOptions { UpdateExisting = true };
        var check = await w.Service.CheckAsync(w.Admin, sheet, mapping, options);
        Assert.Equal((2, 0), (check.Create, check.Update));
        var parsed = check.Rows;
        Assert.Equal(2, parsed.Count);

        // Between the check and the import a colleague adds Bình: the import updates her instead of creating a duplicate.
        var binh = await w.Db.AddCustomerAsync("Bình (cũ)", "0912000002", w.DefaultRelationship, w.Lan);
        var result = await w.Service.ImportAsync(w.Admin, sheet, mapping, options, checkedBefore: check);

        Assert.Equal((1, 1), (result.Created, result.Updated));
        Assert.Empty(check.Rows); // released: the job no longer holds a second copy
        await using var db = await w.Db.Factory.CreateDbContextAsync();
        Assert.Equal("Trần Thị Bình", await db.Customers.Where(c => c.Id == binh.Id).Select(c => c.Name).SingleAsync());
        var an = await db.Customers.SingleAsync(c => c.Name == "Nguyễn Văn An");
        Assert.Equal(await db.Sources.Where(s => s.Name == "Website").Select(s => (int?)s.Id).SingleAsync(), an.SourceId);
    }

    [Fact]
    public async Task Reference_data_changed_since_the_check_makes_the_import_parse_again()
    {
        await using var w = await ImportTestWorld.CreateAsync();
        var sheet = w.Service.ReadFile(w.Admin, "khach.xlsx", File());
        var mapping = await w.Service.ProposeMappingAsync(w.Admin, sheet.Headers);
        var check = await w.Service.CheckAsync(w.Admin, sheet, mapping, new ImportOptions());
        Assert.Equal((2, 0), (check.Create, check.Fail));

        // The source the first row names is renamed after the check: its parsed source id must not be used.
        await using (var db = await w.Db.Factory.CreateDbContextAsync())
        {
            await db.Database.ExecuteSqlRawAsync("UPDATE \"Sources\" SET \"Name\" = 'Trang web' WHERE \"Name\" = 'Website'");
        }

        var result = await w.Service.ImportAsync(w.Admin, sheet, mapping, new ImportOptions(), checkedBefore: check);

        Assert.Equal((1, 1), (result.Created, result.Failed));
        var failed = Assert.Single(result.Check.FailedRows);
        Assert.Equal(2, failed.RowNumber);
        Assert.Equal(ImportErrorCodes.SourceUnknown, Assert.Single(failed.Errors).Code);
    }

    [Fact]
    public async Task A_check_of_another_mapping_is_not_reused()
    {
        await using var w = await ImportTestWorld.CreateAsync();
        var sheet = w.Service.ReadFile(w.Admin, "khach.xlsx", File());
        var mapping = await w.Service.ProposeMappingAsync(w.Admin, sheet.Headers);
        var withoutSource = mapping.Select(f => f == ImportField.Source ? ImportField.Skip : f).ToArray();
        var check = await w.Service.CheckAsync(w.Admin, sheet, withoutSource, new ImportOptions());

        await w.Service.ImportAsync(w.Admin, sheet, mapping, new ImportOptions(), checkedBefore: check);

        await using var db = await w.Db.Factory.CreateDbContextAsync();
        Assert.NotNull(await db.Customers.Where(c => c.Name == "Nguyễn Văn An").Select(c => c.SourceId).SingleAsync());
    }

    [Fact]
    public void Every_import_field_fits_the_bit_set_of_filled_fields()
    {
        Assert.True(Enum.GetValues<ImportField>().Max(f => (int)f) < 32);
        var set = default(ImportFieldSet).With(ImportField.ContactNote).With(ImportField.Name);
        Assert.True(set.Contains(ImportField.ContactNote) && set.Contains(ImportField.Name) && !set.Contains(ImportField.Phone));
        Assert.True(set.Any(f => f == ImportField.ContactNote));
        Assert.False(set.Any(f => f == ImportField.Skip));
    }
}
