using System.Globalization;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.CustomFields;
using CrmBlazor.Domain.Importing;
using CrmBlazor.Features.Import;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static CrmBlazor.Tests.Integration.Import.Sheets;

namespace CrmBlazor.Tests.Integration.Import;

/// <summary>
/// Custom fields in the import (#19, R1.3 "custom fields everywhere a built-in field is"), against a real SQLite
/// database: the mapping proposal, validation per row, values on created and updated customers, the change log, undo.
/// </summary>
public sealed class ImportCustomFieldTests
{
    private sealed record Fields(int Tier, int Revenue, int Signed);

    private static async Task<Fields> AddFieldsAsync(ImportTestWorld w) => await w.WithDb(async ctx =>
    {
        var tier = new CustomFieldDefinition("Hạng thẻ", CustomFieldKind.Choice, ["Vàng", "Bạc"], 0);
        var revenue = new CustomFieldDefinition("Doanh số", CustomFieldKind.Number, position: 1);
        var signed = new CustomFieldDefinition("Ngày ký", CustomFieldKind.Date, position: 2);
        ctx.CustomFields.AddRange(tier, revenue, signed);
        await ctx.SaveChangesAsync();
        return new Fields(tier.Id, revenue.Id, signed.Id);
    });

    private static async Task<Customer> AddCustomerAsync(ImportTestWorld w, string name, string phone, params (int FieldId, string Value)[] values) =>
        await w.WithDb(async ctx =>
        {
            var c = Customer.Create(new CustomerDetails { Name = name, Phone = phone }, w.DefaultRelationship, w.Lan, w.Lan, DateTime.UtcNow);
            ctx.Customers.Add(c);
            await ctx.SaveChangesAsync();
            c.AssignGeneratedCode();
            foreach (var (fieldId, value) in values)
            {
                c.SetCustomValue(await ctx.CustomFields.SingleAsync(f => f.Id == fieldId), value);
            }

            await ctx.SaveChangesAsync();
            return c;
        });

    private static Task<Dictionary<int, string>> ValuesAsync(ImportTestWorld w, int customerId) =>
        w.WithDb(ctx => ctx.CustomFieldValues.Where(v => v.CustomerId == customerId).ToDictionaryAsync(v => v.FieldId, v => v.Value));

    [Fact]
    public async Task A_header_named_like_a_custom_field_is_proposed_for_it_and_the_remembered_mapping_keeps_custom_columns()
    {
        await using var w = await ImportTestWorld.CreateAsync();
        var f = await AddFieldsAsync(w);
        string[] headers = ["Tên", "SĐT", "hang the", "DOANH SỐ", "Ngày ký HĐ"];

        var proposed = await w.Service.ProposeMappingAsync(w.Admin, headers);
        Assert.Equal([ImportField.Name, ImportField.Phone, ImportFields.Custom(f.Tier), ImportFields.Custom(f.Revenue), ImportField.Skip], proposed);

        // The user maps "Ngày ký HĐ" by hand; the next file with that header gets it again, stored readably.
        proposed[4] = ImportFields.Custom(f.Signed);
        await w.Service.RememberMappingAsync(w.Admin, headers, proposed);
        Assert.Equal(proposed, await w.Service.ProposeMappingAsync(w.Admin, headers));
        var json = await w.WithDb(ctx => ctx.Set<ImportMappingMemory>().Select(m => m.Json).SingleAsync());
        Assert.Contains($"\"cf:{f.Signed}\"", json);

        // A deleted field is neither proposed nor remembered.
        await w.WithDb(async ctx =>
        {
            (await ctx.CustomFields.SingleAsync(x => x.Id == f.Signed)).Delete();
            (await ctx.CustomFields.SingleAsync(x => x.Id == f.Tier)).Delete();
            return await ctx.SaveChangesAsync();
        });
        Assert.Equal([ImportField.Name, ImportField.Phone, ImportField.Skip, ImportFields.Custom(f.Revenue), ImportField.Skip],
            await w.Service.ProposeMappingAsync(w.Admin, headers));
        Assert.Equal([ImportFields.Custom(f.Revenue)], (await w.Service.ReferenceAsync()).CustomFields.Select(x => ImportFields.Custom(x.Id)));
    }

    [Fact]
    public async Task Created_and_updated_customers_get_their_custom_values_a_blank_cell_leaves_one_and_changes_are_logged()
    {
        await using var w = await ImportTestWorld.CreateAsync();
        var f = await AddFieldsAsync(w);
        var existing = await AddCustomerAsync(w, "Khách cũ", "0906000001", (f.Tier, "Bạc"), (f.Revenue, "5"));
        var bytes = Xlsx(
        [
            Row(("Tên", "Khách cũ"), ("SĐT", "0906000001"), ("Hạng thẻ", "vang"), ("Doanh số", null), ("Ngày ký", null)),
            Row(("Tên", "Khách mới"), ("SĐT", "0906000002"), ("Hạng thẻ", "Bạc"), ("Doanh số", 1234.5), ("Ngày ký", new DateTime(2026, 3, 5))),
            Row(("Tên", "Khách mới 2"), ("SĐT", "0906000003"), ("Hạng thẻ", null), ("Doanh số", "2,000"), ("Ngày ký", "05/04/2026")),
        ]);
        var sheet = w.Service.ReadFile(w.Sales, "tuy-chinh.xlsx", bytes);
        var mapping = await w.Service.ProposeMappingAsync(w.Sales, sheet.Headers);
        var options = new ImportOptions { UpdateExisting = true };

        var check = await w.Service.CheckAsync(w.Sales, sheet, mapping, options);
        Assert.True(check.Fail == 0, string.Join(";", check.FailedRows.SelectMany(r => r.Errors)));
        Assert.Equal((2, 1), (check.Create, check.Update));
        var result = await w.Service.ImportAsync(w.Sales, sheet, mapping, options, checkedBefore: check);
        Assert.Equal((2, 1), (result.Created, result.Updated));

        // Updated: the choice is stored as the field spells it; the blank revenue cell left 5 alone.
        Assert.Equal(new Dictionary<int, string> { [f.Tier] = "Vàng", [f.Revenue] = "5" }, await ValuesAsync(w, existing.Id));
        var ids = await w.WithDb(ctx => ctx.Customers.Where(c => c.Name.StartsWith("Khách mới")).OrderBy(c => c.Name).Select(c => c.Id).ToListAsync());
        Assert.Equal(new Dictionary<int, string> { [f.Tier] = "Bạc", [f.Revenue] = "1234.5", [f.Signed] = "05/03/2026" }, await ValuesAsync(w, ids[0]));
        Assert.Equal(new Dictionary<int, string> { [f.Revenue] = "2000", [f.Signed] = "05/04/2026" }, await ValuesAsync(w, ids[1]));

        await using var ctx = await w.Db.Factory.CreateDbContextAsync();
        var log = Assert.Single(await ctx.ChangeLog.Where(l => l.CustomerId == existing.Id && l.Field == Customer.CustomFieldKey(f.Tier)).ToListAsync());
        Assert.Equal(("Bạc", "Vàng", w.Sales.UserId, ImportService.Origin), (log.OldValue, log.NewValue, log.UserId, log.Origin));
        Assert.False(await ctx.ChangeLog.AnyAsync(l => l.CustomerId == existing.Id && l.Field == Customer.CustomFieldKey(f.Revenue)));
        Assert.True((await ctx.Customers.SingleAsync(c => c.Id == existing.Id)).Version > existing.Version);
    }

    [Fact]
    public async Task A_bad_number_date_or_choice_is_a_row_error_naming_the_field_and_a_rejected_import_writes_nothing()
    {
        await using var w = await ImportTestWorld.CreateAsync();
        var f = await AddFieldsAsync(w);
        var bytes = Xlsx(
        [
            Row(("Tên", "Đúng"), ("SĐT", "0906000001"), ("Hạng thẻ", "Vàng"), ("Doanh số", "10"), ("Ngày ký", null)),
            Row(("Tên", "Sai số"), ("SĐT", "0906000002"), ("Hạng thẻ", null), ("Doanh số", "mười"), ("Ngày ký", null)),
            Row(("Tên", "Sai lựa chọn"), ("SĐT", "0906000003"), ("Hạng thẻ", "Kim cương"), ("Doanh số", null), ("Ngày ký", "31/02/2026")),
        ]);
        var sheet = w.Service.ReadFile(w.Sales, "sai.xlsx", bytes);
        var mapping = await w.Service.ProposeMappingAsync(w.Sales, sheet.Headers);
        var before = await w.FingerprintAsync();

        var check = await w.Service.CheckAsync(w.Sales, sheet, mapping, new ImportOptions());
        Assert.Equal((1, 2), (check.Create, check.Fail));
        Assert.Equal([new ImportRowError(ImportErrorCodes.NumberInvalid, ImportFields.Custom(f.Revenue), "mười", "Doanh số")],
            check.FailedRows.Single(r => r.RowNumber == 3).Errors);
        Assert.Equal(
        [
            new ImportRowError(ImportErrorCodes.ChoiceInvalid, ImportFields.Custom(f.Tier), "Kim cương", "Hạng thẻ"),
            new ImportRowError(ImportErrorCodes.DateInvalid, ImportFields.Custom(f.Signed), "31/02/2026", "Ngày ký"),
        ], check.FailedRows.Single(r => r.RowNumber == 4).Errors);
        Assert.Equal(["Doanh số 'mười' không phải là số", "Hạng thẻ 'Kim cương' không nằm trong các lựa chọn của trường", "Ngày ký '31/02/2026' không phải ngày dạng dd/mm/yyyy"],
            InVietnamese(() => check.FailedRows.SelectMany(r => r.Errors).Select(e => ImportFeature.Describe(T, e)).ToList()));
        Assert.Equal(before, await w.FingerprintAsync());

        // The field is deleted between the check and the import: the import is refused whole and writes nothing.
        await w.WithDb(async ctx =>
        {
            (await ctx.CustomFields.SingleAsync(x => x.Id == f.Revenue)).Delete();
            return await ctx.SaveChangesAsync();
        });
        var refused = await Assert.ThrowsAsync<CrmBlazor.Domain.Common.DomainException>(() => w.Service.ImportAsync(w.Sales, sheet, mapping, new ImportOptions(), checkedBefore: check));
        Assert.Equal("import.custom-field-unknown", refused.Code);
        Assert.Equal(before, await w.FingerprintAsync());
        Assert.Equal(0, await w.WithDb(ctx => ctx.CustomFieldValues.CountAsync()));

        // Without that column the valid row goes in, and the failed rows' values are nowhere.
        mapping = mapping.Select(m => m == ImportFields.Custom(f.Revenue) ? ImportField.Skip : m).ToArray();
        var result = await w.Service.ImportAsync(w.Sales, sheet, mapping, new ImportOptions());
        Assert.Equal((2, 1), (result.Created, result.Failed));
        Assert.Equal([(f.Tier, "Vàng")], await w.WithDb(ctx => ctx.CustomFieldValues.Select(v => new ValueTuple<int, string>(v.FieldId, v.Value)).ToListAsync()));
    }

    [Fact]
    public async Task Undo_removes_the_created_customers_values_and_restores_the_updated_ones_even_a_choice_removed_since()
    {
        await using var w = await ImportTestWorld.CreateAsync();
        var f = await AddFieldsAsync(w);
        var existing = await AddCustomerAsync(w, "Khách cũ", "0906000001", (f.Tier, "Bạc"));
        var bytes = Xlsx(
        [
            Row(("Tên", "Khách cũ"), ("SĐT", "0906000001"), ("Hạng thẻ", "Vàng"), ("Doanh số", "7")),
            Row(("Tên", "Khách mới"), ("SĐT", "0906000002"), ("Hạng thẻ", "Bạc"), ("Doanh số", "9")),
        ]);
        var sheet = w.Service.ReadFile(w.Sales, "hoan-tac.xlsx", bytes);
        var result = await w.Service.ImportAsync(w.Sales, sheet, await w.Service.ProposeMappingAsync(w.Sales, sheet.Headers), new ImportOptions { UpdateExisting = true });
        Assert.Equal((1, 1), (result.Created, result.Updated));
        Assert.Equal(new Dictionary<int, string> { [f.Tier] = "Vàng", [f.Revenue] = "7" }, await ValuesAsync(w, existing.Id));
        Assert.Equal(4, await w.WithDb(ctx => ctx.CustomFieldValues.CountAsync()));

        // The admin drops "Bạc" from the choices after the import: undo still puts back what the customer had.
        await w.WithDb(async ctx =>
        {
            var tier = await ctx.CustomFields.SingleAsync(x => x.Id == f.Tier);
            tier.Rename(tier.Name, ["Vàng", "Kim cương"]);
            return await ctx.SaveChangesAsync();
        });
        var undo = await w.Service.UndoAsync(w.Sales, result.BatchId);
        Assert.Equal((1, 1), (undo.Removed, undo.Restored));

        Assert.Equal(new Dictionary<int, string> { [f.Tier] = "Bạc" }, await ValuesAsync(w, existing.Id));
        Assert.Equal(1, await w.WithDb(ctx => ctx.CustomFieldValues.CountAsync()));
        var restoreLog = await w.WithDb(ctx => ctx.ChangeLog.Where(l => l.CustomerId == existing.Id && l.Field == Customer.CustomFieldKey(f.Revenue))
            .OrderBy(l => l.Id).Select(l => new ValueTuple<string?, string?>(l.OldValue, l.NewValue)).ToListAsync());
        Assert.Equal([(null, "7"), ("7", null)], restoreLog);
    }

    private static readonly IStringLocalizer<ImportText> T =
        new StringLocalizer<ImportText>(new ResourceManagerStringLocalizerFactory(Options.Create(new LocalizationOptions()), NullLoggerFactory.Instance));

    private static TResult InVietnamese<TResult>(Func<TResult> f)
    {
        var before = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentUICulture = new CultureInfo("vi-VN");
            return f();
        }
        finally
        {
            CultureInfo.CurrentUICulture = before;
        }
    }
}
