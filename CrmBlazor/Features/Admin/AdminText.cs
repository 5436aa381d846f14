namespace CrmBlazor.Features.Admin;

/// <summary>Marker for the admin pages' strings (AdminText.resx English, AdminText.vi.resx Vietnamese).</summary>
public sealed class AdminText;
