using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;

namespace CrmBlazor.Features.Board;

/// <summary>
/// One card's place on the board. The page keeps the slot while the card stays on screen and
/// sets its new card when the customer changes; the card's view listens and redraws itself alone.
/// </summary>
public sealed class BoardSlot(BoardCard card, string? flash)
{
    public BoardCard Card { get; private set; } = card;

    /// <summary>The highlight class, when the card changed lately.</summary>
    public string? Flash { get; private set; } = flash;

    // The card as markup, with what it was drawn from: drawn again only when the card, its highlight, the reader's rights
    // or its days since contact changed.
    private (object Key, MarkupString Html)? _markup;

    /// <summary>The card as one piece of markup (<see cref="BoardCardMarkup.Article"/>), kept while it shows the same.</summary>
    public MarkupString Markup(BoardCardContext context, IStringLocalizer t)
    {
        var key = (Card, Flash, context.CanEdit, BoardCardMarkup.Days(Card, context.UtcNow), context.DontForgetDays);
        if (_markup is { } kept && kept.Key.Equals(key))
        {
            return kept.Html;
        }

        var html = BoardCardMarkup.Article(Card, Flash, context, t);
        _markup = (key, html);
        return html;
    }

    /// <summary>Raised when the card or its highlight changed.</summary>
    public event Action? Changed;

    public void Set(BoardCard card, string? flash)
    {
        if (ReferenceEquals(card, Card) && flash == Flash)
        {
            return;
        }

        Card = card;
        Flash = flash;
        Changed?.Invoke();
    }
}
