using System.Globalization;
using System.IO.Compression;
using System.Text;
using CrmBlazor.Features.Import;
using MiniExcelLibs;
using static CrmBlazor.Tests.Integration.Import.Sheets;

namespace CrmBlazor.Tests.Integration.Import;

/// <summary>
/// <see cref="XlsxSheetReader"/> against MiniExcel 1.46, which the import used before and which stays the reference:
/// for every workbook both must yield the same records (same positions, value types and values) or both fail.
/// Workbooks come from MiniExcel itself and from hand-written and generated sheet XML (gaps, cells without "r",
/// every cell type, styles, shared strings, broken parts).
/// </summary>
public sealed class XlsxSheetReaderTests
{
    private const string Ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";

    private static readonly Lazy<byte[]> Template = new(() => Xlsx([Row(("A", "x"))]));

    /// <summary>MiniExcel's styles of <see cref="Template"/> plus custom formats: s="0".."10" below.</summary>
    private const string Styles =
        $"<styleSheet xmlns=\"{Ns}\"><numFmts>" +
        "<numFmt numFmtId=\"164\" formatCode=\"dd/mm/yyyy\"/><numFmt numFmtId=\"165\" formatCode=\"0.00\"/>" +
        "<numFmt numFmtId=\"166\" formatCode=\"[h]:mm\"/><numFmt numFmtId=\"167\" formatCode=\"&quot;d&quot;0\"/>" +
        "<numFmt numFmtId=\"14\" formatCode=\"0.00\"/></numFmts><cellXfs>" +
        "<xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"22\"/><xf numFmtId=\"18\"/><xf numFmtId=\"46\"/>" +
        "<xf numFmtId=\"17\"/><xf numFmtId=\"164\"/><xf numFmtId=\"165\"/><xf numFmtId=\"166\"/><xf numFmtId=\"167\"/><xf numFmtId=\"49\"/>" +
        "</cellXfs></styleSheet>";

    private const string SharedStrings =
        $"<sst xmlns=\"{Ns}\"><si><t>Tên</t></si><si><r><t>Nguyễn</t></r><r><rPr/><t xml:space=\"preserve\"> Văn A</t></r>" +
        "<rPh sb=\"0\" eb=\"1\"><t>PHONETIC</t></rPh></si><si/><si><t>a_x0041_b _X0041_</t></si><si><t>  </t></si></sst>";

    private static byte[] Book(string rowsXml, string? styles = Styles, string? shared = SharedStrings, string? sheet = null)
    {
        var bytes = WithPart(Template.Value, "xl/worksheets/sheet1.xml", sheet ?? SheetXml(rowsXml));
        bytes = styles is null ? Without(bytes, "xl/styles.xml") : WithPart(bytes, "xl/styles.xml", styles);
        return shared is null ? Without(bytes, "xl/sharedStrings.xml") : WithPart(bytes, "xl/sharedStrings.xml", shared);
    }

    /// <summary>A sheet with a date cell of serial 1,000 (style 1, built-in format 14) in a workbook whose workbookPr says
    /// date1904="<paramref name="date1904"/>".</summary>
    private static byte[] Date1904Book(string date1904) =>
        WithPart(Book("<row r=\"1\">" + Cell("A1", "str", "<v>H</v>") + "</row><row r=\"2\">" + Cell("A2", null, "<v>1000</v>", "1") +
                      Cell("B2", null, "<v>1000.75</v>", "3") + "</row>"),
            "xl/workbook.xml", $"<workbook xmlns=\"{Ns}\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">" +
                               $"<fileVersion appName=\"xl\"/><workbookPr date1904=\"{date1904}\"/>" +
                               "<sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"Rf07acd724bb44f9fbed13dccbbadbd2c\"/></sheets></workbook>");

    /// <summary>
    /// R3.3 (real date cells): a workbook counting from 1904 (Excel for Mac's old default) stores 1,462 days less for the
    /// same date; its date cells read as the dates Excel shows — where MiniExcel read them 4 years and a day early — and
    /// its time cells are unchanged.
    /// </summary>
    [Theory]
    [InlineData("1")]
    [InlineData("true")]
    public void A_date1904_workbook_gives_the_dates_Excel_shows(string flag)
    {
        var bytes = Date1904Book(flag);

        var ours = ReaderRecords(bytes);
        Assert.Null(ours.Error);
        Assert.Equal(new DateTime(1906, 9, 27), ours.Rows[1][0]);
        Assert.Equal(TimeSpan.FromDays(1000.75), ours.Rows[1][1]);
        Assert.Equal(new DateTime(1902, 9, 26), MiniExcelRecords(bytes).Rows[1][0]);
    }

    private static byte[] Without(byte[] xlsx, string part)
    {
        using var ms = new MemoryStream();
        ms.Write(xlsx);
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Update, leaveOpen: true))
        {
            zip.GetEntry(part)?.Delete();
        }

        return ms.ToArray();
    }

    private static string Cell(string r, string? t, string content, string? s = null) =>
        $"<c{(r.Length == 0 ? "" : $" r=\"{r}\"")}{(t is null ? "" : $" t=\"{t}\"")}{(s is null ? "" : $" s=\"{s}\"")}>{content}</c>";

    public static TheoryData<string> Cases() => [.. HandWritten.Keys];

    /// <summary>Sheets by name; the names ending in "(refused)" are ones MiniExcel fails on.</summary>
    private static readonly Dictionary<string, Func<byte[]>> HandWritten = new()
    {
        ["every cell type"] = () => Book(
            "<row r=\"1\">" + Cell("A1", "s", "<v>0</v>") + Cell("B1", "inlineStr", "<is><t>SĐT</t></is>") + Cell("C1", "str", "<v>C</v>") + "</row>" +
            "<row r=\"2\">" + Cell("A2", "s", "<v>1</v>") + Cell("B2", null, "<v>912345678</v>") + Cell("C2", "n", "<v>1.5e3</v>") + Cell("D2", "b", "<v>1</v>") +
            Cell("E2", "b", "<v>true</v>") + Cell("F2", "e", "<v>#N/A</v>") + Cell("G2", "d", "<v>2020-03-04</v>") + Cell("H2", "d", "<v>2020-03-04T10:00:00</v>") +
            Cell("I2", "str", "<f>A1&amp;B1</f><v>formula text</v>") + Cell("J2", null, "<f>1+1</f><v>2</v>") + Cell("K2", null, "<v>abc</v>") + Cell("L2", "foo", "<v>7</v>") +
            Cell("M2", "s", "<v>99</v>") + Cell("N2", "s", "<v>-1</v>") + Cell("O2", "s", "<v>2</v>") + Cell("P2", "s", "<v>3</v>") + Cell("Q2", "s", "<v>4</v>") + "</row>"),
        ["styles: built-in and custom date and time formats"] = () => Book(
            "<row r=\"1\">" + string.Concat(Enumerable.Range(0, 12).Select(i => Cell($"{ImportFileReader.ColumnLetter(i)}1", "str", $"<v>H{i}</v>"))) + "</row>" +
            "<row r=\"2\">" + string.Concat(Enumerable.Range(0, 12).Select(i => Cell($"{ImportFileReader.ColumnLetter(i)}2", null, "<v>43832.25</v>", i.ToString(CultureInfo.InvariantCulture)))) + "</row>" +
            "<row r=\"3\">" + Cell("A3", "str", "<v>43832.5</v>", "1") + Cell("B3", "b", "<v>1</v>", "1") + Cell("C3", null, "<v>-700000</v>", "1") + Cell("D3", null, "<v>2958466</v>", "2") +
            Cell("E3", "d", "<v>2020-01-02</v>", "1") + Cell("F3", null, "<v>abc</v>", "3") + Cell("G3", null, "", "1") + Cell("H3", null, "<v>1</v>", "abc") + Cell("I3", null, "<v>1</v>", "") + "</row>"),
        ["gaps in rows and columns, leading and trailing blank rows"] = () => Book(
            "<row r=\"3\">" + Cell("B3", "str", "<v>Tên</v>") + Cell("E3", "str", "<v>SĐT</v>") + "</row>" +
            "<row r=\"4\"/><row r=\"6\">" + Cell("C6", null, "<v>1</v>") + Cell("F6", null, "<v>2</v>") + "</row>" +
            "<row r=\"9\">" + Cell("A9", "str", "<v>  </v>") + "</row><row r=\"12\"/>"),
        ["rows and cells without r (cells placed one after another)"] = () => Book(
            "<row>" + Cell("", "str", "<v>A</v>") + Cell("", "str", "<v>B</v>") + "</row>" +
            "<row>" + Cell("", null, "<v>1</v>") + Cell("D2", null, "<v>2</v>") + Cell("", null, "<v>3</v>") + "</row>"),
        ["a cell without r after 5,000 rows of cells with r"] = () => Book(
            string.Concat(Enumerable.Range(1, 5000).Select(i => $"<row r=\"{i}\">" + Cell($"B{i}", null, $"<v>{i}</v>") + "</row>")) +
            "<row>" + Cell("", null, "<v>7</v>") + Cell("", null, "<v>8</v>") + "</row>"),
        ["a dimension after the rows"] = () => Book("", sheet:
            $"<worksheet xmlns=\"{Ns}\"><sheetData>" + string.Concat(Enumerable.Range(1, 50).Select(i => $"<row r=\"{i}\">" + Cell($"C{i}", null, $"<v>{i}</v>") + Cell($"A{i}", null, "<v>0</v>") + "</row>")) +
            "</sheetData><dimension ref=\"A1:B3\"/></worksheet>"),
        ["a dimension narrower than the cells"] = () => Book("", sheet:
            $"<worksheet xmlns=\"{Ns}\"><dimension ref=\"A1:B3\"/><sheetData>" +
            "<row r=\"1\">" + Cell("A1", "str", "<v>A</v>") + Cell("E1", "str", "<v>E</v>") + Cell("D1", "str", "<v>D</v>") + "</row>" +
            "<row r=\"2\">" + Cell("D2", null, "<v>4</v>") + Cell("B2", null, "<v>2</v>") + Cell("D2", null, "<v>5</v>") + "</row></sheetData></worksheet>"),
        ["a cell with an r that does not parse takes the column before"] = () => Book(
            "<row r=\"1\">" + Cell("B1", "str", "<v>B</v>") + Cell("1A", "str", "<v>X</v>") + Cell("c1", "str", "<v>C</v>") + Cell("D0", "str", "<v>Y</v>") + "</row>"),
        ["no r parses (every cell in the first column)"] = () => Book(
            "<row r=\"1\">" + Cell("1A", "str", "<v>H</v>") + Cell("B0", "str", "<v>I</v>") + "</row><row r=\"2\">" + Cell("A", null, "<v>1</v>") + "</row>"),
        ["rows numbered 0, backwards and twice"] = () => Book(
            "<row r=\"0\">" + Cell("A0", null, "<v>9</v>") + "</row><row r=\"2\">" + Cell("A2", "str", "<v>H</v>") + "</row>" +
            "<row r=\"5\">" + Cell("A5", null, "<v>5</v>") + "</row><row r=\"3\">" + Cell("A3", null, "<v>3</v>") + "</row><row r=\"3\">" + Cell("B3", null, "<v>4</v>") + "</row>"),
        ["whitespace, escapes and entities in strings"] = () => Book(
            "<row r=\"1\">" + Cell("A1", "str", "<v>  </v>") + "<c r=\"B1\" t=\"str\" xml:space=\"preserve\"><v>  </v></c>" + Cell("C1", "inlineStr", "<is><t xml:space=\"preserve\"> x </t></is>") +
            Cell("D1", "str", "<v>a_x0041_b_X0042_c_x005F_x0043_</v>") + Cell("E1", "inlineStr", "<is><t>&lt;&amp;&#x41;</t><r><t>run</t></r></is>") +
            Cell("F1", "str", "<v><![CDATA[<cdata>]]></v>") + Cell("G1", "str", "<v>line&#10;two</v>") + Cell("H1", "inlineStr", "<is/>") + Cell("I1", "str", "<v/>") + "</row>"),
        ["empty cells and rows"] = () => Book(
            "<row r=\"1\">" + Cell("A1", "str", "<v>H</v>") + "<c r=\"B1\"/></row><row r=\"2\"><c r=\"A2\"/><c r=\"B2\" s=\"1\"/></row><row r=\"3\"></row>"),
        ["a cell refers to another part (MiniExcel's @@@fileid@@@)"] = () => Book(
            "<row r=\"1\">" + Cell("A1", "str", "<v>H</v>") + "</row><row r=\"2\">" + Cell("A2", "str", "<v>@@@fileid@@@,XL/STYLES.XML</v>") + Cell("B2", "str", "<v>@@@fileid@@@,xl/styles.xml</v>") + "</row>"),
        ["date1904=\"0\" workbook (dates as in the 1900 system)"] = () => Date1904Book("0"),
        ["strict namespace and prefixes"] = () => Book("", sheet:
            "<x:worksheet xmlns:x=\"http://purl.oclc.org/ooxml/spreadsheetml/main\"><x:sheetData><x:row r=\"1\"><x:c r=\"A1\" t=\"inlineStr\"><x:is><x:t>H</x:t></x:is></x:c></x:row>" +
            "<x:row r=\"2\"><x:c r=\"A2\"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>"),
        ["nested and stray elements"] = () => Book("", sheet:
            $"<worksheet xmlns=\"{Ns}\"><sheetData><c r=\"Z1\"/><row r=\"1\"><extLst><c r=\"Q9\"/></extLst>" + Cell("A1", "str", "<v>H</v><extLst/>") + "</row></sheetData>" +
            $"<sheetData><row r=\"2\">{Cell("B2", null, "<v>2</v>")}</row></sheetData><extLst><c r=\"K1\"/></extLst></worksheet>"),
        ["no styles part but a styled cell (refused)"] = () => Book("<row r=\"1\">" + Cell("A1", "str", "<v>H</v>", "1") + "</row>", styles: null),
        ["no shared strings part but a shared-string cell (refused)"] = () => Book("<row r=\"1\">" + Cell("A1", "s", "<v>0</v>") + "</row>", shared: null),
        ["twice the cellXfs (refused)"] = () => Book("<row r=\"1\">" + Cell("A1", "str", "<v>H</v>", "1") + "</row>",
            styles: $"<styleSheet xmlns=\"{Ns}\"><cellXfs><xf numFmtId=\"14\"/></cellXfs><cellXfs><xf numFmtId=\"0\"/></cellXfs></styleSheet>"),
        ["an empty dimension (refused)"] = () => Book("", sheet: $"<worksheet xmlns=\"{Ns}\"><dimension ref=\"\"/><sheetData/></worksheet>"),
        ["a dimension past XFD (refused)"] = () => Book("", sheet: $"<worksheet xmlns=\"{Ns}\"><dimension ref=\"A1:XFE2\"/><sheetData><row r=\"1\">{Cell("A1", "str", "<v>H</v>")}</row></sheetData></worksheet>"),
        ["broken XML after the rows (refused)"] = () => Book("<row r=\"1\">" + Cell("A1", "str", "<v>H</v>") + "</row><row r=\"2\">" + Cell("A2", "str", "<v>x</v>") + "</row><<"),
        ["a time too long for a TimeSpan (refused)"] = () => Book("<row r=\"1\">" + Cell("A1", "str", "<v>H</v>") + "</row><row r=\"2\">" + Cell("A2", null, "<v>1e300</v>", "3") + "</row>"),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Hand_written_sheets_read_as_MiniExcel_reads_them(string name)
    {
        var bytes = HandWritten[name]();

        Assert.Equal(name.EndsWith("(refused)", StringComparison.Ordinal), MiniExcelRecords(bytes).Error is not null);
        AssertSameAsMiniExcel(name, bytes);
    }

    [Fact]
    public void Workbooks_written_by_MiniExcel_read_as_MiniExcel_reads_them()
    {
        var random = new Random(7);
        for (var i = 0; i < 60; i++)
        {
            var columns = Enumerable.Range(0, random.Next(1, 7)).Select(c => "H" + c).ToArray();
            var rows = Enumerable.Range(0, random.Next(1, 25)).Select(_ => columns.ToDictionary(c => c, _ => RandomValue(random))).ToList();
            using var ms = new MemoryStream();
            if (i % 2 == 0)
            {
                // Written from an enumerable: no <dimension>, the case the reader reads in one pass.
                ms.SaveAs(rows.Select(r => r), excelType: ExcelType.XLSX);
            }
            else
            {
                ms.SaveAs(rows, excelType: ExcelType.XLSX, printHeader: i % 3 != 0);
            }

            AssertSameAsMiniExcel($"MiniExcel workbook {i}", ms.ToArray());
        }
    }

    [Fact]
    public void The_first_sheet_is_the_first_of_the_workbook_not_of_the_zip()
    {
        using var ms = new MemoryStream();
        ms.SaveAs(new Dictionary<string, object>
        {
            ["Khách hàng"] = new[] { new Dictionary<string, object?> { ["Tên"] = "A" } },
            ["Danh sách"] = new[] { new Dictionary<string, object?> { ["Nhóm"] = "VIP" } },
        }, excelType: ExcelType.XLSX);
        var swapped = WithPart(ms.ToArray(), "xl/workbook.xml", s =>
        {
            using var zip = new ZipArchive(new MemoryStream(ms.ToArray()));
            var text = new StreamReader(zip.GetEntry("xl/workbook.xml")!.Open()).ReadToEnd();
            var first = text.IndexOf("<x:sheet ", StringComparison.Ordinal);
            var second = text.IndexOf("<x:sheet ", first + 1, StringComparison.Ordinal);
            var end = text.IndexOf("</x:sheets>", StringComparison.Ordinal);
            s.Write(Encoding.UTF8.GetBytes(text[..first] + text[second..end] + text[first..second] + text[end..]));
        });

        Assert.Equal(["Tên"], ImportFileReader.Read("a.xlsx", ms.ToArray(), new ImportLimits()).Headers);
        Assert.Equal(["Nhóm"], ImportFileReader.Read("a.xlsx", swapped, new ImportLimits()).Headers);
        AssertSameAsMiniExcel("two sheets", ms.ToArray());
        AssertSameAsMiniExcel("two sheets swapped", swapped);
        AssertSameAsMiniExcel("two sheets without workbook rels", Without(ms.ToArray(), "xl/_rels/workbook.xml.rels"));
    }

    [Fact]
    public void Generated_sheets_read_as_MiniExcel_reads_them()
    {
        var random = new Random(20_251_104);
        for (var i = 0; i < 400; i++)
        {
            var xml = RandomSheet(random);
            if (i % 4 == 3)
            {
                // Damaged: both must fail the same way (or, where the damage is harmless, read the same).
                xml = Mutate(random, xml);
            }

            AssertSameAsMiniExcel($"generated sheet {i}: {xml}", Book(string.Empty, sheet: xml));
        }
    }

    [Fact]
    public void Every_cell_referring_to_a_shared_string_gets_the_same_instance()
    {
        var bytes = Book("<row r=\"1\">" + Cell("A1", "s", "<v>0</v>") + Cell("B1", "s", "<v>0</v>") + "</row><row r=\"2\">" + Cell("A2", "s", "<v>1</v>") + Cell("B2", "s", "<v>1</v>") + "</row>");
        var sheet = ImportFileReader.Read("a.xlsx", bytes, new ImportLimits());

        Assert.Equal(["Tên", "Tên"], sheet.Headers);
        Assert.Equal(["Nguyễn Văn A", "Nguyễn Văn A"], sheet.Rows[0]);
        // While reading, one string per shared string (the sheet then keeps its rows compact, see SheetRows).
        using var reader = XlsxSheetReader.Open(bytes);
        Assert.True(reader.Read());
        Assert.True(reader.Read());
        Assert.Equal("Nguyễn Văn A", reader[0]);
        Assert.Same(reader[0], reader[1]);
    }

    [Fact]
    public void Data_rows_keep_their_spreadsheet_row_numbers_across_missing_rows()
    {
        var bytes = Book("<row r=\"2\">" + Cell("A2", "str", "<v>Tên</v>") + "</row><row r=\"3\">" + Cell("A3", "str", "<v>a</v>") + "</row>" +
                         "<row r=\"7\">" + Cell("B7", null, "<v>7</v>") + Cell("A7", "str", "<v>g</v>") + "</row><row r=\"9\"/>");
        var sheet = ImportFileReader.Read("a.xlsx", bytes, new ImportLimits());

        // MiniExcel yields the blank row 1 first: the header is on the first non-blank record, data follows record by record.
        Assert.Equal(["Tên"], sheet.Headers);
        Assert.Equal(5, sheet.Rows.Count);
        Assert.Equal("a", sheet.Rows[0][0]);
        Assert.Equal("g", sheet.Rows[4][0]);
        Assert.All(sheet.Rows.Skip(1).Take(3), r => Assert.Null(r[0]));
    }

    [Theory]
    [InlineData("a long cell, then broken XML: MiniExcel's scan of the sheet failed first", "<<", FileRejections.Corrupt)]
    [InlineData("a long cell, then a cell without r: MiniExcel placed cells one after another", "<row><c><v>1</v></c></row>", FileRejections.CellTooLong)]
    [InlineData("a long cell, then a cell past XFD: MiniExcel failed on its first record", "<row r=\"3\"><c r=\"XFE3\"><v>1</v></c></row>", FileRejections.Corrupt)]
    [InlineData("a long cell, nothing after", "", FileRejections.CellTooLong)]
    public void A_refusal_found_before_the_end_of_a_sheet_without_dimension_is_the_one_MiniExcel_gave(string name, string after, string code)
    {
        var rows = "<row r=\"1\">" + Cell("A1", "str", "<v>H</v>") + "</row><row r=\"2\">" + Cell("A2", "str", $"<v>{new string('a', 40_000)}</v>") + "</row>";
        var sheet = after == "<<" ? SheetXml(rows) + after : SheetXml(rows + after);

        var ex = Assert.Throws<ImportFileRejectedException>(() => ImportFileReader.Read("a.xlsx", Book(string.Empty, sheet: sheet), new ImportLimits()));

        Assert.True(code == ex.Code, $"{name}: {ex.Code} {ex.Detail}");
    }

    [Fact]
    public void A_narrow_column_limit_counts_the_columns_MiniExcel_counted()
    {
        // Without <dimension> MiniExcel sized every record to the widest cell of the sheet, here the last row's.
        var bytes = Book("<row r=\"1\">" + Cell("A1", "str", "<v>H</v>") + "</row><row r=\"2\">" + Cell("A2", "str", "<v>x</v>") + "</row>" +
                         "<row r=\"3\">" + Cell("E3", "str", "<v>wide</v>") + "</row>");

        Assert.Single(ImportFileReader.Read("a.xlsx", bytes, new ImportLimits { MaxColumns = 5 }).Headers);
        var ex = Assert.Throws<ImportFileRejectedException>(() => ImportFileReader.Read("a.xlsx", bytes, new ImportLimits { MaxColumns = 4 }));
        Assert.Equal(FileRejections.TooManyColumns, ex.Code);
    }

    [Fact]
    public void Values_come_out_with_MiniExcel_types_in_any_culture()
    {
        var bytes = HandWritten["styles: built-in and custom date and time formats"]();
        var culture = CultureInfo.CurrentCulture;
        try
        {
            foreach (var name in new[] { "vi-VN", "de-DE", "fr-FR", "ar-SA" })
            {
                CultureInfo.CurrentCulture = new CultureInfo(name);
                AssertSameAsMiniExcel(name, bytes);
            }
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }

        var row = ImportFileReader.Read("a.xlsx", bytes, new ImportLimits()).Rows[0];
        Assert.Equal(43832.25, row[0]);
        Assert.Equal(new DateTime(2020, 1, 2, 6, 0, 0), row[1]);
        Assert.Equal(TimeSpan.FromDays(43832.25), row[3]);
        Assert.Equal(43832.25, row[5]);
        Assert.IsType<DateTime>(row[6]);
        Assert.Equal(43832.25, row[7]);
    }

    // -------------------------------------------------------------------------------------------------------------
    // The comparison

    /// <summary>Both readers' records (or failure); positions past the last value are not compared.</summary>
    private static void AssertSameAsMiniExcel(string name, byte[] bytes)
    {
        var expected = MiniExcelRecords(bytes);
        var actual = ReaderRecords(bytes);
        if (expected.Error is not null || actual.Error is not null)
        {
            Assert.True(expected.Error is not null && actual.Error is not null,
                $"{name}: MiniExcel {expected.Error ?? $"{expected.Rows.Count} records"}, reader {actual.Error ?? $"{actual.Rows.Count} records"}");
            return;
        }

        Assert.True(expected.Rows.Count == actual.Rows.Count, $"{name}: {expected.Rows.Count} records, reader {actual.Rows.Count}");
        for (var i = 0; i < expected.Rows.Count; i++)
        {
            var (want, got) = (Trim(expected.Rows[i]), Trim(actual.Rows[i]));
            Assert.True(want.Length == got.Length, $"{name}, record {i}: [{Show(want)}] vs [{Show(got)}]");
            for (var j = 0; j < want.Length; j++)
            {
                Assert.True(SameValue(want[j], got[j]), $"{name}, record {i}, position {j}: {Show([want[j]])} vs {Show([got[j]])}");
            }

            Assert.True(actual.Counts[i] <= expected.Rows[i].Length, $"{name}, record {i}: width {actual.Counts[i]} > {expected.Rows[i].Length}");
        }
    }

    private sealed record Records(List<object?[]> Rows, List<int> Counts, string? Error);

    private static Records MiniExcelRecords(byte[] bytes)
    {
        var rows = new List<object?[]>();
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            var config = new MiniExcelLibs.OpenXml.OpenXmlConfiguration { FillMergedCells = false, EnableSharedStringCache = false };
            foreach (IDictionary<string, object?> record in stream.Query(useHeaderRow: false, excelType: ExcelType.XLSX, configuration: config))
            {
                rows.Add([.. record.Values]);
            }
        }
        catch (Exception ex) when (IsCorrupt(ex))
        {
            return new Records(rows, [], ex.GetType().Name + ": " + ex.Message);
        }

        return new Records(rows, [], null);
    }

    /// <summary>The reader as ImportFileReader drives it: read, and read again when <see cref="XlsxSheetReader.Settle"/> says so.</summary>
    private static Records ReaderRecords(byte[] bytes)
    {
        try
        {
            using var sheet = XlsxSheetReader.Open(bytes);
            while (true)
            {
                var rows = new List<object?[]>();
                var counts = new List<int>();
                try
                {
                    while (sheet.Read())
                    {
                        rows.Add(sheet.ToArray(sheet.Count));
                        counts.Add(sheet.Count);
                    }
                }
                catch (Exception ex) when (IsCorrupt(ex))
                {
                    if (sheet.Settle(int.MaxValue))
                    {
                        continue;
                    }

                    throw;
                }

                if (!sheet.Settle(int.MaxValue))
                {
                    return new Records(rows, counts, null);
                }
            }
        }
        catch (Exception ex) when (IsCorrupt(ex))
        {
            return new Records([], [], ex.GetType().Name + ": " + ex.Message);
        }
    }

    /// <summary>The exceptions ImportFileReader turns into a "corrupt" refusal.</summary>
    private static bool IsCorrupt(Exception ex) =>
        ex is InvalidDataException or System.Xml.XmlException or IOException or InvalidOperationException or FormatException or ArgumentException
            or NullReferenceException or IndexOutOfRangeException or OverflowException or KeyNotFoundException or InvalidCastException or NotSupportedException;

    private static object?[] Trim(object?[] values)
    {
        var n = values.Length;
        while (n > 0 && values[n - 1] is null)
        {
            n--;
        }

        return values[..n];
    }

    private static bool SameValue(object? x, object? y) => (x, y) switch
    {
        (null, null) => true,
        (double a, double b) => BitConverter.DoubleToInt64Bits(a) == BitConverter.DoubleToInt64Bits(b),
        (byte[] a, byte[] b) => a.SequenceEqual(b),
        (DateTime a, DateTime b) => a == b && a.Kind == b.Kind,
        _ => x is not null && y is not null && x.GetType() == y.GetType() && x.Equals(y),
    };

    private static string Show(object?[] values) => string.Join(", ", values.Select(v => v is null ? "null" : $"{v} ({v.GetType().Name})"));

    // -------------------------------------------------------------------------------------------------------------
    // Generated workbooks

    private static object? RandomValue(Random r) => r.Next(12) switch
    {
        0 => null,
        1 => r.Next(-1000, 1000),
        2 => Math.Round(r.NextDouble() * 1e6 - 5e5, 3),
        3 => (decimal)r.Next(0, 100_000) / 100m,
        4 => new DateTime(1900 + r.Next(200), r.Next(1, 13), r.Next(1, 28), r.Next(24), r.Next(60), 0),
        5 => r.Next(2) == 0,
        6 => string.Empty,
        7 => "  ",
        8 => "a_x0041_b",
        9 => (long)r.Next() * 1000,
        10 => "Nguyễn Văn " + r.Next(1000),
        _ => "09" + r.Next(10_000_000, 99_999_999).ToString(CultureInfo.InvariantCulture),
    };

    private static readonly string[] Values = ["1.5", " 2 ", "1e3", "abc", "", "45000", "-1", "1,000", "(3)", "0", "43832.5", "1E+400", "Tên", "  ", "a_x0041_b", "2020-01-02", "x&amp;y", "1", "2"];

    private static string RandomSheet(Random r)
    {
        var sb = new StringBuilder($"<worksheet xmlns=\"{Ns}\">");
        var dimension = r.Next(5) switch
        {
            0 => $"<dimension ref=\"A1:{ImportFileReader.ColumnLetter(r.Next(6))}{r.Next(1, 9)}\"/>",
            1 when r.Next(4) == 0 => "<dimension ref=\"junk\"/>",
            _ => string.Empty,
        };
        var late = r.Next(4) == 0;
        sb.Append(late ? string.Empty : dimension).Append("<sheetData>");
        var rowNumber = 0;
        for (var i = r.Next(0, 8); i > 0; i--)
        {
            rowNumber += r.Next(6) == 0 ? r.Next(2, 5) : 1;
            var rowRef = r.Next(10) switch { 0 => string.Empty, 1 => " r=\"0\"", 2 => $" r=\"{Math.Max(1, rowNumber - 2)}\"", _ => $" r=\"{rowNumber}\"" };
            sb.Append($"<row{rowRef}>");
            var column = 0;
            for (var j = r.Next(0, 6); j > 0; j--)
            {
                column += r.Next(5) == 0 ? 2 : 1;
                var letter = ImportFileReader.ColumnLetter(column - 1);
                var cellRef = r.Next(12) switch { 0 => string.Empty, 1 => "1A", 2 => letter.ToLowerInvariant() + rowNumber, 3 when r.Next(30) == 0 => "XFE" + rowNumber, _ => letter + rowNumber };
                string?[] types = [null, null, "s", "str", "inlineStr", "b", "e", "d", "n"];
                var type = types[r.Next(types.Length)];
                var style = r.Next(3) == 0 ? r.Next(0, 12).ToString(CultureInfo.InvariantCulture) : null;
                var value = Values[r.Next(Values.Length)];
                var content = r.Next(8) switch
                {
                    0 => string.Empty,
                    1 => $"<is><t>{value}</t><r><t>{value}</t></r></is>",
                    2 => $"<f>SUM(A1)</f><v>{value}</v>",
                    _ => $"<v>{value}</v>",
                };
                sb.Append(Cell(cellRef, type, content, style));
            }

            sb.Append("</row>");
        }

        sb.Append("</sheetData>").Append(late ? dimension : string.Empty).Append("</worksheet>");
        return sb.ToString();
    }

    private static readonly string[] Junk = ["<", ">", "</c>", "<c>", "&", "<c r=\"A1\"/>", "<dimension ref=\"A1:B2\"/>", "\"", "<c/>", "<row>", "</row>", "<v>1</v>"];

    private static string Mutate(Random r, string xml)
    {
        var at = r.Next(xml.Length);
        return r.Next(3) switch
        {
            0 => xml.Remove(at, Math.Min(r.Next(1, 12), xml.Length - at)),
            1 => xml.Insert(at, Junk[r.Next(Junk.Length)]),
            _ => xml.Insert(r.Next(xml.Length), xml.Substring(at, Math.Min(r.Next(1, 40), xml.Length - at))),
        };
    }
}
