using System.Buffers;
using System.Globalization;
using System.Text;

namespace CrmBlazor.Domain.Common;

/// <summary>
/// Accent- and case-insensitive search keys for Vietnamese text: "Nguyễn Thị Ánh" → "nguyen thi anh".
/// Runs on every name in bulk, so it avoids regex and, for Latin/Vietnamese text, even avoids the
/// Unicode normalisation pass: a precomputed table gives the folded form of every Latin letter.
/// </summary>
public static class SearchKey
{
    private const int StackLimit = 256;

    // Table covers U+0080..U+1EFF, but only Latin blocks are filled (see BuildTable).
    private const int TableEnd = 0x1F00;
    private const char NoEntry = '\0';
    private const char Drop = '\uFFFF';

    private static readonly char[] Table = BuildTable();

    /// <summary>
    /// Lower-cases (invariant), removes diacritics (NFD, drop non-spacing marks), maps đ/Đ to d, drops
    /// invisible format characters (zero-width space, BOM...), collapses whitespace runs to one space
    /// and trims. Other characters (digits, '@', '.', '-', '+', '_', punctuation) are kept. Null gives "".
    /// Precomposed and decomposed input give the same key.
    /// </summary>
    public static string Fold(string? input)
    {
        if (string.IsNullOrEmpty(input))
        {
            return string.Empty;
        }

        var source = NeedsNormalization(input) ? Decompose(input) : input;

        // The result is never longer than the (decomposed) source.
        char[]? rented = null;
        var buffer = source.Length <= StackLimit
            ? stackalloc char[StackLimit]
            : (rented = ArrayPool<char>.Shared.Rent(source.Length));

        var length = 0;
        var pendingSpace = false;
        foreach (var c in source)
        {
            char folded;
            if (c < 0x80)
            {
                if (c is ' ' or (>= '\t' and <= '\r'))
                {
                    pendingSpace = true;
                    continue;
                }

                folded = c is >= 'A' and <= 'Z' ? (char)(c + ('a' - 'A')) : c;
            }
            else if (char.IsWhiteSpace(c))
            {
                pendingSpace = true;
                continue;
            }
            else
            {
                folded = c < TableEnd && Table[c] != NoEntry ? Table[c] : FoldChar(c);
                if (folded == Drop)
                {
                    continue;
                }
            }

            if (pendingSpace && length > 0)
            {
                buffer[length++] = ' ';
            }

            pendingSpace = false;
            buffer[length++] = folded;
        }

        var result = length == input.Length && buffer[..length].SequenceEqual(input)
            ? input
            : new string(buffer[..length]);

        if (rented is not null)
        {
            ArrayPool<char>.Shared.Return(rented);
        }

        return result;
    }

    /// <summary>
    /// True when the folded <paramref name="needle"/> occurs in the folded <paramref name="haystack"/>
    /// (ordinal). An empty needle matches everything.
    /// </summary>
    public static bool Matches(string? haystack, string? needle)
    {
        var key = Fold(needle);
        return key.Length == 0 || Fold(haystack).Contains(key, StringComparison.Ordinal);
    }

    /// <summary>NFD of <paramref name="input"/>; unchanged when it holds invalid UTF-16 (lone surrogates, U+FFFE).</summary>
    private static string Decompose(string input)
    {
        try
        {
            return input.Normalize(NormalizationForm.FormD);
        }
        catch (ArgumentException)
        {
            // Keep Fold total: fold character by character without normalising.
            return input;
        }
    }

    /// <summary>Folds one already-decomposed character; <see cref="Drop"/> for marks and format characters.</summary>
    private static char FoldChar(char c)
    {
        // Đ/đ, and the look-alike Ð/ð (U+00D0/U+00F0) that text converted from legacy Vietnamese encodings carries.
        if (c is 'đ' or 'Đ' or 'Ð' or 'ð')
        {
            return 'd';
        }

        var category = CharUnicodeInfo.GetUnicodeCategory(c);
        return category is UnicodeCategory.NonSpacingMark or UnicodeCategory.Format
            ? Drop
            : char.ToLowerInvariant(c);
    }

    /// <summary>
    /// True when <paramref name="input"/> holds a non-ASCII character the table does not cover, so the
    /// general path (NFD, then per-character folding) is needed.
    /// </summary>
    private static bool NeedsNormalization(string input)
    {
        if (Ascii.IsValid(input))
        {
            return false;
        }

        foreach (var c in input)
        {
            if (c >= 0x80 && (c >= TableEnd || Table[c] == NoEntry) && !char.IsWhiteSpace(c))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Folded form of each Latin character (Latin-1 Supplement, Latin Extended-A/B, combining
    /// diacritical marks, Latin Extended Additional where the Vietnamese letters live), computed with
    /// the general path: NFD of the single character, then <see cref="FoldChar"/> on each part. A
    /// character whose fold is not exactly one character (or nothing) gets no entry.
    /// </summary>
    private static char[] BuildTable()
    {
        var table = new char[TableEnd];
        Fill(table, 0x0080, 0x024F);
        Fill(table, 0x0300, 0x036F);
        Fill(table, 0x1E00, 0x1EFF);
        return table;
    }

    private static void Fill(char[] table, int first, int last)
    {
        for (var code = first; code <= last; code++)
        {
            var c = (char)code;
            if (char.IsWhiteSpace(c) || char.IsSurrogate(c))
            {
                continue;
            }

            var decomposed = c.ToString().Normalize(NormalizationForm.FormD);
            var kept = Drop;
            var keptCount = 0;
            foreach (var part in decomposed)
            {
                var folded = FoldChar(part);
                if (folded != Drop)
                {
                    kept = folded;
                    keptCount++;
                }
            }

            if (keptCount <= 1 && kept != NoEntry)
            {
                table[code] = kept;
            }
        }
    }
}
