using System.Globalization;

namespace CrmBlazor.Domain.Common;

/// <summary>
/// Vietnamese dates (R3.3): day first, dd/MM/yyyy. "05/03/2024" is 5 March 2024, never 3 May.
/// </summary>
public static class VnDate
{
    /// <summary>Canonical display and export format.</summary>
    public const string Format = "dd/MM/yyyy";

    // "d" and "M" accept one or two digits, "yyyy" exactly four. Never month-first.
    private static readonly string[] Formats =
    [
        "d/M/yyyy",
        "d-M-yyyy",
        "d.M.yyyy",
        "yyyy-MM-dd",
    ];

    /// <summary>
    /// Parses dd/MM/yyyy or d/M/yyyy (separators '/', '-' or '.') and ISO yyyy-MM-dd, ignoring
    /// surrounding whitespace. Invalid dates, 2-digit years and garbage return false.
    /// </summary>
    public static bool TryParse(string? text, out DateOnly date)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            date = default;
            return false;
        }

        return DateOnly.TryParseExact(
            text.Trim(),
            Formats,
            CultureInfo.InvariantCulture,
            DateTimeStyles.None,
            out date);
    }

    /// <summary>Formats as dd/MM/yyyy.</summary>
    public static string ToText(DateOnly date) => date.ToString(Format, CultureInfo.InvariantCulture);

    /// <summary>Formats as dd/MM/yyyy; "" for null.</summary>
    public static string ToText(DateOnly? date) => date is { } d ? ToText(d) : string.Empty;
}
