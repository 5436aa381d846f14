using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace CrmBlazor.Features.Board;

/// <summary>
/// What every card of one board shares, passed as one parameter: ten parameters on each of eighty cards were most of the
/// board page's own render tree, which every open board keeps (twice) in its circuit. The page makes a new one when it
/// renders; a card draws again only when what it shows changed (<see cref="BoardCardView"/>'s ShouldRender).
/// </summary>
public sealed record BoardCardContext(
    bool CanEdit,
    int DontForgetDays,
    DateTime UtcNow,
    int? MovingCardId,
    IReadOnlyList<BoardColumn> Columns,
    EventCallback<BoardCard> OnToggleMove,
    EventCallback<(BoardCard Card, int To)> OnMoveTo,
    EventCallback<KeyboardEventArgs> OnMoveKeyDown,
    EventCallback<BoardCard> OnDragStart)
{
    public string ColorOf(int relationshipId)
    {
        foreach (var column in Columns)
        {
            if (column.Id == relationshipId)
            {
                return column.Color;
            }
        }

        return "#9E9E9E";
    }
}
