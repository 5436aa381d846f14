using CrmBlazor.Domain.Organization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CrmBlazor.Data.Configurations;

public sealed class DepartmentConfiguration : IEntityTypeConfiguration<Department>
{
    public void Configure(EntityTypeBuilder<Department> b)
    {
        b.ToTable("Departments");
        b.Property(d => d.Name).HasMaxLength(150).IsRequired();
        b.Property(d => d.Path).HasMaxLength(400).IsRequired();
        b.Ignore(d => d.Depth);
        b.HasOne(d => d.Parent).WithMany().HasForeignKey(d => d.ParentId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(d => d.Path);
    }
}

public sealed class PermissionGroupConfiguration : IEntityTypeConfiguration<PermissionGroup>
{
    public void Configure(EntityTypeBuilder<PermissionGroup> b)
    {
        b.ToTable("PermissionGroups");
        b.Property(g => g.Name).HasMaxLength(100).IsRequired();
        b.Property(g => g.Rights).HasConversion<int>();
        b.HasIndex(g => g.Name).IsUnique();
    }
}

public sealed class StaffProfileConfiguration : IEntityTypeConfiguration<StaffProfile>
{
    public void Configure(EntityTypeBuilder<StaffProfile> b)
    {
        b.ToTable("StaffProfiles");
        b.HasKey(p => p.Id);
        b.Property(p => p.Id).HasMaxLength(64);
        b.Property(p => p.UserName).HasMaxLength(64).IsRequired();
        b.Property(p => p.FullName).HasMaxLength(150).IsRequired();
        b.Property(p => p.Email).HasMaxLength(254);
        b.Property(p => p.Phone).HasMaxLength(30);
        b.Property(p => p.TimeZone).HasMaxLength(64).IsRequired();
        b.Property(p => p.Culture).HasMaxLength(10).IsRequired();
        b.HasOne(p => p.Department).WithMany().HasForeignKey(p => p.DepartmentId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(p => p.PermissionGroup).WithMany().HasForeignKey(p => p.PermissionGroupId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<AppUser>().WithOne(u => u.Profile).HasForeignKey<StaffProfile>(p => p.Id).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(p => p.UserName).IsUnique();
        b.HasIndex(p => p.DepartmentId);
    }
}
