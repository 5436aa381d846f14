using CrmBlazor.Domain.Organization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CrmBlazor.Data.Configurations;

public sealed class AccessTokenConfiguration : IEntityTypeConfiguration<AccessToken>
{
    public void Configure(EntityTypeBuilder<AccessToken> b)
    {
        b.ToTable("AccessTokens");
        b.Property(t => t.UserId).HasMaxLength(64).IsRequired();
        b.Property(t => t.Name).HasMaxLength(100).IsRequired();
        b.Property(t => t.Hash).HasMaxLength(64).IsRequired();
        b.Property(t => t.Hint).HasMaxLength(16).IsRequired();
        b.Ignore(t => t.IsActive);
        b.HasOne<StaffProfile>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(t => t.Hash).IsUnique();
        b.HasIndex(t => t.UserId);
    }
}
