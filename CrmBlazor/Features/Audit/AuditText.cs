namespace CrmBlazor.Features.Audit;

/// <summary>Marker for the audit page's strings (AuditText.resx English, AuditText.vi.resx Vietnamese).</summary>
public sealed class AuditText;
