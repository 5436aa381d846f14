namespace CrmBlazor.Domain.Common;

/// <summary>One field of a record changed from <see cref="OldValue"/> to <see cref="NewValue"/> (R4.5 change log).</summary>
public sealed record FieldChange(string Field, string? OldValue, string? NewValue);
