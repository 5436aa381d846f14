using System.IO.Compression;
using System.Text;
using System.Xml.Linq;
using CrmBlazor.Domain.Importing;
using CrmBlazor.Features.Customers;
using CrmBlazor.Features.Import;
using CrmBlazor.Tests.Integration.Import;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Tests.Integration.Customers;

/// <summary>
/// Issue 21: formula-looking text (= + - @) is exported to .xlsx as a text cell with Excel's quote-prefix style (no visible
/// apostrophe, no formula), to CSV with a leading apostrophe, and both exports import back to exactly the text exported.
/// </summary>
public sealed class XlsxQuotePrefixTests : IAsyncLifetime
{
    private static readonly XNamespace Main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";

    private static readonly string[] Names =
    [
        "=HYPERLINK(\"http://x\",\"Bấm vào\")", "+84 Tổng đài", "-Giảm giá 10%", "@Nguyễn Văn An", "'=Đã có dấu nháy", "'Nháy thường", "Bình thường",
    ];

    private GridWorld _w = null!;

    public async Task InitializeAsync()
    {
        _w = await GridWorld.CreateAsync();
        for (var i = 0; i < Names.Length; i++)
        {
            var saved = await _w.Service.SaveFormAsync(_w.Admin, new CustomerForm
            {
                Name = Names[i], Phone = $"09050000{i:D2}", Address = i == 0 ? "=1+1" : "12 Lê Lợi",
            });
            Assert.Equal(SaveStatus.Saved, saved.Status);
        }
    }

    public async Task DisposeAsync() => await _w.DisposeAsync();

    /// <summary>The names of the world's own three customers, exported beside <see cref="Names"/>.</summary>
    private static readonly string[] Seeded = ["Đặng Văn Đức", "Trần Thị Ánh", "Khách của Minh"];

    private static readonly string[] All = [.. Names, .. Seeded];

    private async Task<byte[]> ExportAsync(bool csv, string? search = null)
    {
        var path = Path.Combine(Path.GetTempPath(), $"quote-test-{Guid.NewGuid():N}.{(csv ? "csv" : "xlsx")}");
        try
        {
            Assert.Equal(search is null ? All.Length : 1, await _w.Service.ExportToFileAsync(_w.Admin, new CustomerListQuery { Search = search }, path, csv));
            return await File.ReadAllBytesAsync(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task The_xlsx_holds_the_exact_text_in_text_cells_whose_format_has_quotePrefix()
    {
        var bytes = await ExportAsync(csv: false);
        using var zip = new ZipArchive(new MemoryStream(bytes));
        var styles = XDocument.Load(zip.GetEntry("xl/styles.xml")!.Open());
        var formats = styles.Root!.Element(Main + "cellXfs")!.Elements(Main + "xf").ToList();
        Assert.Equal(formats.Count, (int)styles.Root!.Element(Main + "cellXfs")!.Attribute("count")!);
        var sheet = XDocument.Load(zip.GetEntry("xl/worksheets/sheet1.xml")!.Open());
        var cells = sheet.Descendants(Main + "c").ToList();
        Assert.Empty(sheet.Descendants(Main + "f")); // no formula anywhere

        foreach (var text in Names.Append("=1+1"))
        {
            var cell = Assert.Single(cells, c => Text(c) == text);
            var format = formats[(int?)cell.Attribute("s") ?? 0];
            var formulaLike = text[0] is '=' or '+' or '-' or '@';
            Assert.Equal(formulaLike ? "1" : null, (string?)format.Attribute("quotePrefix"));
            Assert.Equal("str", (string?)cell.Attribute("t"));
        }

        // The header row and ordinary cells keep their own formats.
        Assert.All(cells.Where(c => Text(c) is { } t && !XlsxQuotePrefix.IsFormulaLike(t)), c => Assert.Null((string?)formats[(int?)c.Attribute("s") ?? 0].Attribute("quotePrefix")));
        // A quote-prefixed format is its original's twin: the same number format, font, fill and border.
        var quoted = formats[(int)Assert.Single(cells, c => Text(c) == Names[0]).Attribute("s")!];
        var plain = formats[(int)Assert.Single(cells, c => Text(c) == "Bình thường").Attribute("s")!];
        foreach (var attribute in new[] { "numFmtId", "fontId", "fillId", "borderId" })
        {
            Assert.Equal((string?)plain.Attribute(attribute), (string?)quoted.Attribute(attribute));
        }

        static string? Text(XElement c) => (string?)c.Element(Main + "v");
    }

    [Fact]
    public async Task Without_formula_looking_text_the_xlsx_is_left_as_MiniExcel_wrote_it()
    {
        var bytes = await ExportAsync(csv: false, search: "Bình thường");
        using var zip = new ZipArchive(new MemoryStream(bytes));
        var styles = XDocument.Load(zip.GetEntry("xl/styles.xml")!.Open());
        Assert.DoesNotContain(styles.Descendants(Main + "xf"), x => x.Attribute("quotePrefix") is not null);
    }

    [Fact]
    public async Task The_csv_keeps_a_leading_apostrophe()
    {
        var text = Encoding.UTF8.GetString(await ExportAsync(csv: true));
        Assert.Contains("'+84 Tổng đài", text, StringComparison.Ordinal);
        Assert.Contains("'-Giảm giá 10%", text, StringComparison.Ordinal);
        Assert.Contains("'@Nguyễn Văn An", text, StringComparison.Ordinal);
        Assert.Contains("''=Đã có dấu nháy", text, StringComparison.Ordinal);
        Assert.Contains("\"'=HYPERLINK(\"\"http://x\"\",\"\"Bấm vào\"\")\"", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Export_then_import_gives_back_exactly_the_text_exported(bool csv)
    {
        var bytes = await ExportAsync(csv);
        var name = csv ? "khach-hang.csv" : "khach-hang.xlsx";

        // The reader: every name and address cell as exported.
        var sheet = ImportFileReader.Read(name, bytes, new ImportLimits());
        var nameColumn = sheet.Headers.ToList().IndexOf("Tên khách hàng");
        var addressColumn = sheet.Headers.ToList().IndexOf("Địa chỉ");
        Assert.Equal(All.Order(StringComparer.Ordinal), sheet.Rows.Select(r => (string)r[nameColumn]!).Order(StringComparer.Ordinal));
        Assert.Contains(sheet.Rows, r => (string?)r[addressColumn] == "=1+1");

        // The import into another database stores them unchanged.
        await using var w = await ImportTestWorld.CreateAsync();
        var read = w.Service.ReadFile(w.Admin, name, bytes);
        var mapping = (await w.Service.ProposeMappingAsync(w.Admin, read.Headers))
            .Select(f => f is ImportField.Name or ImportField.Phone or ImportField.Address ? f : ImportField.Skip).ToArray();
        var result = await w.Service.ImportAsync(w.Admin, read, mapping, new ImportOptions());
        Assert.Equal((All.Length, 0), (result.Created, result.Failed));
        await using var db = await w.Db.Factory.CreateDbContextAsync();
        Assert.Equal(All.Order(StringComparer.Ordinal), (await db.Customers.Select(c => c.Name).ToListAsync()).Order(StringComparer.Ordinal));
        Assert.Equal(1, await db.Customers.CountAsync(c => c.Address == "=1+1"));
    }
}
