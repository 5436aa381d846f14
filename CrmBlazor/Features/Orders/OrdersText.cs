using System.Globalization;
using CrmBlazor.Domain.Orders;
using Microsoft.Extensions.Localization;

namespace CrmBlazor.Features.Orders;

/// <summary>Marker for the order screens' UI text (OrdersText.resx, OrdersText.vi.resx), and how money and statuses read.</summary>
public sealed class OrdersText
{
    /// <summary>VND as the reader's culture groups it: "1.500.000 ₫" in Vietnamese.</summary>
    public static string Money(decimal amount) => amount.ToString("N0", CultureInfo.CurrentCulture) + " ₫";

    public static string Status(IStringLocalizer<OrdersText> t, OrderStatus status) => status switch
    {
        OrderStatus.Draft => t["Draft"],
        OrderStatus.Confirmed => t["Confirmed"],
        OrderStatus.Paid => t["Paid"],
        _ => t["Cancelled"],
    };
}
