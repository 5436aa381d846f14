using CrmBlazor.Features.Import;

namespace CrmBlazor.Tests.Integration.Import;

/// <summary>
/// The compact rows of a read spreadsheet (issue 7 item 10: peak memory): every cell the readers give comes back as it
/// went in, with its type, and trailing blank rows are dropped as before.
/// </summary>
public sealed class SheetRowsTests
{
    [Fact]
    public void Every_kind_of_cell_comes_back_with_its_value_and_type()
    {
        var date = new DateTime(1990, 3, 5, 0, 0, 0, DateTimeKind.Unspecified);
        var utc = new DateTime(2026, 11, 30, 15, 4, 5, 123, DateTimeKind.Utc);
        var part = new byte[] { 1, 2, 3 };
        object?[] cells =
        [
            "Nguyễn Thị Ánh", null, 0.0, -1.5e300, double.NaN, 84912345678d, date, utc, true, false, TimeSpan.FromHours(13.5),
            string.Empty, "😀 emoji, \"quotes\"\r\n\ttabs", "=SUM(A1:A2)", new string('x', 32_767), "\ud800 lone surrogate", part,
        ];
        var rows = new SheetRows();
        rows.Add(cells);
        rows.Add([null, "second"]);

        Assert.Equal(2, rows.Count);
        var back = rows[0];
        Assert.Equal(cells.Length, back.Length);
        for (var i = 0; i < cells.Length; i++)
        {
            Assert.Equal(cells[i]?.GetType(), back[i]?.GetType());
            Assert.Equal(cells[i], back[i]);
        }

        Assert.Equal(DateTimeKind.Utc, ((DateTime)back[7]!).Kind);
        Assert.Equal([null, "second"], rows[1]);
        // A fresh array each time: changing it does not change the sheet.
        back[0] = "changed";
        Assert.Equal("Nguyễn Thị Ánh", rows[0][0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => rows[2]);
    }

    [Fact]
    public void Rows_larger_than_a_block_and_many_rows_read_back_in_order()
    {
        var rows = new SheetRows();
        var wide = Enumerable.Range(0, 100).Select(i => (object?)new string((char)('a' + i % 26), 30_000)).ToArray(); // ~3 MB of text
        for (var i = 0; i < 50_000; i++)
        {
            rows.Add(i == 25_000 ? wide : [$"Khách {i}", (double)i]);
        }

        Assert.Equal(50_000, rows.Count);
        Assert.Equal(["Khách 0", 0.0], rows[0]);
        Assert.Equal(wide, rows[25_000]);
        Assert.Equal(["Khách 49999", 49_999.0], rows[49_999]);
        Assert.Equal(50_000, rows.Count(r => r.Length > 0));
    }

    [Fact]
    public void Trailing_blank_rows_are_dropped_and_clear_forgets_everything()
    {
        var rows = new SheetRows();
        rows.Add([null, null]);
        rows.Add(["An", null]);
        rows.Add([null, "  "]);
        rows.Add([null, null]);
        rows.TrimTrailingBlankRows();
        Assert.Equal(2, rows.Count);
        Assert.Equal(["An", null], rows[1]);

        rows.Clear();
        rows.Add([" ", null]);
        rows.TrimTrailingBlankRows();
        Assert.Empty(rows);
    }
}
