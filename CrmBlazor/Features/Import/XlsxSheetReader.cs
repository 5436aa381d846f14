using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;

namespace CrmBlazor.Features.Import;

/// <summary>
/// Streams the first worksheet of an .xlsx, one record at a time, exactly as MiniExcel 1.46's
/// <c>Query(useHeaderRow: false)</c> yields it (same records, same positions, same value types), without its per-row
/// dictionaries, per-cell attribute strings and second pass over the sheet.
/// </summary>
/// <remarks>
/// <para>
/// The import used MiniExcel and its users' files were accepted or refused by what MiniExcel did with them, so this
/// reader keeps its behaviour rather than what the Open XML standard says where the two differ: the sheet is the only
/// part named xl/worksheets/sheet… or else the first of the workbook; the row width is the &lt;dimension&gt;
/// (or the widest row when there is none) and cells past it follow in the order met; rows missing from the XML are
/// yielded as blank records; cells without an "r" are placed one after another only when the first such cell comes
/// before any &lt;dimension&gt;, else they take the column of the cell before them; numbers are doubles, booleans bools,
/// errors and unparsable values their text; a date style gives a DateTime, a time style a TimeSpan;
/// "_xHHHH_" escapes are decoded in strings (lower-case "x" only).
/// </para>
/// <para>
/// A record is a set of (position, value) pairs plus <see cref="Count"/>, the number of values MiniExcel's dictionary
/// would have held; unset positions are null. Damaged parts throw <see cref="XmlException"/>,
/// <see cref="InvalidDataException"/>, <see cref="InvalidOperationException"/> or <see cref="ArgumentException"/>,
/// which the caller turns into a "corrupt" refusal, in the same places MiniExcel failed.
/// </para>
/// <para>
/// One deliberate difference: a workbook that counts its dates from 1904 (&lt;workbookPr date1904="1"/&gt;, Excel for
/// Mac's old default) gives the dates it shows; MiniExcel read them 4 years and a day early (R3.3: real date cells).
/// </para>
/// </remarks>
internal sealed partial class XlsxSheetReader : IDisposable
{
    /// <summary>XFD, Excel's last column: MiniExcel cannot name a column past it and fails.</summary>
    private const int MaxColumnIndex = 16_383;

    /// <summary>MiniExcel's marker for a cell holding the bytes of another part of the package.</summary>
    private const string FileIdPrefix = "@@@fileid@@@,";

    private const string MainNs = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    private const string StrictNs = "http://purl.oclc.org/ooxml/spreadsheetml/main";
    private const string RelationshipNs = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    private const string StrictRelationshipNs = "http://purl.oclc.org/ooxml/officeDocument/relationships";
    private const string PackageRelationshipNs = "http://schemas.openxmlformats.org/package/2006/relationships";

    private static readonly object True = true;
    private static readonly object False = false;

    private readonly ZipArchive _zip;
    private readonly Dictionary<string, ZipArchiveEntry> _entries = new(StringComparer.OrdinalIgnoreCase);
    private readonly XmlReaderSettings _settings;
    private readonly Names _n;
    private IEnumerator<bool> _records;

    // Shared strings as written and, once a cell asks for one, decoded (null: no sharedStrings part).
    private string[]? _sharedStrings;
    private string?[]? _decodedStrings;

    // Number-format kind of each cellXfs entry, loaded when the first cell with a style is met.
    private StyleKind[]? _styles;
    private bool? _date1904;
    private Dictionary<string, byte[]>? _parts;

    // Layout found before the first record: MiniExcel's row width and whether cells are placed without "r".
    private int _maxColumn;
    private bool _withoutRef;

    // Optimistic reading (see Settle): what MiniExcel's layout scan would have seen so far in the one pass made.
    private bool _optimistic;
    private bool _layoutChanged;
    private int _observedMax = -1;
    private bool _drained;

    // The records pass over the sheet: kept open after an exception so that Settle can read on.
    private Stream? _mainStream;
    private XmlReader? _main;

    // The current record: values by position, the positions set in it (each once), and the columns past the width.
    private object?[] _values = [];
    private int[] _stamps = [];
    private int[] _filled = [];
    private int _filledCount;
    private int _generation = 1;
    private int _count;
    private int _width;
    private Dictionary<int, int>? _extraColumns;

    // The sheet part, and text read without making strings: <v>/<f>, "r", other attributes.
    private ZipArchiveEntry _sheet = null!;
    private char[] _text = new char[256];
    private int _textLength;
    private char[] _reference = new char[32];
    private char[] _attribute = new char[32];

    private XlsxSheetReader(byte[] bytes)
    {
        _n = new Names();
        _settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreComments = true,
            IgnoreWhitespace = true,
            NameTable = _n.Table,
        };
        _zip = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read);
        _records = Records().GetEnumerator();
    }

    /// <summary>
    /// Number of values of the current record (positions past the last set one are null). While reading
    /// optimistically it is the width seen so far, never more than MiniExcel's; <see cref="Settle"/> checks the rest.
    /// </summary>
    public int Count => Math.Max(_optimistic ? _observedMax + 1 : _count, _width);

    /// <summary>Positions set in the current record, each once, in the order their cells came.</summary>
    public ReadOnlySpan<int> Filled => _filled.AsSpan(0, _filledCount);

    /// <summary>The value at <paramref name="position"/> of the current record (null when unset).</summary>
    public object? this[int position] => position < _values.Length ? _values[position] : null;

    /// <summary>Opens the workbook and prepares its first sheet; nothing of the sheet's rows is read yet.</summary>
    public static XlsxSheetReader Open(byte[] bytes)
    {
        var reader = new XlsxSheetReader(bytes);
        try
        {
            reader.Prepare();
            return reader;
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>Moves to the next record; false at the end of the sheet.</summary>
    public bool Read() => _records.MoveNext();

    /// <summary>
    /// Says whether the records read so far must be thrown away and the sheet read again, once reading ended (at the
    /// end of the sheet or on an exception, the reader's or the caller's).
    /// </summary>
    /// <remarks>
    /// MiniExcel scans the sheet for its layout before its first record: up to the first &lt;dimension&gt; or cell
    /// without "r", which for a sheet without either (MiniExcel's own files) is the whole part. Instead of that second
    /// pass this reader assumes, from the first cell on, that the scan would have found neither, and watches every
    /// element it reads for them. Settle reads the rest of the sheet as the scan would have (an XML error there
    /// throws, as MiniExcel's scan did before any record) and then, if the scan would have found a &lt;dimension&gt;
    /// or a cell without "r", or a width over XFD or over <paramref name="maxColumns"/> (MiniExcel's first record
    /// failed then), switches to MiniExcel's exact way and returns true: the caller starts again from the first
    /// record. Otherwise the records given were exactly MiniExcel's and the caller's outcome stands.
    /// </remarks>
    public bool Settle(int maxColumns)
    {
        if (!_optimistic || _main is null)
        {
            return false;
        }

        if (_main.ReadState == ReadState.Error)
        {
            // The XML is broken before anything the scan would have stopped at: MiniExcel's scan failed there too.
            return false;
        }

        if (!_layoutChanged && !_drained)
        {
            Drain(_main);
        }

        if (!_layoutChanged && _observedMax <= MaxColumnIndex && Math.Max(_observedMax + 1, 1) <= maxColumns)
        {
            return false;
        }

        _records.Dispose();
        CloseMain();
        _optimistic = false;
        _layoutChanged = false;
        ClearRecord();
        ScanLayout(abortAtFirstCell: false);

        _records = Records().GetEnumerator();
        return true;
    }

    /// <summary>The last position of the current record holding a non-blank value, or -1.</summary>
    public int LastNonBlank()
    {
        var last = -1;
        foreach (var position in Filled)
        {
            if (position > last && !Domain.Importing.ImportRowParser.IsBlank(_values[position]))
            {
                last = position;
            }
        }

        return last;
    }

    /// <summary>The first <paramref name="width"/> values of the current record.</summary>
    public object?[] ToArray(int width)
    {
        var cells = new object?[width];
        foreach (var position in Filled)
        {
            if (position < width)
            {
                cells[position] = _values[position];
            }
        }

        return cells;
    }

    public void Dispose()
    {
        _records.Dispose();
        CloseMain();
        _zip.Dispose();
    }

    private void Prepare()
    {
        // MiniExcel indexes the parts by name, ignoring case and slashes' direction: two parts that collide fail.
        foreach (var entry in _zip.Entries)
        {
            _entries.Add(entry.FullName.Replace('\\', '/'), entry);
        }

        LoadSharedStrings();
        _sheet = FindSheet();
        ScanLayout(abortAtFirstCell: true);
    }

    private ZipArchiveEntry? Entry(string path) => _entries.GetValueOrDefault(path);

    // ---------------------------------------------------------------------------------------------------------------
    // The records

    private IEnumerable<bool> Records()
    {
        // Not disposed here: an exception thrown out of an iterator would dispose them before Settle reads on.
        _mainStream = _sheet.Open();
        var reader = _main = XmlReader.Create(_mainStream, _settings);
        foreach (var record in Records(reader))
        {
            yield return record;
        }

        if (_optimistic)
        {
            // MiniExcel's scan read to the end of the part: so does this reader (the records pass stops after the root).
            Drain(reader);
            _drained = true;
        }
    }

    private void CloseMain()
    {
        _main?.Dispose();
        _mainStream?.Dispose();
        _main = null;
        _mainStream = null;
        _drained = false;
    }

    /// <summary>MiniExcel's InternalQueryRange and QueryRow: one true per record, the record in the fields.</summary>
    private IEnumerable<bool> Records(XmlReader reader)
    {
        var rowIndex = -1;
        var isFirstRow = true;
        foreach (var isRow in RowElements(reader))
        {
            if (!isRow)
            {
                // Each <sheetData> starts again from the first row, as in MiniExcel.
                rowIndex = -1;
                isFirstRow = true;
                continue;
            }

            var nextRowIndex = rowIndex + 1;
            rowIndex = ReadIntAttribute(reader, _n.R, out var r) ? r - 1 : rowIndex + 1;
            if (rowIndex < 0)
            {
                if (ReadFirstContent(reader))
                {
                    while (!reader.EOF && SkipContent(reader))
                    {
                    }
                }

                continue;
            }

            // Rows missing from the XML: blank records, from the sheet's first row for the first one.
            var gap = isFirstRow ? 0 : nextRowIndex;
            if (0 <= gap && gap < rowIndex)
            {
                for (var i = gap; i < rowIndex; i++)
                {
                    BeginRecord();
                    isFirstRow = false;
                    yield return true;
                }
            }

            if (!ReadFirstContent(reader))
            {
                BeginRecord();
                isFirstRow = false;
                yield return true;
                continue;
            }

            BeginRecord();
            var column = _withoutRef ? -1 : 0;
            while (!reader.EOF)
            {
                if (IsStart(reader, _n.C))
                {
                    column = ReadCell(reader, column);
                }
                else if (!SkipContent(reader))
                {
                    break;
                }
            }

            isFirstRow = false;
            yield return true;
        }
    }

    /// <summary>
    /// Walks worksheet/sheetData/row as MiniExcel does: false on entering a &lt;sheetData&gt;, true on each
    /// &lt;row&gt; start, which the caller reads past before going on.
    /// </summary>
    private IEnumerable<bool> RowElements(XmlReader reader)
    {
        if (!IsStart(reader, _n.Worksheet) || !ReadFirstContent(reader))
        {
            yield break;
        }

        while (!reader.EOF)
        {
            if (!IsStart(reader, _n.SheetData))
            {
                if (!SkipContent(reader))
                {
                    break;
                }

                continue;
            }

            if (!ReadFirstContent(reader))
            {
                continue;
            }

            yield return false;
            while (!reader.EOF)
            {
                if (!IsStart(reader, _n.Row))
                {
                    if (!SkipContent(reader))
                    {
                        break;
                    }

                    continue;
                }

                yield return true;
            }
        }
    }

    private void BeginRecord()
    {
        if (_maxColumn > MaxColumnIndex)
        {
            throw new InvalidDataException($"Column index {_maxColumn} is past XFD.");
        }

        if (!_optimistic && _maxColumn >= _values.Length)
        {
            Grow(_maxColumn + 1);
        }

        ClearRecord();
        _count = Math.Max(_maxColumn + 1, 0);
    }

    private void ClearRecord()
    {
        if (_filledCount > 0)
        {
            foreach (var position in Filled)
            {
                _values[position] = null;
            }

            _filledCount = 0;
            _generation++;
            _extraColumns?.Clear();
        }

        _width = 0;
    }

    private void Set(int column, object? value)
    {
        if (column > MaxColumnIndex)
        {
            throw new InvalidDataException($"Column index {column} is past XFD.");
        }

        int position;
        if (column <= _maxColumn)
        {
            position = column;
        }
        else
        {
            // Past the declared width MiniExcel adds the column to the row's dictionary: it comes after the others.
            _extraColumns ??= [];
            if (!_extraColumns.TryGetValue(column, out position))
            {
                position = _count++;
                _extraColumns.Add(column, position);
            }
        }

        if (position >= _values.Length)
        {
            Grow(Math.Max(position + 1, Math.Min(_values.Length * 2, MaxColumnIndex + 1)));
        }

        if (_stamps[position] != _generation)
        {
            _stamps[position] = _generation;
            _filled[_filledCount++] = position;
            _width = Math.Max(_width, position + 1);
        }

        _values[position] = value;
    }

    private void Grow(int size)
    {
        Array.Resize(ref _values, size);
        Array.Resize(ref _stamps, size);
        Array.Resize(ref _filled, size);
    }

    /// <summary>Reads one &lt;c&gt; and stores its value; returns the column it took (the next cell goes on from it).</summary>
    private int ReadCell(XmlReader reader, int column)
    {
        var kind = CellKind.Number;
        var hasRef = false;
        var refLength = 0;
        var style = -1;
        var hasStyle = false;
        if (reader.MoveToFirstAttribute())
        {
            do
            {
                if (reader.Prefix.Length != 0)
                {
                    continue;
                }

                var name = reader.LocalName;
                if (ReferenceEquals(name, _n.R))
                {
                    hasRef = true;
                    refLength = ReadAttributeValue(reader, ref _reference);
                }
                else if (ReferenceEquals(name, _n.S))
                {
                    var length = ReadAttributeValue(reader, ref _attribute);
                    if (length > 0)
                    {
                        hasStyle = true;
                        style = int.TryParse(_attribute.AsSpan(0, length), NumberStyles.Any, CultureInfo.InvariantCulture, out var s) ? s : -1;
                    }
                }
                else if (ReferenceEquals(name, _n.T))
                {
                    var length = ReadAttributeValue(reader, ref _attribute);
                    kind = KindOf(_attribute.AsSpan(0, length));
                }
            }
            while (reader.MoveToNextAttribute());

            reader.MoveToElement();
        }

        if (_optimistic && !hasRef)
        {
            throw LayoutChanged();
        }

        if (_withoutRef)
        {
            column++;
        }
        else if (hasRef && ParseReference(_reference.AsSpan(0, refLength), out var parsed, out _))
        {
            column = parsed - 1;
            _observedMax = Math.Max(_observedMax, column);
        }

        object? value = null;
        if (column < 0)
        {
            // MiniExcel skips the content of a cell left of the first column (only a wrapped-around reference).
            if (ReadFirstContent(reader))
            {
                while (!reader.EOF && SkipContent(reader))
                {
                }
            }

            return column;
        }

        if (ReadFirstContent(reader))
        {
            while (!reader.EOF)
            {
                if (IsStart(reader, _n.F))
                {
                    ReadContent(reader);
                }
                else if (IsStart(reader, _n.V))
                {
                    if (ReadContent(reader) > 0)
                    {
                        value = Convert(_text.AsSpan(0, _textLength), null, kind);
                    }
                }
                else if (IsStart(reader, _n.Is))
                {
                    var text = ReadStringItem(reader);
                    if (text.Length > 0)
                    {
                        value = Convert(text, text, kind);
                    }
                }
                else if (!SkipContent(reader))
                {
                    break;
                }
            }
        }

        if (hasStyle)
        {
            value = ApplyStyle(style, value);
        }

        Set(column, value);
        return column;
    }

    private static CellKind KindOf(ReadOnlySpan<char> t) => t switch
    {
        "s" => CellKind.Shared,
        "inlineStr" or "str" => CellKind.String,
        "b" => CellKind.Bool,
        "d" => CellKind.Date,
        "e" => CellKind.Error,
        _ => CellKind.Number,
    };

    /// <summary>MiniExcel's ConvertCellValue: <paramref name="text"/> is <paramref name="raw"/> as a string when one exists.</summary>
    private object? Convert(ReadOnlySpan<char> raw, string? text, CellKind kind)
    {
        switch (kind)
        {
            case CellKind.Shared:
                if (int.TryParse(raw, NumberStyles.Any, CultureInfo.InvariantCulture, out var index) && index >= 0)
                {
                    if (_sharedStrings is null)
                    {
                        throw new InvalidDataException("A cell refers to a shared string but the workbook has none.");
                    }

                    return index < _sharedStrings.Length ? SharedString(index) : null;
                }

                return null;
            case CellKind.String:
                var decoded = Decode(text ?? new string(raw));
                return decoded.StartsWith(FileIdPrefix, StringComparison.Ordinal) ? PartBytes(decoded[FileIdPrefix.Length..]) : decoded;
            case CellKind.Bool:
                return raw is "1" ? True : False;
            case CellKind.Date:
                return DateTime.TryParseExact(raw, "yyyy-MM-dd", CultureInfo.InvariantCulture,
                    DateTimeStyles.AllowLeadingWhite | DateTimeStyles.AllowTrailingWhite, out var date)
                    ? date
                    : text ?? new string(raw);
            case CellKind.Error:
                return text ?? new string(raw);
            default:
                return double.TryParse(raw, NumberStyles.Any, CultureInfo.InvariantCulture, out var number) ? number : text ?? new string(raw);
        }
    }

    private string SharedString(int index)
    {
        _decodedStrings ??= new string?[_sharedStrings!.Length];
        return _decodedStrings[index] ??= Decode(_sharedStrings![index]);
    }

    /// <summary>
    /// MiniExcel's XmlEncoder.DecodeString: "_xHHHH_" escapes become their character, "_XHHHH_" stays as written.
    /// A string without "_" comes back as it is (the same instance).
    /// </summary>
    internal static string Decode(string text)
    {
        if (text.Length == 0)
        {
            return string.Empty;
        }

        if (!text.Contains('_', StringComparison.Ordinal))
        {
            return text;
        }

        return XmlConvert.DecodeName(UpperCaseEscape().Replace(text, "_x005F_$1_"));
    }

    [GeneratedRegex("_(X[\\dA-Fa-f]{4})_")]
    private static partial Regex UpperCaseEscape();

    /// <summary>A "@@@fileid@@@,path" string cell: MiniExcel returns the bytes of that part (read once here).</summary>
    private byte[] PartBytes(string path)
    {
        _parts ??= new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (_parts.TryGetValue(path, out var bytes))
        {
            return bytes;
        }

        var entry = Entry(path) ?? throw new InvalidDataException($"A cell refers to a missing part '{path}'.");
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        bytes = copy.ToArray();
        _parts.Add(path, bytes);
        return bytes;
    }

    private object? ApplyStyle(int index, object? value)
    {
        _styles ??= LoadStyles();
        var kind = (uint)index < (uint)_styles.Length ? _styles[index] : StyleKind.None;
        if (kind == StyleKind.None || !TryNumber(value, out var number))
        {
            return value;
        }

        if (kind == StyleKind.Time)
        {
            return TimeSpan.FromDays(number);
        }

        _date1904 ??= LoadDate1904();
        if (_date1904.Value)
        {
            number += Date1904Offset;
        }

        return number > -657435.0 && number < 2958466.0 ? DateTime.FromOADate(number) : value;
    }

    /// <summary>Days from 1899-12-30 (serial 0 of the 1900 system) to 1904-01-01 (serial 0 of the 1904 system).</summary>
    private const double Date1904Offset = 1462;

    /// <summary>
    /// Whether xl/workbook.xml's &lt;workbookPr&gt; says date1904 (read once, at the first date cell). A missing or
    /// unreadable workbook part counts as the 1900 system, as before: it decides no refusal.
    /// </summary>
    private bool LoadDate1904()
    {
        if (Entry("xl/workbook.xml") is not { } entry)
        {
            return false;
        }

        try
        {
            using var stream = entry.Open();
            using var reader = XmlReader.Create(stream, _settings);
            if (!IsStart(reader, _n.Workbook) || !ReadFirstContent(reader))
            {
                return false;
            }

            while (!reader.EOF)
            {
                if (IsStart(reader, _n.WorkbookPr))
                {
                    return reader.GetAttribute("date1904")?.Trim() is "1" or "true";
                }

                if (!SkipContent(reader))
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is XmlException or InvalidDataException)
        {
            return false;
        }

        return false;
    }

    /// <summary>
    /// MiniExcel parses <c>value?.ToString()</c> in the current culture. A double's own text reads back as the same
    /// double in any culture, so it is taken as it is; anything else goes the same way as in MiniExcel.
    /// </summary>
    private static bool TryNumber(object? value, out double number)
    {
        if (value is double d)
        {
            number = d;
            return true;
        }

        return double.TryParse(value?.ToString(), out number);
    }

    /// <summary>
    /// Reads an element's text as <see cref="XmlReader.ReadElementContentAsString()"/> would, into <see cref="_text"/>
    /// (no string made), and moves past its end; returns the length.
    /// </summary>
    private int ReadContent(XmlReader reader)
    {
        _textLength = 0;
        var empty = reader.IsEmptyElement;
        reader.Read();
        if (empty)
        {
            return 0;
        }

        switch (reader.NodeType)
        {
            case XmlNodeType.EndElement:
                reader.Read();
                return 0;
            case XmlNodeType.Element:
                throw new XmlException("A cell value has child elements.");
        }

        do
        {
            var type = reader.NodeType;
            if (type is XmlNodeType.Text or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace or XmlNodeType.CDATA)
            {
                AppendValue(reader);
            }
            else if (type is not (XmlNodeType.ProcessingInstruction or XmlNodeType.Comment or XmlNodeType.EndEntity))
            {
                break;
            }
        }
        while (reader.Read());

        if (reader.NodeType != XmlNodeType.EndElement)
        {
            throw new XmlException($"Unexpected {reader.NodeType} in a cell value.");
        }

        reader.Read();
        return _textLength;
    }

    private void AppendValue(XmlReader reader)
    {
        while (true)
        {
            if (_text.Length - _textLength < 16)
            {
                Array.Resize(ref _text, _text.Length * 2);
            }

            var n = reader.ReadValueChunk(_text, _textLength, _text.Length - _textLength);
            if (n == 0)
            {
                return;
            }

            _textLength += n;
        }
    }

    /// <summary>Reads the value of the attribute the reader is on into <paramref name="buffer"/>; returns its length.</summary>
    private static int ReadAttributeValue(XmlReader reader, ref char[] buffer)
    {
        var length = 0;
        while (true)
        {
            if (buffer.Length - length < 16)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }

            var n = reader.ReadValueChunk(buffer, length, buffer.Length - length);
            if (n == 0)
            {
                return length;
            }

            length += n;
        }
    }

    /// <summary><c>int.TryParse(reader.GetAttribute(name), out value)</c> without the attribute's string.</summary>
    private bool ReadIntAttribute(XmlReader reader, string name, out int value)
    {
        var length = FindAttribute(reader, name, ref _attribute);
        value = 0;
        return length >= 0 && int.TryParse(_attribute.AsSpan(0, length), out value);
    }

    /// <summary>
    /// The value of the element's attribute <paramref name="name"/> (no prefix, as GetAttribute(name) finds it) read
    /// into <paramref name="buffer"/>: its length, or -1 when the element has no such attribute.
    /// </summary>
    private static int FindAttribute(XmlReader reader, string name, ref char[] buffer)
    {
        var length = -1;
        if (reader.MoveToFirstAttribute())
        {
            do
            {
                if (reader.Prefix.Length == 0 && ReferenceEquals(reader.LocalName, name))
                {
                    length = ReadAttributeValue(reader, ref buffer);
                    break;
                }
            }
            while (reader.MoveToNextAttribute());

            reader.MoveToElement();
        }

        return length;
    }

    /// <summary>MiniExcel's ReferenceHelper.ParseReference ("B7" → 2, 7), on a span; no overflow checks, as there.</summary>
    internal static bool ParseReference(ReadOnlySpan<char> value, out int column, out int row)
    {
        row = 0;
        column = 0;
        var i = 0;
        if (value.IsWhiteSpace())
        {
            return false;
        }

        while (i < value.Length)
        {
            var c = char.ToUpperInvariant(value[i]);
            if (c is >= 'A' and <= 'Z')
            {
                i++;
                column *= 26;
                column += c - 64;
                continue;
            }

            if (!char.IsLetter(c))
            {
                if (char.IsDigit(c))
                {
                    break;
                }

                return false;
            }

            row = 0;
            column = 0;
            i = 0;
            break;
        }

        if (i == 0)
        {
            return false;
        }

        return int.TryParse(value[i..], NumberStyles.None, CultureInfo.InvariantCulture, out row) && row > 0;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The parts read before the first record

    /// <summary>
    /// MiniExcel's TryGetMaxRowColumnIndex: the row width from &lt;dimension&gt; or, when a cell without "r" comes
    /// first, from counting cells per row; else the widest "r" of the whole sheet.
    /// With <paramref name="abortAtFirstCell"/>, a cell with "r" met first ends the scan and starts optimistic
    /// reading (see <see cref="Settle"/>) instead of scanning the whole part.
    /// </summary>
    private void ScanLayout(bool abortAtFirstCell)
    {
        var sheet = _sheet;
        _maxColumn = -1;
        _withoutRef = false;
        using (var stream = sheet.Open())
        using (var reader = XmlReader.Create(stream, _settings))
        {
            while (reader.Read())
            {
                if (IsStart(reader, _n.C))
                {
                    var length = FindAttribute(reader, _n.R, ref _reference);
                    if (length < 0)
                    {
                        _withoutRef = true;
                        break;
                    }

                    if (abortAtFirstCell)
                    {
                        _optimistic = true;
                        _maxColumn = MaxColumnIndex;
                        return;
                    }

                    if (ParseReference(_reference.AsSpan(0, length), out var column, out _))
                    {
                        _maxColumn = Math.Max(_maxColumn, column - 1);
                    }
                }
                else if (IsStart(reader, _n.Dimension))
                {
                    var range = reader.GetAttribute("ref");
                    if (string.IsNullOrEmpty(range))
                    {
                        throw new InvalidDataException("No dimension data found for the sheet");
                    }

                    var parts = range.Split(':');
                    if (!ParseReference(parts.Length == 2 ? parts[1] : parts[0], out var column, out _))
                    {
                        throw new InvalidDataException("The dimensions of the sheet are invalid");
                    }

                    _maxColumn = column - 1;
                    break;
                }
            }
        }

        if (!_withoutRef)
        {
            return;
        }

        // A cell without "r" first: MiniExcel counts the cells of each row for the width.
        using var again = sheet.Open();
        using var rows = XmlReader.Create(again, _settings);
        foreach (var isRow in RowElements(rows))
        {
            if (!isRow || !ReadFirstContent(rows))
            {
                continue;
            }

            var cells = -1;
            while (!rows.EOF)
            {
                if (IsStart(rows, _n.C))
                {
                    cells++;
                    _maxColumn = Math.Max(_maxColumn, cells);
                }

                if (!SkipContent(rows))
                {
                    break;
                }
            }
        }
    }

    /// <summary>
    /// MiniExcel's GetSheetEntry(null): the only part named xl/worksheets/sheet…, or, when there are several, the one
    /// the workbook's first &lt;sheet&gt; points to through xl/_rels/workbook.xml.rels.
    /// </summary>
    private ZipArchiveEntry FindSheet()
    {
        var candidates = _zip.Entries
            .Where(e => e.FullName.StartsWith("xl/worksheets/sheet", StringComparison.OrdinalIgnoreCase)
                        || e.FullName.StartsWith("/xl/worksheets/sheet", StringComparison.OrdinalIgnoreCase))
            .ToArray();
        if (candidates.Length <= 1)
        {
            return candidates.Single();
        }

        var sheets = WorkbookSheets();
        if (sheets.Count == 0)
        {
            throw new InvalidDataException("The workbook lists no sheet.");
        }

        var path = SheetPaths(sheets)[0] ?? throw new InvalidDataException("The workbook's first sheet has no part.");
        return candidates.Single(e => e.FullName == "xl/" + path || e.FullName == "/xl/" + path || e.FullName.TrimStart('/') == path.TrimStart('/'));
    }

    /// <summary>The relationship id of each &lt;sheet&gt; of xl/workbook.xml, in order (the whole part is read).</summary>
    private List<string?> WorkbookSheets()
    {
        var ids = new List<string?>();
        using var stream = _zip.Entries.Single(e => e.FullName == "xl/workbook.xml").Open();
        using var reader = XmlReader.Create(stream, _settings);
        if (!IsStart(reader, _n.Workbook) || !ReadFirstContent(reader))
        {
            return ids;
        }

        while (!reader.EOF)
        {
            if (IsStart(reader, _n.BookViews))
            {
                if (ReadFirstContent(reader))
                {
                    ReadChildren(reader, _n.WorkbookView, _ => { });
                }
            }
            else if (IsStart(reader, _n.Sheets))
            {
                if (ReadFirstContent(reader))
                {
                    ReadChildren(reader, _n.Sheet, r =>
                    {
                        // MiniExcel parses sheetId (uint.Parse: a missing or bad one fails).
                        _ = uint.Parse(r.GetAttribute("sheetId") ?? throw new ArgumentNullException("sheetId"));
                        ids.Add(r.GetAttribute("id", RelationshipNs) ?? r.GetAttribute("id", StrictRelationshipNs));
                    });
                }
            }
            else if (!SkipContent(reader))
            {
                break;
            }
        }

        return ids;
    }

    /// <summary>Each sheet's Target in xl/_rels/workbook.xml.rels (null when none matches its id).</summary>
    private string?[] SheetPaths(List<string?> ids)
    {
        var paths = new string?[ids.Count];
        using var stream = _zip.Entries.Single(e => e.FullName == "xl/_rels/workbook.xml.rels").Open();
        using var reader = XmlReader.Create(stream, _settings);
        if (!IsStart(reader, _n.Relationships, PackageRelationshipNs) || !ReadFirstContent(reader))
        {
            throw new InvalidDataException("The workbook's relationships part has no relationships.");
        }

        while (!reader.EOF)
        {
            if (IsStart(reader, _n.Relationship, PackageRelationshipNs))
            {
                var id = reader.GetAttribute("Id");
                var i = ids.IndexOf(id);
                if (i >= 0)
                {
                    paths[i] = reader.GetAttribute("Target");
                }

                reader.Skip();
            }
            else if (!SkipContent(reader))
            {
                break;
            }
        }

        return paths;
    }

    /// <summary>Calls <paramref name="read"/> on each child named <paramref name="name"/> and skips the others.</summary>
    private void ReadChildren(XmlReader reader, string name, Action<XmlReader> read)
    {
        while (!reader.EOF)
        {
            if (IsStart(reader, name))
            {
                read(reader);
                reader.Skip();
            }
            else if (!SkipContent(reader))
            {
                break;
            }
        }
    }

    /// <summary>xl/sharedStrings.xml, read whole at opening as MiniExcel does (its own reader settings: whitespace kept).</summary>
    private void LoadSharedStrings()
    {
        var entry = Entry("xl/sharedStrings.xml");
        if (entry is null)
        {
            return;
        }

        var strings = new List<string>();
        using var stream = entry.Open();
        using var reader = XmlReader.Create(stream, new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            NameTable = _n.Table,
        });
        if (IsStart(reader, _n.Sst) && ReadFirstContent(reader))
        {
            while (!reader.EOF)
            {
                if (IsStart(reader, _n.Si))
                {
                    strings.Add(ReadStringItem(reader));
                }
                else if (!SkipContent(reader))
                {
                    break;
                }
            }
        }

        _sharedStrings = [.. strings];
    }

    /// <summary>
    /// MiniExcel's StringHelper.ReadStringItem: the &lt;t&gt; texts and rich-text runs of an &lt;si&gt;/&lt;is&gt;
    /// (phonetic runs left out); with <paramref name="run"/>, ReadRichTextRun: the &lt;t&gt; texts of an &lt;r&gt;.
    /// </summary>
    private string ReadStringItem(XmlReader reader, bool run = false)
    {
        if (!ReadFirstContent(reader))
        {
            return string.Empty;
        }

        var text = new Concat();
        while (!reader.EOF)
        {
            if (IsStart(reader, _n.T))
            {
                text.Add(reader.ReadElementContentAsString());
            }
            else if (!run && IsStart(reader, _n.R))
            {
                text.Add(ReadStringItem(reader, run: true));
            }
            else if (!SkipContent(reader))
            {
                break;
            }
        }

        return text.ToString();
    }

    /// <summary>MiniExcel's ExcelOpenXmlStyles: the number-format kind of each cellXfs entry.</summary>
    private StyleKind[] LoadStyles()
    {
        // MiniExcel fails on the first styled cell of a workbook without styles.
        var entry = Entry("xl/styles.xml") ?? throw new InvalidDataException("A cell has a style but the workbook has no styles.");
        var cellXfs = new Dictionary<int, int>();
        var cellStyleXfs = new Dictionary<int, int>();
        var custom = new Dictionary<int, bool>();
        using (var stream = entry.Open())
        using (var reader = XmlReader.Create(stream, _settings))
        {
            if (IsStart(reader, _n.StyleSheet) && ReadFirstContent(reader))
            {
                while (!reader.EOF)
                {
                    if (IsStart(reader, _n.CellXfs) || IsStart(reader, _n.CellStyleXfs))
                    {
                        var into = ReferenceEquals(reader.LocalName, _n.CellXfs) ? cellXfs : cellStyleXfs;
                        if (ReadFirstContent(reader))
                        {
                            var index = 0;
                            ReadChildren(reader, _n.Xf, r =>
                            {
                                int.TryParse(r.GetAttribute("numFmtId"), out var id);
                                into.Add(index++, id);
                            });
                        }
                    }
                    else if (IsStart(reader, _n.NumFmts))
                    {
                        if (ReadFirstContent(reader))
                        {
                            ReadChildren(reader, _n.NumFmt, r =>
                            {
                                int.TryParse(r.GetAttribute("numFmtId"), out var id);
                                var isDate = MiniExcelLibs.Utils.DateTimeHelper.IsDateTimeFormat(r.GetAttribute("formatCode"));
                                custom.TryAdd(id, isDate);
                            });
                        }
                    }
                    else if (!SkipContent(reader))
                    {
                        break;
                    }
                }
            }
        }

        var kinds = new StyleKind[cellXfs.Count];
        for (var i = 0; i < kinds.Length; i++)
        {
            var id = cellXfs[i];
            kinds[i] = BuiltInFormat(id) ?? (custom.TryGetValue(id, out var isDate) && isDate ? StyleKind.Date : StyleKind.None);
        }

        return kinds;
    }

    /// <summary>
    /// The built-in number formats MiniExcel knows (0–22, 37–49, 58): dates 14–16, 22 and 58, times 18–21 and 45–47
    /// (17, "mmm-yy", is in its table with a type it never converts to). Null: not built in, look in numFmts.
    /// </summary>
    private static StyleKind? BuiltInFormat(int id) => id switch
    {
        14 or 15 or 16 or 22 or 58 => StyleKind.Date,
        18 or 19 or 20 or 21 or 45 or 46 or 47 => StyleKind.Time,
        (>= 0 and <= 22) or (>= 37 and <= 49) => StyleKind.None,
        _ => null,
    };

    // ---------------------------------------------------------------------------------------------------------------
    // MiniExcel's XmlReaderHelper, with names compared as NameTable atoms

    private bool IsStart(XmlReader reader, string name) =>
        reader.MoveToContent() == XmlNodeType.Element && ReferenceEquals(reader.LocalName, name)
        && (ReferenceEquals(reader.NamespaceURI, _n.MainNs) || ReferenceEquals(reader.NamespaceURI, _n.StrictNs));

    private static bool IsStart(XmlReader reader, string name, string ns) =>
        reader.MoveToContent() == XmlNodeType.Element && ReferenceEquals(reader.LocalName, name) && reader.NamespaceURI == ns;

    private static bool ReadFirstContent(XmlReader reader)
    {
        if (reader.IsEmptyElement)
        {
            reader.Read();
            return false;
        }

        reader.MoveToContent();
        reader.Read();
        return true;
    }

    private bool SkipContent(XmlReader reader)
    {
        if (reader.NodeType == XmlNodeType.EndElement)
        {
            reader.Read();
            return false;
        }

        if (!_optimistic || !ReferenceEquals(reader, _main))
        {
            reader.Skip();
            return true;
        }

        // Reading optimistically, what is skipped is still looked at as MiniExcel's layout scan would have.
        if (reader.NodeType != XmlNodeType.Element || reader.IsEmptyElement)
        {
            ObserveOrThrow(reader);
            reader.Read();
            return true;
        }

        ObserveOrThrow(reader);
        var depth = reader.Depth;
        while (reader.Read() && reader.Depth > depth)
        {
            ObserveOrThrow(reader);
        }

        reader.Read();
        return true;
    }

    private void ObserveOrThrow(XmlReader reader)
    {
        if (reader.NodeType == XmlNodeType.Element && Observe(reader))
        {
            throw LayoutChanged();
        }
    }

    /// <summary>
    /// What MiniExcel's layout scan does with an element: a cell without "r" or a &lt;dimension&gt; ends it (true:
    /// the layout is not the one assumed), a cell's "r" widens the sheet.
    /// </summary>
    private bool Observe(XmlReader reader)
    {
        if (!IsStart(reader, _n.C))
        {
            _layoutChanged |= IsStart(reader, _n.Dimension);
            return _layoutChanged;
        }

        var length = FindAttribute(reader, _n.R, ref _reference);
        if (length < 0)
        {
            _layoutChanged = true;
        }
        else if (ParseReference(_reference.AsSpan(0, length), out var column, out _))
        {
            _observedMax = Math.Max(_observedMax, column - 1);
        }

        return _layoutChanged;
    }

    /// <summary>Reads on to the end of the part, as MiniExcel's layout scan did, looking at every element.</summary>
    private void Drain(XmlReader reader)
    {
        reader.MoveToElement();
        if (reader.NodeType == XmlNodeType.Element && Observe(reader))
        {
            return;
        }

        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.Element && Observe(reader))
            {
                return;
            }
        }
    }

    private InvalidDataException LayoutChanged()
    {
        _layoutChanged = true;
        return new InvalidDataException("The sheet must be read again the way MiniExcel lays it out.");
    }

    private enum CellKind
    {
        Number,
        Shared,
        String,
        Bool,
        Date,
        Error,
    }

    private enum StyleKind : byte
    {
        None,
        Date,
        Time,
    }

    /// <summary>Joins the pieces of a string item without a builder for the usual single piece.</summary>
    private struct Concat
    {
        private string? _first;
        private StringBuilder? _more;

        public void Add(string piece)
        {
            if (_more is not null)
            {
                _more.Append(piece);
            }
            else if (_first is null)
            {
                _first = piece;
            }
            else
            {
                _more = new StringBuilder(_first).Append(piece);
            }
        }

        public override readonly string ToString() => _more?.ToString() ?? _first ?? string.Empty;
    }

    /// <summary>Element and attribute names atomized once in the readers' shared NameTable.</summary>
    private sealed class Names
    {
        public readonly NameTable Table = new();
        public readonly string MainNs;
        public readonly string StrictNs;
        public readonly string Worksheet, SheetData, Row, C, V, F, Is, T, R, S, Dimension, Sst, Si;
        public readonly string Workbook, WorkbookPr, BookViews, WorkbookView, Sheets, Sheet, Relationships, Relationship;
        public readonly string StyleSheet, CellXfs, CellStyleXfs, Xf, NumFmts, NumFmt;

        public Names()
        {
            MainNs = Table.Add(XlsxSheetReader.MainNs);
            StrictNs = Table.Add(XlsxSheetReader.StrictNs);
            Worksheet = Table.Add("worksheet");
            SheetData = Table.Add("sheetData");
            Row = Table.Add("row");
            C = Table.Add("c");
            V = Table.Add("v");
            F = Table.Add("f");
            Is = Table.Add("is");
            T = Table.Add("t");
            R = Table.Add("r");
            S = Table.Add("s");
            Dimension = Table.Add("dimension");
            Sst = Table.Add("sst");
            Si = Table.Add("si");
            Workbook = Table.Add("workbook");
            WorkbookPr = Table.Add("workbookPr");
            BookViews = Table.Add("bookViews");
            WorkbookView = Table.Add("workbookView");
            Sheets = Table.Add("sheets");
            Sheet = Table.Add("sheet");
            Relationships = Table.Add("Relationships");
            Relationship = Table.Add("Relationship");
            StyleSheet = Table.Add("styleSheet");
            CellXfs = Table.Add("cellXfs");
            CellStyleXfs = Table.Add("cellStyleXfs");
            Xf = Table.Add("xf");
            NumFmts = Table.Add("numFmts");
            NumFmt = Table.Add("numFmt");
        }
    }
}
