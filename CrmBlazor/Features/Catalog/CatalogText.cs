namespace CrmBlazor.Features.Catalog;

/// <summary>Marker for the sources and groups settings' UI text (CatalogText.resx English, CatalogText.vi.resx Vietnamese).</summary>
public sealed class CatalogText;
