using CrmBlazor.Domain.Customers;

namespace CrmBlazor.Domain.Common;

/// <summary>
/// Gender words in English and Vietnamese (R3.3): "Female", "F", "Nu", "Nữ", "Phụ nữ" → Female;
/// "Male", "M", "Nam" → Male; "Other", "Khác" → Other. Case- and diacritics-insensitive.
/// </summary>
public static class GenderWords
{
    /// <summary>
    /// Parses a gender word. Blank or unknown words return false with <see cref="Gender.Unknown"/>.
    /// </summary>
    public static bool TryParse(string? word, out Gender gender)
    {
        gender = SearchKey.Fold(word) switch
        {
            "female" or "f" or "nu" or "phu nu" => Gender.Female,
            "male" or "m" or "nam" => Gender.Male,
            "other" or "khac" => Gender.Other,
            _ => Gender.Unknown,
        };
        return gender != Gender.Unknown;
    }

    /// <summary>Vietnamese label: "Nam", "Nữ", "Khác"; "" for <see cref="Gender.Unknown"/>.</summary>
    public static string ToVietnamese(Gender g) => g switch
    {
        Gender.Male => "Nam",
        Gender.Female => "Nữ",
        Gender.Other => "Khác",
        _ => string.Empty,
    };

    /// <summary>English label: "Male", "Female", "Other"; "" for <see cref="Gender.Unknown"/>.</summary>
    public static string ToEnglish(Gender g) => g switch
    {
        Gender.Male => "Male",
        Gender.Female => "Female",
        Gender.Other => "Other",
        _ => string.Empty,
    };
}
