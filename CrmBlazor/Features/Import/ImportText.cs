namespace CrmBlazor.Features.Import;

/// <summary>Marker of the import feature's UI text (ImportText.resx English, ImportText.vi.resx Vietnamese).</summary>
public sealed class ImportText;
