using CrmBlazor.Domain.Auditing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CrmBlazor.Data.Configurations;

/// <summary>The audit log (issue #20): append-only; no foreign key to the actor, so an entry outlives anything it names.</summary>
public sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public const string Table = "AuditLog";

    public void Configure(EntityTypeBuilder<AuditEntry> b)
    {
        b.ToTable(Table);
        b.Property(e => e.ActorId).HasMaxLength(64);
        b.Property(e => e.ActorName).HasMaxLength(AuditEntry.MaxNameLength).IsRequired();
        b.Property(e => e.Address).HasMaxLength(64);
        b.Property(e => e.Action).HasMaxLength(64).IsRequired();
        b.Property(e => e.TargetType).HasMaxLength(32).IsRequired();
        b.Property(e => e.TargetId).HasMaxLength(64);
        b.Property(e => e.TargetName).HasMaxLength(AuditEntry.MaxNameLength);
        b.Property(e => e.OldValues).HasMaxLength(AuditEntry.MaxValuesLength);
        b.Property(e => e.NewValues).HasMaxLength(AuditEntry.MaxValuesLength);
        // Newest first, whole log or filtered by actor or action.
        b.HasIndex(e => new { e.At, e.Id });
        b.HasIndex(e => new { e.ActorId, e.At });
        b.HasIndex(e => new { e.Action, e.At });
    }
}
