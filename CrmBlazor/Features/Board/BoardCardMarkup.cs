using System.Globalization;
using System.Text;
using CrmBlazor.Components.Shared;
using CrmBlazor.Domain.Common;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;
using MudBlazor;

namespace CrmBlazor.Features.Board;

/// <summary>
/// A board card as markup. A card that is not being moved is one piece of markup in its column (<see cref="BoardZone"/>):
/// a component per card was most of what an open board kept in its circuit. Every value is encoded (<see cref="Markup"/>);
/// the move button and dragging are heard by the page script, which calls the page.
/// </summary>
public static class BoardCardMarkup
{
    // MudBlazor's Material icons as CSS masks, drawn in the text's colour: a card's markup names its icons by class, where
    // the icons' SVG written into each card was most of its markup (eighty cards an open board, kept in its circuit).
    private const string IconClass = "card-icon card-ic ic-";

    /// <summary>The icons' style sheet, rendered once by the board page (shared, not per card).</summary>
    public static readonly MarkupString Styles = new("<style>.board-card .card-ic{display:inline-block;background-color:currentColor;"
        + "-webkit-mask:no-repeat center/contain;mask:no-repeat center/contain}"
        + Mask("phone", Icons.Material.Filled.Phone) + Mask("person", Icons.Material.Filled.Person) + Mask("swap", Icons.Material.Filled.SwapHoriz)
        + "</style>");

    public static readonly MarkupString SwapIcon = Icon("swap");
    private static readonly MarkupString PhoneIcon = Icon("phone");
    private static readonly MarkupString PersonIcon = Icon("person");

    private static MarkupString Icon(string name) => new($"<span class=\"{IconClass}{name}\" aria-hidden=\"true\"></span>");

    private static string Mask(string name, string svgContent)
    {
        var url = "url(\"data:image/svg+xml," + Uri.EscapeDataString("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 24 24\">" + svgContent + "</svg>") + "\")";
        return $".board-card .ic-{name}{{-webkit-mask-image:{url};mask-image:{url}}}";
    }

    /// <summary>Whole days since the card's customer was last contacted (or created, if never).</summary>
    public static int Days(BoardCard card, DateTime utcNow) => Math.Max(0, (int)(utcNow - (card.LastContactAt ?? card.CreatedAt)).TotalDays);

    public static string LastContactText(BoardCard card, DateTime utcNow, IStringLocalizer t)
    {
        var days = Days(card, utcNow);
        return card.LastContactAt is null
            ? string.Format(CultureInfo.CurrentCulture, t["Not contacted ({0} days)"], days)
            : days == 0 ? t["Contacted today"] : string.Format(CultureInfo.CurrentCulture, t["{0} days since contact"], days);
    }

    public static string MoveLabel(BoardCard card, IStringLocalizer t) =>
        string.Format(CultureInfo.CurrentCulture, t["Move {0} to another relationship"], card.Name);

    /// <summary>The card's name and details.</summary>
    public static MarkupString Body(BoardCard card, BoardCardContext context, IStringLocalizer t) => new(AppendBody(new StringBuilder(512), card, context, t).ToString());

    /// <summary>The whole card, as <see cref="BoardCardView"/> draws it when it is not being moved; its move button
    /// carries data-script (the page script turns a click on it into the page's ToggleMoveFromScript).</summary>
    public static MarkupString Article(BoardCard card, string? flash, BoardCardContext context, IStringLocalizer t)
    {
        var html = new StringBuilder(1024)
            .Append("<article class=\"board-card").Append(flash).Append("\" data-testid=\"board-card\" data-customer=\"")
            .Append(card.Id.ToString(CultureInfo.InvariantCulture)).Append("\" aria-label=\"").Append(Markup.Encode(card.Name))
            .Append("\" draggable=\"").Append(context.CanEdit ? "true" : "false").Append("\">");
        if (context.CanEdit)
        {
            html.Append("<button class=\"card-move\" data-testid=\"board-card-move\" data-script=\"move\" aria-expanded=\"false\" title=\"")
                .Append(Markup.Encode(t["Move to another relationship"])).Append("\" aria-label=\"").Append(Markup.Encode(MoveLabel(card, t))).Append("\">")
                .Append(SwapIcon.Value).Append("</button>");
        }

        return new(AppendBody(html, card, context, t).Append("</article>").ToString());
    }

    private static StringBuilder AppendBody(StringBuilder html, BoardCard card, BoardCardContext context, IStringLocalizer t)
    {
        html.Append("<div class=\"card-name\">");
        if (card.AvatarUrl is not null)
        {
            html.Append("<img class=\"card-avatar\" src=\"").Append(Markup.Encode(card.AvatarUrl)).Append("\" alt=\"\" loading=\"lazy\" data-testid=\"board-card-avatar\" />");
        }

        html.Append(Markup.Encode(card.Name)).Append("</div><div class=\"card-meta\">");
        if (!string.IsNullOrEmpty(card.Phone))
        {
            html.Append("<span>").Append(PhoneIcon.Value).Append(' ').Append(Markup.Encode(PhoneNormalizer.ToDisplay(card.Phone))).Append("</span>");
        }

        return html.Append("<span>").Append(PersonIcon.Value).Append(' ').Append(Markup.Encode(card.OwnerName ?? t["Unassigned"])).Append("</span>")
            .Append(Days(card, context.UtcNow) > context.DontForgetDays ? "<span class=\"overdue\">" : "<span>")
            .Append(Markup.Encode(LastContactText(card, context.UtcNow, t))).Append("</span></div>");
    }
}
