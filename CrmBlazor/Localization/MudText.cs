namespace CrmBlazor.Localization;

/// <summary>The resource of MudBlazor's texts (MudText.vi.resx; the keys are MudBlazor's). Its own file, so that the resource
/// is named after this class (the build names a .resx after the class in the file beside it).</summary>
public sealed class MudText;
