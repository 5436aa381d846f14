namespace CrmBlazor.Localization;

/// <summary>Marker for the shared UI strings: keys are the English text; SharedResource.vi.resx holds Vietnamese.</summary>
public sealed class SharedResource;
