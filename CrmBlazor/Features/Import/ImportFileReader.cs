using System.Diagnostics;
using System.IO.Compression;
using System.Text;

namespace CrmBlazor.Features.Import;

/// <summary>Limits that keep a hostile or broken file from costing more than a few seconds (configuration "Import:…").</summary>
public sealed record ImportLimits
{
    /// <summary>R3.1: 10 MB by default ("Import:MaxFileBytes").</summary>
    public long MaxFileBytes { get; init; } = 10 * 1024 * 1024;
    /// <summary>Bytes really inflated from the workbook's zip, counted while reading (declared sizes are not trusted).</summary>
    public long MaxInflatedBytes { get; init; } = 200L * 1024 * 1024;
    /// <summary>A small file may not inflate more than this many times its size (beyond <see cref="MinInflatedBudget"/>).</summary>
    public int MaxInflationRatio { get; init; } = 100;
    public long MinInflatedBudget { get; init; } = 50L * 1024 * 1024;
    public int MaxZipEntries { get; init; } = 5000;
    public int MaxSharedStrings { get; init; } = 3_000_000;
    /// <summary>Excel's own limits: 16,384 columns, 32,767 characters per cell, 1,048,576 rows.</summary>
    public int MaxColumns { get; init; } = 16_384;
    public int MaxCellChars { get; init; } = 32_767;
    public int MaxRows { get; init; } = 1_048_576;
    public long MaxRowChars { get; init; } = 1_000_000;
    public TimeSpan MaxReadTime { get; init; } = TimeSpan.FromSeconds(30);

    public static ImportLimits From(Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        var limits = new ImportLimits();
        var max = configuration.GetValue<long?>("Import:MaxFileBytes");
        var inflated = configuration.GetValue<long?>("Import:MaxInflatedBytes");
        return limits with
        {
            MaxFileBytes = max is > 0 ? max.Value : limits.MaxFileBytes,
            MaxInflatedBytes = inflated is > 0 ? inflated.Value : limits.MaxInflatedBytes,
        };
    }
}

/// <summary>Codes of the reasons a whole file is refused (the page words them).</summary>
public static class FileRejections
{
    public const string Empty = "empty";
    public const string TooLarge = "too-large";
    public const string LegacyXls = "legacy-xls";
    public const string Encrypted = "encrypted";
    public const string UnsupportedType = "unsupported-type";
    public const string NotWhatItClaims = "not-what-it-claims";
    public const string Corrupt = "corrupt";
    public const string TooMuchInflation = "inflation";
    public const string TooManyColumns = "too-many-columns";
    public const string CellTooLong = "cell-too-long";
    public const string TooManyRows = "too-many-rows";
    public const string BadEncoding = "bad-encoding";
    public const string NoHeader = "no-header";
    public const string TooSlow = "too-slow";
}

/// <summary>The file was refused as a whole; nothing was read into the database.</summary>
public sealed class ImportFileRejectedException(string code, string detail) : Exception($"{code}: {detail}")
{
    public string Code { get; } = code;
    public string Detail { get; } = detail;
}

/// <summary>A spreadsheet read into memory: the header row and the data rows (cells: string, double, DateTime, bool or null).</summary>
public sealed record ImportSheet(string FileName, IReadOnlyList<string> Headers, IReadOnlyList<object?[]> Rows)
{
    /// <summary>The spreadsheet row number of data row <paramref name="index"/> (the header is row 1).</summary>
    public static int RowNumber(int index) => index + 2;
}

/// <summary>
/// Reads .xlsx (<see cref="XlsxSheetReader"/>, which yields what MiniExcel 1.46 did), Excel 97-2003 .xls (BIFF8 through
/// ExcelDataReader, issue 21) and .csv (UTF-8 with or without BOM, UTF-16; comma, semicolon or tab) after checking that
/// the file is what it claims and stays within <see cref="ImportLimits"/>. An .xlsx that is an OLE compound file
/// (password-protected) is refused with a message saying to remove the password.
/// </summary>
public static class ImportFileReader
{
    private static readonly byte[] ZipMagic = [0x50, 0x4B, 0x03, 0x04];
    private static readonly byte[] OleMagic = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

    public static ImportSheet Read(string fileName, byte[] bytes, ImportLimits limits, CancellationToken ct = default)
    {
        if (bytes.Length == 0)
        {
            throw new ImportFileRejectedException(FileRejections.Empty, "The file is empty.");
        }

        if (bytes.Length > limits.MaxFileBytes)
        {
            throw new ImportFileRejectedException(FileRejections.TooLarge, $"{bytes.Length} bytes > {limits.MaxFileBytes}.");
        }

        var extension = Path.GetExtension(fileName).ToLowerInvariant();
        var isZip = bytes.AsSpan().StartsWith(ZipMagic);
        var isOle = bytes.AsSpan().StartsWith(OleMagic);
        switch (extension)
        {
            case ".xls":
                if (!isOle)
                {
                    // An .xlsx or a text file renamed .xls: said so, as for the other types.
                    throw new ImportFileRejectedException(FileRejections.NotWhatItClaims, "Not an Excel 97-2003 workbook.");
                }

                return ReadXls(fileName, bytes, limits, ct);
            case ".xlsx" or ".xlsm":
                if (isOle)
                {
                    throw new ImportFileRejectedException(FileRejections.Encrypted, "The workbook is password-protected (or an old .xls renamed).");
                }

                if (!isZip)
                {
                    throw new ImportFileRejectedException(FileRejections.NotWhatItClaims, "Not an Excel workbook.");
                }

                return ReadXlsx(fileName, bytes, limits, ct);
            case ".csv" or ".txt" or ".tsv":
                if (isZip || isOle)
                {
                    throw new ImportFileRejectedException(FileRejections.NotWhatItClaims, "A workbook named as a text file.");
                }

                return ReadCsv(fileName, bytes, limits, ct);
            default:
                throw new ImportFileRejectedException(FileRejections.UnsupportedType, $"Unsupported extension '{extension}'.");
        }
    }

    private static ImportSheet ReadXlsx(string fileName, byte[] bytes, ImportLimits limits, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        Inspect(bytes, limits, clock, ct);

        var rows = new SheetRows();
        string[]? headers = null;
        try
        {
            // Records as MiniExcel's Query(useHeaderRow: false) yielded them: a value list per spreadsheet row, with
            // blank records for rows missing from the XML, so that data row i stays spreadsheet row i + 2. The reader
            // reads in one pass what MiniExcel read in two; when the end shows MiniExcel would have laid the sheet out
            // otherwise (Settle), the rows read are thrown away and the sheet is read again its way.
            using var sheet = XlsxSheetReader.Open(bytes);
            bool again;
            do
            {
                rows.Clear();
                try
                {
                    headers = ReadRecords(sheet, rows, limits, clock, ct);
                }
                catch (Exception ex) when (ex is not (OperationCanceledException or ImportFileRejectedException { Code: FileRejections.TooSlow }))
                {
                    if (!sheet.Settle(limits.MaxColumns))
                    {
                        throw;
                    }

                    again = true;
                    continue;
                }

                again = sheet.Settle(limits.MaxColumns);
            }
            while (again);
        }
        catch (ImportFileRejectedException)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception ex) when (ex is InvalidDataException or System.Xml.XmlException or IOException or InvalidOperationException
                                       or FormatException or ArgumentException or NullReferenceException or IndexOutOfRangeException
                                       or OverflowException or KeyNotFoundException or InvalidCastException or NotSupportedException)
        {
            throw new ImportFileRejectedException(FileRejections.Corrupt, ex.GetType().Name + ": " + ex.Message);
        }

        return Finish(fileName, headers, rows);

        static string[]? ReadRecords(XlsxSheetReader sheet, SheetRows rows, ImportLimits limits, Stopwatch clock, CancellationToken ct)
        {
            string[]? headers = null;
            object?[]? row = null; // one buffer: the rows keep their own copy
            while (sheet.Read())
            {
                ct.ThrowIfCancellationRequested();
                if (sheet.Count > limits.MaxColumns)
                {
                    throw new ImportFileRejectedException(FileRejections.TooManyColumns, $"{sheet.Count} columns.");
                }

                if (headers is null)
                {
                    var width = sheet.LastNonBlank() + 1;
                    if (width == 0)
                    {
                        continue;
                    }

                    headers = HeaderTexts(sheet.ToArray(width), width, limits);
                    continue;
                }

                row ??= new object?[headers.Length];
                Array.Clear(row);
                long rowChars = 0;
                foreach (var position in sheet.Filled)
                {
                    var value = sheet[position];
                    if (value is string s)
                    {
                        CheckCell(s, limits);
                        rowChars += s.Length;
                    }

                    if (position < row.Length)
                    {
                        row[position] = value;
                    }
                }

                if (rowChars > limits.MaxRowChars)
                {
                    throw new ImportFileRejectedException(FileRejections.CellTooLong, "A row is too long.");
                }

                AddRow(rows, row, limits);
                if ((rows.Count & 4095) == 0 && clock.Elapsed > limits.MaxReadTime)
                {
                    throw new ImportFileRejectedException(FileRejections.TooSlow, "Reading took too long.");
                }
            }

            return headers;
        }
    }

    /// <summary>
    /// Reads the first sheet of an Excel 97-2003 workbook (BIFF8; ExcelDataReader also reads BIFF2-5) with the limits of
    /// .xlsx: rows, columns, characters per cell and per row, and reading time. Its cells come as .xlsx's do: text,
    /// numbers (double), dates (DateTime, for cells with a date format), booleans or blank; a phone typed as text keeps
    /// its leading 0. The format is not compressed, so a small file cannot unpack to a large one (the zip bomb's trick);
    /// what a crafted file can still do (claim absurd dimensions, loop its sector chains, declare huge strings) ends in
    /// ExcelDataReader's own checks, the limits here, or a "damaged" refusal. A password-protected workbook is refused as
    /// such.
    /// </summary>
    private static ImportSheet ReadXls(string fileName, byte[] bytes, ImportLimits limits, CancellationToken ct)
    {
        CodePages.Register();
        var clock = Stopwatch.StartNew();
        var rows = new SheetRows();
        string[]? headers = null;
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            using var reader = ExcelDataReader.ExcelReaderFactory.CreateBinaryReader(stream);
            object?[]? row = null;
            while (reader.Read())
            {
                ct.ThrowIfCancellationRequested();
                var count = reader.FieldCount;
                if (count > limits.MaxColumns)
                {
                    throw new ImportFileRejectedException(FileRejections.TooManyColumns, $"{count} columns.");
                }

                if (headers is null)
                {
                    var cells = new object?[count];
                    for (var i = 0; i < count; i++)
                    {
                        cells[i] = XlsCell(reader.GetValue(i));
                    }

                    var width = LastNonBlank(cells) + 1;
                    if (width > 0)
                    {
                        headers = HeaderTexts(cells, width, limits);
                    }

                    continue;
                }

                row ??= new object?[headers.Length];
                Array.Clear(row);
                long rowChars = 0;
                for (var i = 0; i < count; i++)
                {
                    var value = XlsCell(reader.GetValue(i));
                    if (value is string text)
                    {
                        CheckCell(text, limits);
                        rowChars += text.Length;
                    }

                    if (i < row.Length)
                    {
                        row[i] = value;
                    }
                }

                if (rowChars > limits.MaxRowChars)
                {
                    throw new ImportFileRejectedException(FileRejections.CellTooLong, "A row is too long.");
                }

                AddRow(rows, row, limits);
                if ((rows.Count & 1023) == 0 && clock.Elapsed > limits.MaxReadTime)
                {
                    throw new ImportFileRejectedException(FileRejections.TooSlow, "Reading took too long.");
                }
            }
        }
        catch (ImportFileRejectedException)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (ExcelDataReader.Exceptions.InvalidPasswordException ex)
        {
            throw new ImportFileRejectedException(FileRejections.Encrypted, ex.Message);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // ExcelDataReader's HeaderException and CompoundDocumentException, and what a truncated or crafted file
            // makes it run into (end of stream, an index out of range, a bad cast): all mean the file cannot be read.
            throw new ImportFileRejectedException(FileRejections.Corrupt, ex.GetType().Name + ": " + ex.Message);
        }

        return Finish(fileName, headers, rows);
    }

    /// <summary>A cell as the import takes it: "" is blank, as in .xlsx; integers come as double, as in .xlsx.</summary>
    private static object? XlsCell(object? value) => value switch
    {
        null or DBNull => null,
        string { Length: 0 } => null,
        int i => (double)i,
        _ => value,
    };

    /// <summary>BIFF8 text is UTF-16, but older workbooks (and the CodePage record) name Windows code pages.</summary>
    private static class CodePages
    {
        private static readonly Lazy<bool> Registered = new(() =>
        {
            Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
            return true;
        });

        public static void Register() => _ = Registered.Value;
    }

    /// <summary>
    /// Opens the zip and inflates every entry into a counting sink: the workbook must have its parts, stay under the
    /// inflated budget (real bytes, not declared sizes), be readable to the end (truncation, CRC) and carry no
    /// absurd number of shared strings.
    /// </summary>
    private static void Inspect(byte[] bytes, ImportLimits limits, Stopwatch clock, CancellationToken ct)
    {
        var budget = Math.Min(limits.MaxInflatedBytes, Math.Max(limits.MinInflatedBudget, (long)bytes.Length * limits.MaxInflationRatio));
        try
        {
            using var zip = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read);
            if (zip.Entries.Count > limits.MaxZipEntries)
            {
                throw new ImportFileRejectedException(FileRejections.TooMuchInflation, $"{zip.Entries.Count} parts.");
            }

            if (zip.GetEntry("xl/workbook.xml") is null)
            {
                if (zip.GetEntry("EncryptedPackage") is not null)
                {
                    throw new ImportFileRejectedException(FileRejections.Encrypted, "Encrypted package.");
                }

                throw new ImportFileRejectedException(FileRejections.NotWhatItClaims, "A zip file without an Excel workbook inside.");
            }

            long total = 0;
            var buffer = new byte[81920];
            foreach (var entry in zip.Entries)
            {
                var isSharedStrings = entry.FullName.EndsWith("sharedStrings.xml", StringComparison.OrdinalIgnoreCase);
                long sharedStrings = 0;
                var tail = 0;
                using var s = entry.Open();
                int n;
                while ((n = s.Read(buffer, 0, buffer.Length)) > 0)
                {
                    total += n;
                    if (total > budget)
                    {
                        throw new ImportFileRejectedException(FileRejections.TooMuchInflation, $"More than {budget} bytes inflated.");
                    }

                    if (isSharedStrings)
                    {
                        sharedStrings += CountSi(buffer.AsSpan(0, n), ref tail);
                        if (sharedStrings > limits.MaxSharedStrings)
                        {
                            throw new ImportFileRejectedException(FileRejections.TooMuchInflation, $"More than {limits.MaxSharedStrings} shared strings.");
                        }
                    }

                    if (clock.Elapsed > limits.MaxReadTime)
                    {
                        throw new ImportFileRejectedException(FileRejections.TooSlow, "Inflating took too long.");
                    }

                    ct.ThrowIfCancellationRequested();
                }
            }
        }
        catch (InvalidDataException ex)
        {
            throw new ImportFileRejectedException(FileRejections.Corrupt, ex.Message);
        }
        catch (IOException ex)
        {
            throw new ImportFileRejectedException(FileRejections.Corrupt, ex.Message);
        }
    }

    /// <summary>Counts "&lt;si&gt;"/"&lt;si " openings, carrying a partial match across buffers in <paramref name="state"/>.</summary>
    private static int CountSi(ReadOnlySpan<byte> data, ref int state)
    {
        var count = 0;
        foreach (var b in data)
        {
            state = state switch
            {
                0 => b == (byte)'<' ? 1 : 0,
                1 => b == (byte)'s' ? 2 : b == (byte)'<' ? 1 : 0,
                2 => b == (byte)'i' ? 3 : b == (byte)'<' ? 1 : 0,
                _ => b is (byte)'>' or (byte)' ' or (byte)'/' ? Count(ref count) : b == (byte)'<' ? 1 : 0,
            };
        }

        return count;

        static int Count(ref int c)
        {
            c++;
            return 0;
        }
    }

    private static ImportSheet ReadCsv(string fileName, byte[] bytes, ImportLimits limits, CancellationToken ct)
    {
        var text = Decode(bytes);
        foreach (var c in text)
        {
            if (c == '\0' || (char.IsControl(c) && c is not ('\t' or '\r' or '\n')))
            {
                throw new ImportFileRejectedException(FileRejections.NotWhatItClaims, "Binary content in a text file.");
            }
        }

        var start = 0;
        char? separator = null;
        if (text.StartsWith("sep=", StringComparison.OrdinalIgnoreCase) && text.Length > 4)
        {
            separator = text[4];
            start = text.IndexOf('\n', StringComparison.Ordinal) + 1;
            if (start == 0)
            {
                start = text.Length;
            }
        }

        var sep = separator ?? DetectSeparator(text.AsSpan(start));
        var rows = new SheetRows();
        string[]? headers = null;
        var fields = new List<string>();
        var cell = new StringBuilder();
        var i = start;
        long rowChars = 0;
        while (i < text.Length || fields.Count > 0 || cell.Length > 0)
        {
            ct.ThrowIfCancellationRequested();
            fields.Clear();
            rowChars = 0;
            var endOfRow = false;
            while (!endOfRow)
            {
                cell.Clear();
                if (i < text.Length && text[i] == '"')
                {
                    i++;
                    while (true)
                    {
                        if (i >= text.Length)
                        {
                            throw new ImportFileRejectedException(FileRejections.Corrupt, "A quoted cell is never closed (truncated file?).");
                        }

                        var c = text[i++];
                        if (c == '"')
                        {
                            if (i < text.Length && text[i] == '"')
                            {
                                cell.Append('"');
                                i++;
                                continue;
                            }

                            break;
                        }

                        cell.Append(c);
                        if (cell.Length > limits.MaxCellChars)
                        {
                            throw new ImportFileRejectedException(FileRejections.CellTooLong, $"A cell is longer than {limits.MaxCellChars} characters.");
                        }
                    }
                }

                while (i < text.Length && text[i] != sep && text[i] != '\n' && text[i] != '\r')
                {
                    cell.Append(text[i++]);
                    if (cell.Length > limits.MaxCellChars)
                    {
                        throw new ImportFileRejectedException(FileRejections.CellTooLong, $"A cell is longer than {limits.MaxCellChars} characters.");
                    }
                }

                fields.Add(cell.ToString());
                rowChars += cell.Length;
                if (fields.Count > limits.MaxColumns)
                {
                    throw new ImportFileRejectedException(FileRejections.TooManyColumns, $"More than {limits.MaxColumns} columns.");
                }

                if (rowChars > limits.MaxRowChars)
                {
                    throw new ImportFileRejectedException(FileRejections.CellTooLong, "A row is too long.");
                }

                if (i >= text.Length)
                {
                    endOfRow = true;
                }
                else if (text[i] == sep)
                {
                    i++;
                }
                else
                {
                    if (text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                    {
                        i++;
                    }

                    i++;
                    endOfRow = true;
                }
            }

            var values = fields.Select(f => (object?)(f.Length == 0 ? null : f)).ToArray();
            if (headers is null)
            {
                var width = LastNonBlank(values) + 1;
                if (width > 0)
                {
                    headers = HeaderTexts(values, width, limits);
                }
            }
            else
            {
                var row = new object?[headers.Length];
                Array.Copy(values, row, Math.Min(values.Length, row.Length));
                for (var k = 0; k < row.Length; k++)
                {
                    row[k] = Unquote(row[k]);
                }

                AddRow(rows, row, limits);
            }

            fields.Clear();
            cell.Clear();
        }

        return Finish(fileName, headers, rows);
    }

    /// <summary>
    /// The apostrophe an export puts before text a spreadsheet would run as a formula ("'=SUM(1)", "'+84 …", "'@x"; ours,
    /// Excel's and most CRMs' CSV exports) is not part of the text: it is removed, so that export → import gives back exactly
    /// what was exported (issue 21). One apostrophe only: "''=x" (text that itself began with an apostrophe) gives "'=x".
    /// </summary>
    private static object? Unquote(object? cell) =>
        cell is string { Length: >= 2 } s && s[0] == '\'' && s[1] is '=' or '+' or '-' or '@' or '\t' or '\r' ? s[1..]
        : cell is string { Length: >= 3 } q && q[0] == '\'' && q[1] == '\'' && q[2] is '=' or '+' or '-' or '@' or '\t' or '\r' ? q[1..]
        : cell;

    /// <summary>BOM first (UTF-8, UTF-16 LE/BE), then UTF-16 without BOM (NUL pattern), else strict UTF-8.</summary>
    private static string Decode(byte[] bytes)
    {
        try
        {
            if (bytes.AsSpan().StartsWith(new byte[] { 0xEF, 0xBB, 0xBF }))
            {
                return new UTF8Encoding(false, true).GetString(bytes, 3, bytes.Length - 3);
            }

            if (bytes.AsSpan().StartsWith(new byte[] { 0xFF, 0xFE }))
            {
                return new UnicodeEncoding(false, false, true).GetString(bytes, 2, bytes.Length - 2);
            }

            if (bytes.AsSpan().StartsWith(new byte[] { 0xFE, 0xFF }))
            {
                return new UnicodeEncoding(true, false, true).GetString(bytes, 2, bytes.Length - 2);
            }

            if (bytes.Length >= 4 && bytes.Length % 2 == 0)
            {
                var sample = Math.Min(bytes.Length, 1024) & ~1;
                int evenNul = 0, oddNul = 0;
                for (var k = 0; k < sample; k += 2)
                {
                    evenNul += bytes[k] == 0 ? 1 : 0;
                    oddNul += bytes[k + 1] == 0 ? 1 : 0;
                }

                if (oddNul > sample / 4 && evenNul == 0)
                {
                    return new UnicodeEncoding(false, false, true).GetString(bytes);
                }

                if (evenNul > sample / 4 && oddNul == 0)
                {
                    return new UnicodeEncoding(true, false, true).GetString(bytes);
                }
            }

            return new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new ImportFileRejectedException(FileRejections.BadEncoding, "The text is not valid UTF-8 or UTF-16.");
        }
    }

    /// <summary>The separator Excel used: the most frequent of ',', ';' and tab in the first line (outside quotes).</summary>
    private static char DetectSeparator(ReadOnlySpan<char> text)
    {
        int comma = 0, semicolon = 0, tab = 0;
        var quoted = false;
        foreach (var c in text)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted)
            {
                if (c is '\n' or '\r')
                {
                    break;
                }

                comma += c == ',' ? 1 : 0;
                semicolon += c == ';' ? 1 : 0;
                tab += c == '\t' ? 1 : 0;
            }
        }

        return tab > comma && tab >= semicolon ? '\t' : semicolon > comma ? ';' : ',';
    }

    private static void CheckCell(string s, ImportLimits limits)
    {
        if (s.Length > limits.MaxCellChars)
        {
            throw new ImportFileRejectedException(FileRejections.CellTooLong, $"A cell is longer than {limits.MaxCellChars} characters.");
        }
    }

    private static void AddRow(SheetRows rows, object?[] row, ImportLimits limits)
    {
        rows.Add(row);
        if (rows.Count > limits.MaxRows)
        {
            throw new ImportFileRejectedException(FileRejections.TooManyRows, $"More than {limits.MaxRows} rows.");
        }
    }

    private static ImportSheet Finish(string fileName, string[]? headers, SheetRows rows)
    {
        if (headers is null)
        {
            throw new ImportFileRejectedException(FileRejections.NoHeader, "No header row.");
        }

        rows.TrimTrailingBlankRows();
        return new ImportSheet(Path.GetFileName(fileName), headers, rows);
    }

    private static int LastNonBlank(object?[] cells)
    {
        for (var i = cells.Length - 1; i >= 0; i--)
        {
            if (!Domain.Importing.ImportRowParser.IsBlank(cells[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private static string[] HeaderTexts(object?[] cells, int width, ImportLimits limits)
    {
        if (width > limits.MaxColumns)
        {
            throw new ImportFileRejectedException(FileRejections.TooManyColumns, $"{width} columns.");
        }

        var headers = new string[width];
        for (var i = 0; i < width; i++)
        {
            var text = Domain.Importing.ImportRowParser.Text(cells[i]);
            if (text is not null)
            {
                CheckCell(text, limits);
            }

            headers[i] = text ?? ColumnLetter(i);
        }

        return headers;
    }

    /// <summary>0 → "A", 26 → "AA".</summary>
    public static string ColumnLetter(int index)
    {
        var s = string.Empty;
        index++;
        while (index > 0)
        {
            var m = (index - 1) % 26;
            s = (char)('A' + m) + s;
            index = (index - 1) / 26;
        }

        return s;
    }
}
