using System.Globalization;
using CrmBlazor.Domain.Common;

namespace CrmBlazor.Localization;

/// <summary>Times are stored in UTC and shown in the user's time zone (Asia/Ho_Chi_Minh by default), dates as dd/MM/yyyy.</summary>
public sealed class UserTime
{
    public const string DefaultTimeZone = "Asia/Ho_Chi_Minh";

    public static TimeZoneInfo Zone(string? id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(string.IsNullOrWhiteSpace(id) ? DefaultTimeZone : id);
        }
        catch (TimeZoneNotFoundException)
        {
            return TimeZoneInfo.FindSystemTimeZoneById(DefaultTimeZone);
        }
    }

    public static DateTime ToLocal(DateTime utc, string? zoneId = null) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), Zone(zoneId));

    public static string Date(DateOnly? date) => date is null ? string.Empty : VnDate.ToText(date.Value);

    public static string Date(DateTime? utc, string? zoneId = null) =>
        utc is null ? string.Empty : ToLocal(utc.Value, zoneId).ToString("dd/MM/yyyy", CultureInfo.InvariantCulture);

    public static string DateTimeText(DateTime? utc, string? zoneId = null) =>
        utc is null ? string.Empty : ToLocal(utc.Value, zoneId).ToString("dd/MM/yyyy HH:mm", CultureInfo.InvariantCulture);
}
