using System.Globalization;

namespace CrmBlazor.Domain.Customers;

/// <summary>
/// Customer codes (R1.1): unique; generated as "KH" + the id in six or more digits when left empty.
/// That generated form is reserved so a hand-typed code can never collide with a later generated one.
/// </summary>
public static class CustomerCode
{
    public const string Prefix = "KH";
    public const int MaxLength = 32;

    public static string FromId(int id) => Prefix + id.ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>
    /// The codes a new customer may get, in order: its own ("KH000042"), then suffixed ones for when an older database
    /// already holds that code (set by hand before the form was reserved, or by a data load).
    /// </summary>
    public static IEnumerable<string> Candidates(int id)
    {
        var code = FromId(id);
        yield return code;
        for (var n = 2; ; n++)
        {
            yield return code + "-" + n.ToString(CultureInfo.InvariantCulture);
        }
    }

    public static bool IsReservedForm(string? code)
    {
        if (code is null || code.Length < Prefix.Length + 6 || !code.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        for (var i = Prefix.Length; i < code.Length; i++)
        {
            if (!char.IsAsciiDigit(code[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Trims a hand-typed code; blank becomes null (to be generated).</summary>
    public static string? Clean(string? code)
    {
        if (string.IsNullOrWhiteSpace(code))
        {
            return null;
        }

        var trimmed = code.Trim();
        return trimmed.Length > MaxLength ? trimmed[..MaxLength] : trimmed;
    }
}
