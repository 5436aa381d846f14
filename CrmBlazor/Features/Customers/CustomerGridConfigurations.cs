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
