namespace CrmBlazor.Features.Reports;

/// <summary>Marker type for the reports' localised texts (ReportsText.resx, ReportsText.vi.resx).</summary>
public sealed class ReportsText;
