namespace CrmBlazor.Features.Api;

/// <summary>Marker of the API's problem titles (ApiText.resx English, ApiText.vi.resx Vietnamese; <see cref="ApiProblems"/>).</summary>
public sealed class ApiText;
