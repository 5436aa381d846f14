using PhoneNumbers;

namespace CrmBlazor.Domain.Common;

/// <summary>
/// Normalises phone numbers to one canonical E.164 form (R3.3): "0912 345 678", "84912345678",
/// "(+84) 912345678", "0084912345678" ... all become "+84912345678". Default region is Vietnam.
/// Every member is total: it never throws, bad input gives null / false / "".
/// </summary>
public static class PhoneNormalizer
{
    /// <summary>Default region used for numbers written without a country code.</summary>
    public const string DefaultRegion = "VN";

    private const int VietnamCountryCode = 84;

    // Longest raw input we bother to look at; anything longer is garbage, not a phone number.
    private const int MaxInputLength = 64;

    // E.164 allows at most 15 digits; the shortest real numbers (small countries) have about 7.
    private const int MinDigits = 7;
    private const int MaxDigits = 15;

    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    /// <summary>
    /// Returns the canonical E.164 form ("+84912345678") of <paramref name="input"/>, or null when the
    /// input is null, blank or not a valid phone number.
    /// </summary>
    public static string? Normalize(string? input) => Normalize(input, out _);

    /// <summary>
    /// Like <see cref="Normalize(string?)"/>; <paramref name="convertedLegacy"/> tells that the input was an eleven-digit
    /// mobile number from before the 2018 renumbering ("01689 123 456") and was rewritten to its current prefix.
    /// </summary>
    public static string? Normalize(string? input, out bool convertedLegacy)
    {
        convertedLegacy = false;
        var cleaned = Clean(input);
        if (cleaned is null)
        {
            return null;
        }

        if (LegacyMobile(cleaned) is { } renumbered)
        {
            convertedLegacy = true;
            return renumbered;
        }

        // The common case first: a Vietnamese mobile number, which the rules below accept whatever its prefix
        // (IsPlausibleVietnamese), in its canonical form without libphonenumber's parse and pattern matching
        // (100,000 numbers: 290 → 26–44 ms; the import's check normalises every row's phones).
        if (VietnameseMobile(cleaned) is { } mobile)
        {
            return mobile;
        }

        return NormalizeCleaned(cleaned);
    }

    /// <summary>Normalize through libphonenumber alone (no shortcut): what the shortcut must agree with.</summary>
    internal static string? NormalizeCleaned(string cleaned)
    {
        var number = ParseCleaned(cleaned);
        return number is null ? null : Util.Format(number, PhoneNumberFormat.E164);
    }

    /// <summary>"0" or "+84" and nine digits starting 3, 5, 7, 8 or 9: "+84" and those nine digits; else null.</summary>
    private static string? VietnameseMobile(string cleaned)
    {
        var national = cleaned.Length == 10 && cleaned[0] == '0' ? cleaned.AsSpan(1)
            : cleaned.Length == 12 && cleaned.StartsWith("+84", StringComparison.Ordinal) ? cleaned.AsSpan(3)
            : default;
        if (national.Length != 9 || national[0] is not ('3' or '5' or '7' or '8' or '9'))
        {
            return null;
        }

        foreach (var c in national)
        {
            if (!char.IsAsciiDigit(c))
            {
                return null;
            }
        }

        return cleaned[0] == '+' ? cleaned : string.Concat("+84", national);
    }

    /// <summary>
    /// The 2018 renumbering of Vietnamese mobile numbers (Ministry of Information and Communications): eleven-digit
    /// numbers lost their three-digit "1xx" prefix for a two-digit one. Old numbers still sit in address books and in
    /// exports of older CRMs, and every one of them still reaches its owner at the new prefix.
    /// </summary>
    private static readonly Dictionary<string, string> LegacyPrefixes = new(StringComparer.Ordinal)
    {
        ["162"] = "32", ["163"] = "33", ["164"] = "34", ["165"] = "35", ["166"] = "36", ["167"] = "37", ["168"] = "38", ["169"] = "39",
        ["120"] = "70", ["121"] = "79", ["122"] = "77", ["126"] = "76", ["128"] = "78",
        ["123"] = "83", ["124"] = "84", ["125"] = "85", ["127"] = "81", ["129"] = "82",
        ["186"] = "56", ["188"] = "58",
        ["199"] = "59",
    };

    /// <summary>"0" or "+84" and ten digits with a pre-2018 mobile prefix: the current E.164 form; else null.</summary>
    private static string? LegacyMobile(string cleaned)
    {
        var national = cleaned.Length == 11 && cleaned[0] == '0' ? cleaned[1..]
            : cleaned.Length == 13 && cleaned.StartsWith("+84", StringComparison.Ordinal) ? cleaned[3..]
            : null;
        if (national is null || national[0] != '1' || !national.All(char.IsAsciiDigit))
        {
            return null;
        }

        return LegacyPrefixes.TryGetValue(national[..3], out var prefix) ? string.Concat("+84", prefix, national.AsSpan(3)) : null;
    }

    /// <summary>Like <see cref="Normalize(string?)"/>; <paramref name="normalized"/> is "" when this returns false.</summary>
    public static bool TryNormalize(string? input, out string normalized)
    {
        normalized = Normalize(input) ?? string.Empty;
        return normalized.Length > 0;
    }

    /// <summary>Only the ASCII digits of <paramref name="input"/> (for search-as-you-type on phone fragments).</summary>
    public static string Digits(string? input)
    {
        if (string.IsNullOrEmpty(input))
        {
            return string.Empty;
        }

        var count = 0;
        foreach (var c in input)
        {
            if (char.IsAsciiDigit(c))
            {
                count++;
            }
        }

        if (count == input.Length)
        {
            return input;
        }

        return string.Create(count, input, static (span, source) =>
        {
            var i = 0;
            foreach (var c in source)
            {
                if (char.IsAsciiDigit(c))
                {
                    span[i++] = c;
                }
            }
        });
    }

    /// <summary>
    /// Human display form: Vietnamese numbers in national format ("091 234 56 78"), foreign numbers in
    /// international format ("+1 650-253-0000"). Null/blank gives ""; input that is not a phone number
    /// is returned trimmed, unchanged.
    /// </summary>
    public static string ToDisplay(string? e164)
    {
        if (string.IsNullOrWhiteSpace(e164))
        {
            return string.Empty;
        }

        var number = ParseToNumber(e164);
        if (number is null)
        {
            return e164.Trim();
        }

        if (number.CountryCode != VietnamCountryCode)
        {
            return Util.Format(number, PhoneNumberFormat.INTERNATIONAL);
        }

        var national = Util.Format(number, PhoneNumberFormat.NATIONAL);

        // For prefixes missing from the metadata libphonenumber has no pattern and drops the trunk "0".
        return national.StartsWith('0') ? national : "0" + national;
    }

    private static PhoneNumber? ParseToNumber(string? input) => Clean(input) is { } cleaned ? ParseCleaned(cleaned) : null;

    private static PhoneNumber? ParseCleaned(string cleaned)
    {
        PhoneNumber number;
        try
        {
            number = Util.Parse(cleaned, DefaultRegion);
        }
        catch (NumberParseException)
        {
            return null;
        }

        if (number.HasExtension)
        {
            return null;
        }

        if (Util.IsValidNumber(number))
        {
            return number;
        }

        return IsPlausibleVietnamese(number) ? number : null;
    }

    /// <summary>
    /// libphonenumber's metadata can lag behind newly allocated Vietnamese prefixes. Accept a number
    /// it considers possible when it has the Vietnamese shape: 9 national digits starting with a mobile
    /// prefix (3, 5, 7, 8, 9) or 10 national digits starting with the landline prefix 2.
    /// </summary>
    private static bool IsPlausibleVietnamese(PhoneNumber number)
    {
        if (number.CountryCode != VietnamCountryCode || !Util.IsPossibleNumber(number))
        {
            return false;
        }

        var national = Util.GetNationalSignificantNumber(number);
        return national.Length switch
        {
            9 => national[0] is '3' or '5' or '7' or '8' or '9',
            10 => national[0] == '2',
            _ => false,
        };
    }

    /// <summary>
    /// Strips separators (whitespace, '.', '-', '(', ')'), rewrites the "00" international prefix to "+"
    /// and a bare "84" + national number to "+84...". Returns null for anything that is not made of
    /// digits with an optional single leading '+', or has an implausible digit count.
    /// </summary>
    private static string? Clean(string? input)
    {
        if (string.IsNullOrWhiteSpace(input) || input.Length > MaxInputLength)
        {
            return null;
        }

        Span<char> buffer = stackalloc char[MaxInputLength];
        var length = 0;
        var hasPlus = false;
        foreach (var c in input)
        {
            if (char.IsAsciiDigit(c))
            {
                buffer[length++] = c;
            }
            else if (c == '+')
            {
                // A single '+' is allowed, and only before the first digit.
                if (hasPlus || length > 0)
                {
                    return null;
                }

                hasPlus = true;
            }
            else if (!(char.IsWhiteSpace(c) || c is '.' or '-' or '(' or ')'))
            {
                return null;
            }
        }

        var digits = buffer[..length];
        if (!hasPlus && digits.StartsWith("00"))
        {
            // "0084912345678": international call prefix written instead of "+".
            digits = digits[2..];
            hasPlus = true;
        }
        else if (!hasPlus && digits.StartsWith("84") && (length == 11 || (length == 12 && digits[2] is '2' or '1')))
        {
            // "84912345678" (mobile), "842838234567" (landline) or "841689123456" (a pre-2018 mobile):
            // country code written without "+".
            hasPlus = true;
        }

        if (digits.Length < MinDigits || digits.Length > MaxDigits)
        {
            return null;
        }

        return hasPlus ? string.Concat("+", digits) : digits.ToString();
    }
}
