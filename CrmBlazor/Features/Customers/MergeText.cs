namespace CrmBlazor.Features.Customers;

/// <summary>Marker for the merge and duplicate finder screens' UI text (MergeText.resx, MergeText.vi.resx; R6.4, #22).</summary>
public sealed class MergeText;
