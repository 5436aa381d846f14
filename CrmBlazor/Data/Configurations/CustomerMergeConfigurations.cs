using CrmBlazor.Domain.Customers;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CrmBlazor.Data.Configurations;

public sealed class CustomerMergeRecordConfiguration : IEntityTypeConfiguration<CustomerMergeRecord>
{
    public void Configure(EntityTypeBuilder<CustomerMergeRecord> b)
    {
        b.ToTable("CustomerMerges");
        b.Property(m => m.MergedName).HasMaxLength(200).IsRequired();
        b.Property(m => m.MergedById).HasMaxLength(64).IsRequired();
        b.Property(m => m.UndoneById).HasMaxLength(64);
        b.Property(m => m.MovedJson).IsRequired();
        b.Property(m => m.SurvivorChangesJson).IsRequired();
        // No foreign keys to Customers: the purge removes a customer's merge records itself (CustomerPurge), and a
        // record must not block deleting either customer.
        b.HasIndex(m => m.SurvivorId);
        b.HasIndex(m => m.MergedId);
        // The trash job's "merges past their undo time".
        b.HasIndex(m => new { m.ExpiresAt, m.UndoneAt });
    }
}

public sealed class DuplicateDismissalConfiguration : IEntityTypeConfiguration<DuplicateDismissal>
{
    public void Configure(EntityTypeBuilder<DuplicateDismissal> b)
    {
        b.ToTable("DuplicateDismissals");
        b.Property(d => d.Key).HasMaxLength(300).IsRequired();
        b.Property(d => d.MemberIds).IsRequired();
        b.Property(d => d.DismissedById).HasMaxLength(64).IsRequired();
        b.HasIndex(d => new { d.Kind, d.Key });
    }
}
