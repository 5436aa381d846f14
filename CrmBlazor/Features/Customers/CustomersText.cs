using CrmBlazor.Domain.Common;
using Microsoft.Extensions.Localization;

namespace CrmBlazor.Features.Customers;

/// <summary>Marker for the customer screens' UI text (CustomersText.resx, CustomersText.vi.resx).</summary>
public sealed class CustomersText
{
    /// <summary>"Address: at most 500 characters." for a "too long" rule code (<see cref="FieldLimits"/>); null for other codes.</summary>
    public static string? TooLong(IStringLocalizer<CustomersText> t, string? code)
    {
        if (FieldLimits.FieldOf(code) is not { } field || !FieldLimits.All.TryGetValue(field, out var max))
        {
            return null;
        }

        var label = field switch
        {
            "name" => t["Full name"],
            "address" => t["Address"],
            "taxCode" => t["Tax code"],
            "country" => t["Country"],
            "province" => t["Province"],
            "district" => t["District"],
            "website" => t["Website"],
            "industry" => t["Industry"],
            "contacts.name" => t["Contact name"],
            "contacts.salutation" => t["Salutation"],
            "contacts.note" => t["Note"],
            _ => t["This value"],
        };
        return t["{0}: at most {1} characters.", label, max.ToString("N0", System.Globalization.CultureInfo.CurrentCulture)];
    }
}
