using System.Globalization;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.CustomFields;
using CrmBlazor.Features.CustomerDetail;
using CrmBlazor.Features.CustomFields;
using CrmBlazor.Features.Customers;
using CrmBlazor.Tests.Integration.Customers;
using Microsoft.EntityFrameworkCore;
using MiniExcelLibs;

namespace CrmBlazor.Tests.Integration.CustomFields;

/// <summary>Custom fields (R1.3): the admin's names are checked, the detail shows the values and the export has their columns.</summary>
public sealed class CustomFieldsTests : IAsyncLifetime
{
    private GridWorld _w = null!;
    private CustomFieldService _fields = null!;
    private int _tier, _revenue, _signed;

    public async Task InitializeAsync()
    {
        _w = await GridWorld.CreateAsync();
        _fields = new CustomFieldService(_w.Db.Factory);
        _tier = await _fields.AddAsync(_w.Admin, "Hạng thẻ", CustomFieldKind.Choice, ["Vàng", "Bạc"]);
        _revenue = await _fields.AddAsync(_w.Admin, "Doanh số năm", CustomFieldKind.Number, null);
        _signed = await _fields.AddAsync(_w.Admin, "Ngày ký", CustomFieldKind.Date, null);
    }

    public async Task DisposeAsync() => await _w.DisposeAsync();

    [Fact]
    public async Task A_built_in_name_or_a_name_in_use_is_refused_and_nothing_is_added()
    {
        var reserved = await Assert.ThrowsAsync<DomainException>(() => _fields.AddAsync(_w.Admin, "Điện thoại", CustomFieldKind.Text, null));
        Assert.Equal(CustomFieldCodes.NameReserved, reserved.Code);
        var english = await Assert.ThrowsAsync<DomainException>(() => _fields.AddAsync(_w.Admin, "Tax code", CustomFieldKind.Text, null));
        Assert.Equal(CustomFieldCodes.NameReserved, english.Code);
        var taken = await Assert.ThrowsAsync<DomainException>(() => _fields.AddAsync(_w.Admin, "hang the", CustomFieldKind.Text, null));
        Assert.Equal(CustomFieldCodes.NameTaken, taken.Code);
        var renamed = await Assert.ThrowsAsync<DomainException>(() => _fields.UpdateAsync(_w.Admin, _revenue, "Ngày ký", null));
        Assert.Equal(CustomFieldCodes.NameTaken, renamed.Code);

        Assert.Equal(["Hạng thẻ", "Doanh số năm", "Ngày ký"], (await _fields.ListAsync()).Select(f => f.Name));
    }

    [Fact]
    public async Task The_detail_lists_every_field_with_this_customers_values()
    {
        var form = (await _w.Service.GetFormAsync(_w.Lan, _w.LanCustomer))!;
        form.Custom[_tier] = "vàng";
        form.Custom[_revenue] = "1,234,567.5";
        form.Custom[_signed] = "31/01/2025";
        Assert.Equal(SaveStatus.Saved, (await _w.Service.SaveFormAsync(_w.Lan, form)).Status);

        var view = (await new CustomerDetailService(_w.Db.Factory).GetAsync(_w.Lan, _w.LanCustomer))!;
        Assert.Equal([("Hạng thẻ", "Vàng"), ("Doanh số năm", "1234567.5"), ("Ngày ký", "31/01/2025")],
            view.CustomFields.Select(f => (f.Name, f.Value)));
        Assert.Equal("1.234.567,5", view.CustomFields[1].Display(new CultureInfo("vi-VN")));

        // Another customer has the fields, without values.
        var other = (await new CustomerDetailService(_w.Db.Factory).GetAsync(_w.Lan, _w.LanCustomer2))!;
        Assert.Equal(3, other.CustomFields.Count);
        Assert.All(other.CustomFields, f => Assert.Null(f.Value));
    }

    [Fact]
    public async Task The_grid_rows_carry_the_values_of_the_customers_that_have_them_on_the_first_and_later_pages()
    {
        var form = (await _w.Service.GetFormAsync(_w.Lan, _w.LanCustomer))!;
        form.Custom[_tier] = "vàng";
        form.Custom[_revenue] = "42";
        Assert.Equal(SaveStatus.Saved, (await _w.Service.SaveFormAsync(_w.Lan, form)).Status);
        var expected = new Dictionary<int, string> { [_tier] = "Vàng", [_revenue] = "42" };

        // The first page is read in one statement, a later page by its ids: both read the values of those who have them.
        var all = await _w.Service.PageRowsAsync(_w.Lan, new CustomerListQuery { PageSize = 100 });
        Assert.True(all.Count >= 2);
        Assert.Equal(expected, all.Single(r => r.Id == _w.LanCustomer).Custom);
        Assert.All(all.Where(r => r.Id != _w.LanCustomer), r => Assert.Empty(r.Custom));
        var index = all.ToList().FindIndex(r => r.Id == _w.LanCustomer);
        var later = await _w.Service.PageRowsAsync(_w.Lan, new CustomerListQuery { Page = index, PageSize = 1 });
        Assert.Equal(expected, Assert.Single(later).Custom);
        Assert.Equal(expected, (await _w.Service.RowAsync(_w.Lan, _w.LanCustomer))!.Custom);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_export_has_a_column_per_custom_field_after_the_built_in_ones(bool csv)
    {
        var form = (await _w.Service.GetFormAsync(_w.Lan, _w.LanCustomer))!;
        form.Custom[_tier] = "Bạc";
        form.Custom[_revenue] = "-2500.75";
        Assert.Equal(SaveStatus.Saved, (await _w.Service.SaveFormAsync(_w.Lan, form)).Status);

        var path = Path.Combine(Path.GetTempPath(), $"export-cf-{Guid.NewGuid():N}.{(csv ? "csv" : "xlsx")}");
        try
        {
            Assert.Equal(2, await _w.Service.ExportToFileAsync(_w.Lan, new CustomerListQuery(), path, csv));
            var rows = MiniExcel.Query(path, useHeaderRow: true, excelType: csv ? ExcelType.CSV : ExcelType.XLSX).Cast<IDictionary<string, object?>>().ToList();
            Assert.Equal([.. CustomerService.ExportHeaders, "Hạng thẻ", "Doanh số năm", "Ngày ký"], rows[0].Keys);
            var duc = rows.Single(r => (string?)r["Tên khách hàng"] == "Đặng Văn Đức");
            Assert.Equal("Bạc", duc["Hạng thẻ"]);
            // A number field is a number cell (not neutralised text like "'-2500.75").
            Assert.Equal(-2500.75m, Convert.ToDecimal(duc["Doanh số năm"], CultureInfo.InvariantCulture));
            Assert.True(string.IsNullOrEmpty(duc["Ngày ký"]?.ToString()));
            var anh = rows.Single(r => (string?)r["Tên khách hàng"] == "Trần Thị Ánh");
            Assert.True(string.IsNullOrEmpty(anh["Hạng thẻ"]?.ToString()));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task An_empty_export_still_has_the_built_in_headers()
    {
        var path = Path.Combine(Path.GetTempPath(), $"export-cf-empty-{Guid.NewGuid():N}.xlsx");
        try
        {
            Assert.Equal(0, await _w.Service.ExportToFileAsync(_w.Lan, new CustomerListQuery { Search = "không ai cả" }, path, csv: false));
            var header = MiniExcel.Query(path, useHeaderRow: false).Cast<IDictionary<string, object?>>().First();
            Assert.Equal(CustomerService.ExportHeaders, header.Values.Select(v => v?.ToString()));
        }
        finally
        {
            File.Delete(path);
        }

        await using var db = await _w.Db.Factory.CreateDbContextAsync();
        Assert.Equal(3, await db.CustomFields.CountAsync());
    }
}
