namespace CrmBlazor.Features.Board;

/// <summary>Marker for the board's UI text (BoardText.resx English, BoardText.vi.resx Vietnamese).</summary>
public sealed class BoardText;
