namespace CrmBlazor.Features.Relationships;

/// <summary>Marker for the relationship settings' UI text (RelationshipsText.resx English, RelationshipsText.vi.resx Vietnamese).</summary>
public sealed class RelationshipsText;
