using System.Globalization;

namespace CrmBlazor.Domain.Customers;

/// <summary>
/// Customer codes (R1.1): unique; generated as "KH" + the id in six or more digits when left empty. A code given by
/// hand or brought from another system may have any form, the generated one included ("KH000123" from Getfly): it is
/// kept when no other customer holds it, and generation skips the codes already taken (<see cref="Candidates"/>), the
/// store's unique index settling a race between two writers (issue 21).
/// </summary>
public static class CustomerCode
{
    public const string Prefix = "KH";
    public const int MaxLength = 32;

    public static string FromId(int id) => Prefix + id.ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>
    /// The codes a new customer may get, in order: its own ("KH000042"), then suffixed ones for when an older database
    /// already holds that code (given by hand, or brought by an import from another system).
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

    /// <summary>
    /// The first of <see cref="Candidates"/> that <paramref name="taken"/> does not hold: for a writer that knows every
    /// code in use (an import loads them once, with the codes its own rows bring) instead of asking the store per customer.
    /// </summary>
    public static string FirstFree(int id, Func<string, bool> taken)
    {
        foreach (var code in Candidates(id))
        {
            if (!taken(code))
            {
                return code;
            }
        }

        throw new InvalidOperationException("Unreachable: the candidates never end.");
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
