using System.Net;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Tests.EndToEnd.Customers;
using CrmBlazor.Tests.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;
using MiniExcelLibs;

namespace CrmBlazor.Tests.Integration.Customers;

/// <summary>GET /customers/export through the real app: the download right (R7.2, R7.4), the scope (R7.3), the file.</summary>
public sealed class CustomerExportEndpointTests : IDisposable
{
    private readonly CrmAppFactory _app = new();

    public void Dispose() => _app.Dispose();

    private HttpClient Client() => _app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    [Fact]
    public async Task Export_is_refused_without_the_download_right_and_streams_only_visible_rows_with_it()
    {
        var noExport = await CustomerGridAppData.AddUserAsync(_app, "khongtai", "Không Được Tải", Rights.CustomersAccess | Rights.CustomersEdit);
        var seller = await CustomerGridAppData.AddUserAsync(_app, "lan", "Nguyễn Thị Lan", Rights.SalesDefault);
        await CustomerGridAppData.AddCustomerAsync(_app, "=cmd|' /C calc'!A0", "0912345678", seller);
        await CustomerGridAppData.AddCustomerAsync(_app, "Khách của người khác", "0987000111", noExport);

        var anonymous = await Client().GetAsync("/customers/export?format=csv");
        Assert.NotEqual(HttpStatusCode.OK, anonymous.StatusCode);

        var denied = Client();
        await FormPost.SignInAsync(denied, "khongtai", CustomerGridAppData.Password);
        Assert.Equal(HttpStatusCode.Forbidden, (await denied.GetAsync("/customers/export?format=xlsx")).StatusCode);

        var allowed = Client();
        await FormPost.SignInAsync(allowed, "lan", CustomerGridAppData.Password);
        var response = await allowed.GetAsync("/customers/export?format=xlsx");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", response.Content.Headers.ContentType?.MediaType);
        await using var body = new MemoryStream(await response.Content.ReadAsByteArrayAsync());
        var rows = body.Query(useHeaderRow: true, excelType: ExcelType.XLSX).Cast<IDictionary<string, object?>>().ToList();
        var row = Assert.Single(rows);
        // The exact text, in a quote-prefixed text cell: shown as text, never run (issue 21, XlsxQuotePrefixTests).
        Assert.Equal("=cmd|' /C calc'!A0", row["Tên khách hàng"]);
        using (var zip = new System.IO.Compression.ZipArchive(new MemoryStream(body.ToArray())))
        using (var styles = new StreamReader(zip.GetEntry("xl/styles.xml")!.Open()))
        {
            Assert.Contains("quotePrefix=\"1\"", await styles.ReadToEndAsync(), StringComparison.Ordinal);
        }

        Assert.Equal("Nguyễn Thị Lan", row["Người phụ trách"]);

        var csv = await allowed.GetAsync("/customers/export?format=csv&search=khong-co-ai");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        var text = await csv.Content.ReadAsStringAsync();
        Assert.StartsWith("\"Mã khách hàng\",\"Tên khách hàng\"", text.TrimStart('\uFEFF'), StringComparison.Ordinal);
        Assert.DoesNotContain("calc", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_customers_data_export_needs_the_purge_right_and_is_a_zip_of_a_visible_customer()
    {
        var seller = await CustomerGridAppData.AddUserAsync(_app, "lan", "Nguyễn Thị Lan", Rights.SalesDefault);
        var keeper = await CustomerGridAppData.AddUserAsync(_app, "giu", "Phạm Giữ Liệu", Rights.SalesDefault | Rights.CustomersPurge);
        var mine = await CustomerGridAppData.AddCustomerAsync(_app, "Đặng Văn Đức", "0912345678", keeper);
        var notMine = await CustomerGridAppData.AddCustomerAsync(_app, "Khách của Lan", "0987000111", seller);

        var denied = Client();
        await FormPost.SignInAsync(denied, "lan", CustomerGridAppData.Password);
        Assert.Equal(HttpStatusCode.Forbidden, (await denied.GetAsync($"/customers/{notMine}/data-export")).StatusCode);

        var allowed = Client();
        await FormPost.SignInAsync(allowed, "giu", CustomerGridAppData.Password);
        Assert.Equal(HttpStatusCode.NotFound, (await allowed.GetAsync($"/customers/{notMine}/data-export")).StatusCode);
        var response = await allowed.GetAsync($"/customers/{mine}/data-export");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        using var zip = new System.IO.Compression.ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()));
        using var reader = new StreamReader(zip.GetEntry("customer.json")!.Open());
        Assert.Contains("Đặng Văn Đức", await reader.ReadToEndAsync(), StringComparison.Ordinal);
    }
}
