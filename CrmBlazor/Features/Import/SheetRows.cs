using System.Buffers;
using System.Buffers.Binary;
using System.Collections;
using System.Text;
using System.Text.Unicode;

namespace CrmBlazor.Features.Import;

/// <summary>
/// The data rows of a read spreadsheet, kept compact: each row encoded into shared byte blocks (strings as UTF-8,
/// numbers and dates as 8 bytes) and decoded into a fresh cell array when asked for. A 100,000-row sheet of 15 columns
/// takes about a third of what arrays of boxed cells took (~100 MB), and the wizard keeps the sheet while the user maps,
/// checks and imports it. Cells are what the readers give: string, double, DateTime, TimeSpan, bool or null; anything
/// else (and a string that is not valid UTF-16) is kept as the object itself.
/// </summary>
public sealed class SheetRows : IReadOnlyList<object?[]>
{
    private const int BlockSize = 1 << 20;

    private const byte Null = 0;
    private const byte Text = 1;
    private const byte Number = 2;
    private const byte Date = 3;
    private const byte True = 4;
    private const byte False = 5;
    private const byte Duration = 6;
    private const byte Other = 7;

    private static readonly object BoxedTrue = true;
    private static readonly object BoxedFalse = false;

    private readonly List<byte[]> _blocks = [];
    // Where each row starts: block index in the high 32 bits, offset in the low ones.
    private readonly List<long> _starts = [];
    private List<object>? _others;
    private int _used;
    private int _lastNonBlank = -1;

    public int Count => _starts.Count;

    /// <summary>Row <paramref name="index"/> as a new array (changing it does not change the sheet).</summary>
    public object?[] this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            var start = _starts[index];
            return Decode(_blocks[(int)(start >> 32)].AsSpan((int)(start & uint.MaxValue)));
        }
    }

    /// <summary>Appends a copy of <paramref name="cells"/>.</summary>
    public void Add(object?[] cells)
    {
        var needed = 5;
        foreach (var cell in cells)
        {
            needed += cell is string s ? 1 + 5 + Encoding.UTF8.GetMaxByteCount(s.Length) : 9;
        }

        if (_blocks.Count == 0 || _blocks[^1].Length - _used < needed)
        {
            _blocks.Add(new byte[Math.Max(BlockSize, needed)]);
            _used = 0;
        }

        var block = _blocks[^1];
        _starts.Add(((long)(_blocks.Count - 1) << 32) | (uint)_used);
        var span = block.AsSpan(_used);
        var at = WriteCount(span, cells.Length);
        var blank = true;
        foreach (var cell in cells)
        {
            blank &= Domain.Importing.ImportRowParser.IsBlank(cell);
            at += Encode(span[at..], cell);
        }

        _used += at;
        if (!blank)
        {
            _lastNonBlank = Count - 1;
        }
    }

    /// <summary>Drops the rows after the last one holding a non-blank cell.</summary>
    public void TrimTrailingBlankRows()
    {
        if (_lastNonBlank < Count - 1)
        {
            _starts.RemoveRange(_lastNonBlank + 1, Count - _lastNonBlank - 1);
        }
    }

    /// <summary>Forgets every row.</summary>
    public void Clear()
    {
        _blocks.Clear();
        _starts.Clear();
        _others = null;
        _used = 0;
        _lastNonBlank = -1;
    }

    public IEnumerator<object?[]> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private int Encode(Span<byte> span, object? cell)
    {
        switch (cell)
        {
            case null:
                span[0] = Null;
                return 1;
            case string s:
            {
                // Text: the UTF-8 bytes after a 5-byte room for their length (written once known).
                var status = Utf8.FromUtf16(s, span[6..], out _, out var written, replaceInvalidSequences: false);
                if (status == OperationStatus.Done)
                {
                    span[0] = Text;
                    var lengthBytes = WriteCount(span[1..], written);
                    if (lengthBytes != 5)
                    {
                        span.Slice(6, written).CopyTo(span[(1 + lengthBytes)..]);
                    }

                    return 1 + lengthBytes + written;
                }

                return EncodeOther(span, s);
            }

            case double d:
                span[0] = Number;
                BinaryPrimitives.WriteDoubleLittleEndian(span[1..], d);
                return 9;
            case DateTime t:
                span[0] = Date;
                BinaryPrimitives.WriteInt64LittleEndian(span[1..], t.ToBinary());
                return 9;
            case TimeSpan t:
                span[0] = Duration;
                BinaryPrimitives.WriteInt64LittleEndian(span[1..], t.Ticks);
                return 9;
            case bool b:
                span[0] = b ? True : False;
                return 1;
            default:
                return EncodeOther(span, cell);
        }
    }

    private int EncodeOther(Span<byte> span, object cell)
    {
        _others ??= [];
        _others.Add(cell);
        span[0] = Other;
        return 1 + WriteCount(span[1..], _others.Count - 1);
    }

    private object?[] Decode(ReadOnlySpan<byte> span)
    {
        var at = ReadCount(span, out var count);
        var cells = new object?[count];
        for (var i = 0; i < count; i++)
        {
            var tag = span[at++];
            switch (tag)
            {
                case Text:
                {
                    at += ReadCount(span[at..], out var length);
                    cells[i] = Encoding.UTF8.GetString(span.Slice(at, length));
                    at += length;
                    break;
                }

                case Number:
                    cells[i] = BinaryPrimitives.ReadDoubleLittleEndian(span[at..]);
                    at += 8;
                    break;
                case Date:
                    cells[i] = DateTime.FromBinary(BinaryPrimitives.ReadInt64LittleEndian(span[at..]));
                    at += 8;
                    break;
                case Duration:
                    cells[i] = TimeSpan.FromTicks(BinaryPrimitives.ReadInt64LittleEndian(span[at..]));
                    at += 8;
                    break;
                case True:
                    cells[i] = BoxedTrue;
                    break;
                case False:
                    cells[i] = BoxedFalse;
                    break;
                case Other:
                {
                    at += ReadCount(span[at..], out var index);
                    cells[i] = _others![index];
                    break;
                }
            }
        }

        return cells;
    }

    /// <summary>A non-negative int in 7-bit groups, low first; returns the bytes written (1 to 5).</summary>
    private static int WriteCount(Span<byte> span, int value)
    {
        var v = (uint)value;
        var i = 0;
        while (v >= 0x80)
        {
            span[i++] = (byte)(v | 0x80);
            v >>= 7;
        }

        span[i++] = (byte)v;
        return i;
    }

    private static int ReadCount(ReadOnlySpan<byte> span, out int value)
    {
        uint v = 0;
        var shift = 0;
        var i = 0;
        byte b;
        do
        {
            b = span[i++];
            v |= (uint)(b & 0x7F) << shift;
            shift += 7;
        }
        while ((b & 0x80) != 0);

        value = (int)v;
        return i;
    }
}
