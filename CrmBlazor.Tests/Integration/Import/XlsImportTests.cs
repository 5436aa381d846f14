using System.Globalization;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Importing;
using CrmBlazor.Features.Import;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static CrmBlazor.Tests.Integration.Import.Sheets;

namespace CrmBlazor.Tests.Integration.Import;

/// <summary>
/// Issue 21: Excel 97-2003 workbooks (.xls, BIFF8) are read like .xlsx, with the same limits and messages. The fixture
/// TestData/getfly-sample.xls was written by xlwt (TestData/make-getfly-sample-xls.py), not by our code; <see cref="Rows"/>
/// are its rows, written here as .xlsx for the comparison.
/// </summary>
public sealed class XlsImportTests
{
    public static byte[] Fixture { get; } = File.ReadAllBytes(Path.Combine(RepoRoot.Path, "CrmBlazor.Tests", "TestData", "getfly-sample.xls"));

    private static readonly string[] Headers = ["Mã khách hàng", "Tên khách hàng", "Điện thoại", "Email", "Ngày sinh", "Giới tính", "Địa chỉ", "Mã số thuế"];

    /// <summary>The rows of make-getfly-sample-xls.py.</summary>
    private static readonly object?[][] Rows =
    [
        ["KH000123", "Nguyễn Thị Ánh", "0912345678", "anh.nguyen@example.vn", new DateTime(1990, 2, 28), "Nữ", "12 Lê Lợi, Quận 1, TP. Hồ Chí Minh", 312345678],
        ["KH000124", "Trần Văn Đức", "01689123456", "duc.tran@example.vn", "15/08/1985", "Nam", "Số 5 ngõ 34 Hoàng Cầu, Đống Đa, Hà Nội", null],
        [null, "Lê Thị Hồng Nhung", "0987 000 111", null, new DateTime(2001, 12, 31), "Nữ", "Phường Vĩnh Ninh, TP. Huế", null],
        [null, "Công ty TNHH Ứng Dụng Việt", "028 3823 4567", "lienhe@ungdungviet.vn", null, null, "Khu công nghệ cao, TP. Thủ Đức", 109876543],
        ["KH000200", "Phạm Quỳnh Hương", "0908111222", "huong.pham@example.vn", new DateTime(1978, 1, 1), "Nữ", "Ấp Mỹ Phước, Bến Cát, Bình Dương", null],
    ];

    private static byte[] SameRowsAsXlsx() => Xlsx(Rows.Select(r => Row(Headers.Select((h, i) => (h, r[i])).ToArray())));

    [Fact]
    public void The_fixture_is_a_real_BIFF8_workbook()
    {
        // An OLE compound file whose workbook stream starts with a BIFF8 BOF record (version 0x0600).
        Assert.Equal(new byte[] { 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1 }, Fixture[..8]);
        var bof = Fixture.AsSpan().IndexOf(new byte[] { 0x09, 0x08, 0x10, 0x00, 0x00, 0x06 });
        Assert.True(bof > 0, "no BIFF8 BOF record");
    }

    [Fact]
    public void The_xls_reads_cell_for_cell_as_the_same_rows_in_xlsx()
    {
        var xls = ImportFileReader.Read("getfly-sample.xls", Fixture, new ImportLimits());
        var xlsx = ImportFileReader.Read("getfly-sample.xlsx", SameRowsAsXlsx(), new ImportLimits());

        Assert.Equal(Headers, xls.Headers);
        Assert.Equal(xlsx.Headers, xls.Headers);
        Assert.Equal("getfly-sample.xls", xls.FileName);
        Assert.Equal(Rows.Length, xls.Rows.Count);
        Assert.Equal(xlsx.Rows.Count, xls.Rows.Count);
        for (var r = 0; r < Rows.Length; r++)
        {
            for (var c = 0; c < Headers.Length; c++)
            {
                Assert.True(Equals(Normal(xlsx.Rows[r][c]), Normal(xls.Rows[r][c])),
                    $"row {r + 2}, {Headers[c]}: xlsx {Describe(xlsx.Rows[r][c])}, xls {Describe(xls.Rows[r][c])}");
            }
        }

        // Diacritics intact, phones as text with their leading 0, a real date, a number.
        Assert.Equal("Công ty TNHH Ứng Dụng Việt", xls.Rows[3][1]);
        Assert.Equal("01689123456", xls.Rows[1][2]);
        Assert.Equal("0987 000 111", xls.Rows[2][2]);
        Assert.Equal(new DateTime(1990, 2, 28), xls.Rows[0][4]);
        Assert.Equal("15/08/1985", xls.Rows[1][4]);
        Assert.Equal(312345678d, xls.Rows[0][7]);
        Assert.Null(xls.Rows[2][0]);

        static object? Normal(object? v) => v is int i ? (double)i : v is long l ? (double)l : v;
        static string Describe(object? v) => v is null ? "null" : $"{v.GetType().Name} '{Convert.ToString(v, CultureInfo.InvariantCulture)}'";
    }

    [Fact]
    public async Task Importing_the_xls_gives_the_same_customers_as_the_same_rows_in_xlsx()
    {
        var fromXls = await ImportAsync("getfly-sample.xls", Fixture);
        var fromXlsx = await ImportAsync("getfly-sample.xlsx", SameRowsAsXlsx());

        Assert.Equal(fromXlsx.Check, fromXls.Check);
        Assert.Equal(fromXlsx.Customers, fromXls.Customers);
        Assert.Equal((5, 0, 0, 0), fromXls.Check);
        Assert.Equal(
        [
            "KH000123|Nguyễn Thị Ánh|+84912345678|anh.nguyen@example.vn|1990-02-28|Female|12 Lê Lợi, Quận 1, TP. Hồ Chí Minh|312345678",
            "KH000124|Trần Văn Đức|+84389123456|duc.tran@example.vn|1985-08-15|Male|Số 5 ngõ 34 Hoàng Cầu, Đống Đa, Hà Nội|",
            "|Lê Thị Hồng Nhung|+84987000111||2001-12-31|Female|Phường Vĩnh Ninh, TP. Huế|",
            "|Công ty TNHH Ứng Dụng Việt|+842838234567|lienhe@ungdungviet.vn|||Khu công nghệ cao, TP. Thủ Đức|109876543",
            "KH000200|Phạm Quỳnh Hương|+84908111222|huong.pham@example.vn|1978-01-01|Female|Ấp Mỹ Phước, Bến Cát, Bình Dương|",
        ], fromXls.Customers.Select(c => c[(c.IndexOf('|', StringComparison.Ordinal) + 1)..].Replace("generated|", "|", StringComparison.Ordinal)));
    }

    private static async Task<((int, int, int, int) Check, List<string> Customers)> ImportAsync(string name, byte[] bytes)
    {
        await using var w = await ImportTestWorld.CreateAsync();
        var sheet = w.Service.ReadFile(w.Admin, name, bytes);
        var mapping = await w.Service.ProposeMappingAsync(w.Admin, sheet.Headers);
        Assert.Equal([ImportField.Code, ImportField.Name, ImportField.Phone, ImportField.Email, ImportField.Birthday, ImportField.Gender, ImportField.Address,
            ImportField.TaxCode], mapping);
        var check = await w.Service.CheckAsync(w.Admin, sheet, mapping, new ImportOptions());
        var result = await w.Service.ImportAsync(w.Admin, sheet, mapping, new ImportOptions());
        Assert.Equal((check.Create, check.Update, check.Skip, check.Fail), (result.Created, result.Updated, result.Skipped, result.Failed));
        await using var db = await w.Db.Factory.CreateDbContextAsync();
        var customers = (await db.Customers.AsNoTracking().OrderBy(c => c.Id).ToListAsync())
            .Select(c => string.Join('|', "#",
                c.Code == CustomerCode.FromId(c.Id) ? "generated" : c.Code, c.Name, c.Phone, c.Email,
                c.Birthday?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), c.Gender == Gender.Unknown ? null : c.Gender.ToString(), c.Address, c.TaxCode))
            .ToList();
        return ((check.Create, check.Update, check.Skip, check.Fail), customers);
    }

    public static TheoryData<string, string> Refusals => new()
    {
        { "rows", FileRejections.TooManyRows },
        { "columns", FileRejections.TooManyColumns },
        { "cell", FileRejections.CellTooLong },
        { "truncated", FileRejections.Corrupt },
        { "corrupt", FileRejections.Corrupt },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_xls_over_a_limit_or_broken_is_refused_with_the_same_message_as_an_xlsx_and_nothing_is_written(string kind, string code)
    {
        var (limits, bytes) = kind switch
        {
            "rows" => (new ImportLimits { MaxRows = 4 }, Fixture),
            "columns" => (new ImportLimits { MaxColumns = 5 }, Fixture),
            "cell" => (new ImportLimits { MaxCellChars = 20 }, Fixture),
            "truncated" => (new ImportLimits(), Fixture[..(Fixture.Length * 3 / 4)]),
            _ => (new ImportLimits(), Corrupted()),
        };
        await using var w = await ImportTestWorld.CreateAsync(limits);
        var before = await w.FingerprintAsync();

        var xls = Assert.Throws<ImportFileRejectedException>(() => w.Service.ReadFile(w.Admin, "getfly-sample.xls", bytes));
        Assert.Equal(code, xls.Code);
        Assert.Equal(before, await w.FingerprintAsync());

        // The words the page and the API show, in Vietnamese and English, are those of the same refusal of an .xlsx.
        if (kind is "rows" or "columns" or "cell")
        {
            var xlsx = Assert.Throws<ImportFileRejectedException>(() => w.Service.ReadFile(w.Admin, "getfly-sample.xlsx", SameRowsAsXlsx()));
            Assert.Equal(xls.Code, xlsx.Code);
        }

        foreach (var culture in new[] { "vi-VN", "en" })
        {
            var previous = CultureInfo.CurrentUICulture;
            try
            {
                CultureInfo.CurrentUICulture = new CultureInfo(culture);
                var text = ImportFeature.Rejection(T, xls, limits);
                Assert.NotEqual(code, text);
                Assert.Equal(ImportFeature.Rejection(T, new ImportFileRejectedException(code, "xlsx"), limits), text);
            }
            finally
            {
                CultureInfo.CurrentUICulture = previous;
            }
        }
    }

    [Fact]
    public void The_Vietnamese_messages_for_a_damaged_xls_and_one_with_too_many_rows()
    {
        var previous = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentUICulture = new CultureInfo("vi-VN");
            var ex = Assert.Throws<ImportFileRejectedException>(() => ImportFileReader.Read("a.xls", Fixture[..(Fixture.Length / 2)], new ImportLimits()));
            Assert.Equal("Tệp bị hỏng hoặc không đầy đủ nên không đọc được.", ImportFeature.Rejection(T, ex, new ImportLimits()));
            var rows = Assert.Throws<ImportFileRejectedException>(() => ImportFileReader.Read("a.xls", Fixture, new ImportLimits { MaxRows = 2 }));
            Assert.Equal("Trang tính có nhiều dòng hơn mức Excel cho phép (1.048.576).", ImportFeature.Rejection(T, rows, new ImportLimits()));
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }

    /// <summary>The fixture with the compound file's directory pointing past the end of the file (header field at 0x30).</summary>
    private static byte[] Corrupted()
    {
        var bytes = Fixture.ToArray();
        BitConverter.TryWriteBytes(bytes.AsSpan(0x30, 4), 0x00FF_FF00);
        return bytes;
    }

    private static readonly IStringLocalizer<ImportText> T =
        new StringLocalizer<ImportText>(new ResourceManagerStringLocalizerFactory(Options.Create(new LocalizationOptions()), NullLoggerFactory.Instance));
}
