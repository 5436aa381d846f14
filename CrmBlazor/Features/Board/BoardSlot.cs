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
