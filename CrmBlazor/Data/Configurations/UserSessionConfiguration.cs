using CrmBlazor.Domain.Organization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CrmBlazor.Data.Configurations;

public sealed class UserSessionConfiguration : IEntityTypeConfiguration<UserSession>
{
    public void Configure(EntityTypeBuilder<UserSession> b)
    {
        b.ToTable("UserSessions");
        b.Property(s => s.Id).HasMaxLength(32);
        b.Property(s => s.UserId).HasMaxLength(64).IsRequired();
        b.Property(s => s.UserAgent).HasMaxLength(UserSession.UserAgentMaxLength);
        b.Property(s => s.IpAddress).HasMaxLength(UserSession.AddressMaxLength);
        b.Ignore(s => s.IsActive);
        b.HasOne<StaffProfile>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
        // "Sign out everywhere" ends the open sessions of one user.
        b.HasIndex(s => new { s.UserId, s.EndedAt });
    }
}
