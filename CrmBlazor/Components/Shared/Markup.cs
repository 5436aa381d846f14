using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Components;
using System.Text.Unicode;

namespace CrmBlazor.Components.Shared;

/// <summary>
/// Text written into markup that a page builds as one string (a grid row's cells, a board card's body): such markup
/// reaches the browser as it is, so every value in it goes through <see cref="Encode"/>.
/// </summary>
public static class Markup
{
    // Only what HTML gives a meaning to is escaped: Vietnamese letters stay letters (the default encoder writes most of
    // them as numeric references, doubling the markup a circuit keeps).
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    public static string Encode(string? text) => string.IsNullOrEmpty(text) ? string.Empty : Encoder.Encode(text);

    /// <summary>A Material icon (MudBlazor's Icons) as MudIcon draws it: one frame of shared markup, not a component.</summary>
    public static MarkupString Icon(string svg, string size = "medium", string? extraClass = null) =>
        new(IconSvg(svg, size, extraClass));

    /// <summary>
    /// A MudIconButton's label (its icon) for a plain button or link in MudBlazor's icon-button classes: one frame of
    /// shared markup, where a MudIconButton kept two components (the button and its icon) in every circuit.
    /// </summary>
    public static MarkupString IconButtonLabel(string svg, string size = "medium") =>
        new("<span class=\"mud-icon-button-label\">" + IconSvg(svg, size, null) + "</span>");

    private static string IconSvg(string svg, string size, string? extraClass) =>
        $"<svg class=\"mud-icon-root mud-svg-icon mud-icon-size-{size}{(extraClass is null ? null : " " + extraClass)}\" focusable=\"false\" viewBox=\"0 0 24 24\" aria-hidden=\"true\">{svg}</svg>";
}
