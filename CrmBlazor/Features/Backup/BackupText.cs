namespace CrmBlazor.Features.Backup;

/// <summary>Marker for the backup panel's strings (BackupText.resx English, BackupText.vi.resx Vietnamese).</summary>
public sealed class BackupText;
