using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using CrmBlazor.Features.Import;
using static CrmBlazor.Tests.Integration.Import.Sheets;

namespace CrmBlazor.Tests.Integration.Import;

/// <summary>
/// A corpus of broken and hostile files, generated here: each is refused with a clear reason within seconds, and the
/// database is unchanged (R3 safety).
/// </summary>
public sealed class ImportMalformedFileTests
{
    private static readonly Lazy<byte[]> Valid = new(() => Xlsx(Enumerable.Range(1, 200)
        .Select(i => Row(("Tên khách hàng", $"Khách {i}"), ("Điện thoại", $"0912{i:D6}"), ("Địa chỉ", new string('x', 50) + i)))));

    private static byte[] Random(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static byte[] Cut(byte[] bytes, double fraction) => bytes[..(int)(bytes.Length * fraction)];

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    private static byte[] Zip(Action<ZipArchive> fill)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            fill(zip);
        }

        return ms.ToArray();
    }

    private static void Repeat(Stream s, string unit, long times)
    {
        var chunk = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(unit, 4096)));
        for (long i = 0; i < times / 4096; i++)
        {
            s.Write(chunk);
        }
    }

    private static readonly byte[] Ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

    public static TheoryData<string, string> Corpus()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in Files.Keys)
        {
            data.Add(name, Files[name].Code);
        }

        return data;
    }

    private sealed record Case(string FileName, Func<byte[]> Build, string Code);

    private static readonly Dictionary<string, Case> Files = new()
    {
        ["empty xlsx"] = new("a.xlsx", () => [], FileRejections.Empty),
        ["empty csv"] = new("a.csv", () => [], FileRejections.Empty),
        ["random bytes as xlsx"] = new("a.xlsx", () => Random(4096, 1), FileRejections.NotWhatItClaims),
        ["random bytes as csv"] = new("a.csv", () => Random(4096, 2), FileRejections.BadEncoding),
        ["csv text named xlsx"] = new("a.xlsx", () => Encoding.UTF8.GetBytes("Tên,SĐT\nA,0912345678\n"), FileRejections.NotWhatItClaims),
        ["xlsx named csv"] = new("a.csv", () => Valid.Value, FileRejections.NotWhatItClaims),
        // Issue 21: .xls is read (ExcelDataReader); a broken one is refused as damaged, never half read.
        ["xls: OLE header then random bytes"] = new("a.xls", () => Concat(Ole, Random(2048, 3)), FileRejections.Corrupt),
        ["xls: truncated to 60%"] = new("a.xls", () => Cut(XlsImportTests.Fixture, 0.6), FileRejections.Corrupt),
        ["xls: header sector only"] = new("a.xls", () => XlsImportTests.Fixture[..512], FileRejections.Corrupt),
        ["xls: xlsx renamed .xls"] = new("a.xls", () => Valid.Value, FileRejections.NotWhatItClaims),
        ["xls: csv renamed .xls"] = new("a.xls", () => Encoding.UTF8.GetBytes("Tên,SĐT\nA,0912345678\n"), FileRejections.NotWhatItClaims),
        ["encrypted (OLE) xlsx"] = new("a.xlsx", () => Concat(Ole, Random(2048, 4)), FileRejections.Encrypted),
        ["png named xlsx"] = new("a.xlsx", () => Concat([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], Random(1024, 5)), FileRejections.NotWhatItClaims),
        ["exe named xlsx"] = new("a.xlsx", () => Concat("MZ"u8.ToArray(), Random(1024, 6)), FileRejections.NotWhatItClaims),
        ["pdf named csv"] = new("a.csv", () => Concat("%PDF-1.4\n"u8.ToArray(), Random(1024, 7)), FileRejections.BadEncoding),
        ["docx extension"] = new("a.docx", () => Valid.Value, FileRejections.UnsupportedType),
        ["truncated xlsx 10%"] = new("a.xlsx", () => Cut(Valid.Value, 0.1), FileRejections.Corrupt),
        ["truncated xlsx 50%"] = new("a.xlsx", () => Cut(Valid.Value, 0.5), FileRejections.Corrupt),
        ["truncated xlsx 90%"] = new("a.xlsx", () => Cut(Valid.Value, 0.9), FileRejections.Corrupt),
        ["truncated xlsx 99%"] = new("a.xlsx", () => Cut(Valid.Value, 0.99), FileRejections.Corrupt),
        ["zip header only"] = new("a.xlsx", () => Cut(Valid.Value, 0.0) is var _ ? Valid.Value[..30] : [], FileRejections.Corrupt),
        ["zip without a workbook"] = new("a.xlsx", () => Zip(z =>
        {
            using var s = z.CreateEntry("hello.txt").Open();
            s.Write("xin chào"u8);
        }), FileRejections.NotWhatItClaims),
        ["encrypted package in a zip"] = new("a.xlsx", () => Zip(z =>
        {
            using var s = z.CreateEntry("EncryptedPackage").Open();
            s.Write(Random(512, 8));
        }), FileRejections.Encrypted),
        ["zip bomb sheet"] = new("a.xlsx", () => WithPart(Valid.Value, "xl/worksheets/sheet1.xml", s => Repeat(s, "                ", 8_000_000), CompressionLevel.SmallestSize),
            FileRejections.TooMuchInflation),
        ["zip bomb extra part"] = new("a.xlsx", () => WithPart(Valid.Value, "xl/media/bomb.bin", s => s.Write(new byte[120_000_000]), CompressionLevel.SmallestSize),
            FileRejections.TooMuchInflation),
        ["shared strings bomb"] = new("a.xlsx", () => WithPart(Valid.Value, "xl/sharedStrings.xml", s =>
        {
            s.Write("<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"u8);
            Repeat(s, "<si><t>a</t></si>", 3_200_000);
            s.Write("</sst>"u8);
        }, CompressionLevel.SmallestSize), FileRejections.TooMuchInflation),
        ["too many zip entries"] = new("a.xlsx", () => Zip(z =>
        {
            z.CreateEntry("xl/workbook.xml");
            for (var i = 0; i < 6000; i++)
            {
                z.CreateEntry($"x/{i}.xml");
            }
        }), FileRejections.TooMuchInflation),
        ["sheet xml garbage"] = new("a.xlsx", () => WithPart(Valid.Value, "xl/worksheets/sheet1.xml", "<<<this is not xml"), FileRejections.Corrupt),
        ["16,385 columns xlsx"] = new("a.xlsx", () => WithPart(Valid.Value, "xl/worksheets/sheet1.xml", SheetXml("<row r=\"1\">" +
            string.Concat(Enumerable.Range(0, 16_385).Select(i => $"<c r=\"{ImportFileReader.ColumnLetter(i)}1\" t=\"inlineStr\"><is><t>c{i}</t></is></c>")) + "</row>")),
            // Excel cannot write a column past XFD: a workbook with one is damaged by definition.
            FileRejections.Corrupt),
        ["16,385 columns csv"] = new("a.csv", () => Encoding.UTF8.GetBytes(string.Join(",", Enumerable.Range(0, 16_385).Select(i => "c" + i)) + "\nA\n"),
            FileRejections.TooManyColumns),
        ["32,768-character cell xlsx"] = new("a.xlsx", () => Xlsx([Row(("Tên", new string('a', 32_768)), ("SĐT", "0912345678"))]), FileRejections.CellTooLong),
        ["32,768-character cell csv"] = new("a.csv", () => Encoding.UTF8.GetBytes("Tên,SĐT\n" + new string('a', 32_768) + ",0912345678\n"), FileRejections.CellTooLong),
        ["32,768-character quoted cell csv"] = new("a.csv", () => Encoding.UTF8.GetBytes("Tên,SĐT\n\"" + new string('a', 32_768) + "\",0912345678\n"),
            FileRejections.CellTooLong),
        ["broken UTF-8"] = new("a.csv", () => Concat("Tên,SĐT\nNguy"u8.ToArray(), [0xC3, 0x28], ",0912345678\n"u8.ToArray()), FileRejections.BadEncoding),
        ["Windows-1258 bytes"] = new("a.csv", () => Concat("T"u8.ToArray(), [0xEA, 0x6E], ",SDT\nNguy"u8.ToArray(), [0xEA, 0xD2, 0x6E], ",0912345678\n"u8.ToArray()),
            FileRejections.BadEncoding),
        ["UTF-16 lone surrogate"] = new("a.csv", () => Concat([0xFF, 0xFE], Encoding.Unicode.GetBytes("Tên,SĐT\n"), [0x00, 0xD8], Encoding.Unicode.GetBytes("A,1\n")),
            FileRejections.BadEncoding),
        ["NUL bytes in csv"] = new("a.csv", () => Concat("Tên,SĐT\n"u8.ToArray(), [0x00, 0x01, 0x02, 0x41], ",0912\n"u8.ToArray()), FileRejections.NotWhatItClaims),
        ["unterminated quote (truncated csv)"] = new("a.csv", () => Encoding.UTF8.GetBytes("Tên,SĐT\n\"Nguyễn Văn A,0912345678\nB,0913"), FileRejections.Corrupt),
        ["only blank lines csv"] = new("a.csv", () => Encoding.UTF8.GetBytes("\r\n\r\n,,,\r\n"), FileRejections.NoHeader),
        ["empty sheet xlsx"] = new("a.xlsx", () => WithPart(Valid.Value, "xl/worksheets/sheet1.xml", SheetXml(string.Empty)), FileRejections.NoHeader),
        ["over 10 MB"] = new("a.csv", () => Encoding.UTF8.GetBytes("Tên,SĐT\n" + new string('a', 10 * 1024 * 1024)), FileRejections.TooLarge),
        ["1,048,577 data rows csv"] = new("a.csv", () => Encoding.UTF8.GetBytes("A\n" + string.Concat(Enumerable.Repeat("x\n", 1_048_577))), FileRejections.TooManyRows),
    };

    [Fact]
    public void The_corpus_has_at_least_30_files() => Assert.True(Files.Count >= 30, $"{Files.Count} files");

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task Each_malformed_file_is_refused_quickly_with_a_reason_and_changes_nothing(string name, string expectedCode)
    {
        await using var w = await ImportTestWorld.CreateAsync();
        var file = Files[name];
        var bytes = file.Build();
        var before = await w.FingerprintAsync();

        var clock = Stopwatch.StartNew();
        var ex = Assert.Throws<ImportFileRejectedException>(() => w.Service.ReadFile(w.Sales, file.FileName, bytes));
        clock.Stop();

        Assert.Equal(expectedCode, ex.Code);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{name} took {clock.Elapsed.TotalSeconds:N1} s");
        Assert.Equal(before, await w.FingerprintAsync());
        Assert.Empty(w.Events);
    }

    [Fact]
    public void The_valid_base_file_of_the_corpus_is_accepted()
    {
        var sheet = ImportFileReader.Read("a.xlsx", Valid.Value, new ImportLimits());
        Assert.Equal(200, sheet.Rows.Count);
    }
}
