using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CrmBlazor.Features.Customers;

public sealed class UserPreferenceConfiguration : IEntityTypeConfiguration<UserPreference>
{
    public void Configure(EntityTypeBuilder<UserPreference> b)
    {
        b.ToTable("UserPreferences");
        b.HasKey(p => new { p.UserId, p.Key });
        b.Property(p => p.UserId).HasMaxLength(64);
        b.Property(p => p.Key).HasMaxLength(100);
        b.Property(p => p.Value).HasMaxLength(4000).IsRequired();
        b.HasOne<StaffProfile>().WithMany().HasForeignKey(p => p.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class CommentReadConfiguration : IEntityTypeConfiguration<CommentRead>
{
    public void Configure(EntityTypeBuilder<CommentRead> b)
    {
        b.ToTable("CommentReads");
        b.HasKey(r => new { r.UserId, r.CustomerId });
        b.Property(r => r.UserId).HasMaxLength(64);
        b.HasOne<StaffProfile>().WithMany().HasForeignKey(r => r.UserId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<Customer>().WithMany().HasForeignKey(r => r.CustomerId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(r => r.CustomerId);
    }
}
