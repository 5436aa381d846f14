using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Domain.Relationships;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CrmBlazor.Data.Configurations;

public sealed class CustomerConfiguration : IEntityTypeConfiguration<Customer>
{
    public void Configure(EntityTypeBuilder<Customer> b)
    {
        b.ToTable("Customers");
        b.HasKey(c => c.Id);
        b.Property(c => c.Code).HasMaxLength(CustomerCode.MaxLength);
        b.Property(c => c.Name).HasMaxLength(200).IsRequired();
        b.Property(c => c.NameKey).HasMaxLength(200).IsRequired();
        b.Property(c => c.SearchText).HasMaxLength(600).IsRequired();
        b.Property(c => c.Phone).HasMaxLength(20);
        b.Property(c => c.Email).HasMaxLength(254);
        b.Property(c => c.Address).HasMaxLength(500);
        b.Property(c => c.TaxCode).HasMaxLength(20);
        b.Property(c => c.Country).HasMaxLength(100);
        b.Property(c => c.Province).HasMaxLength(100);
        b.Property(c => c.District).HasMaxLength(100);
        b.Property(c => c.Website).HasMaxLength(300);
        b.Property(c => c.Industry).HasMaxLength(150);
        b.Property(c => c.AvatarUrl).HasMaxLength(500);
        b.Property(c => c.OwnerId).HasMaxLength(64);
        b.Property(c => c.ReferrerUserId).HasMaxLength(64);
        b.Property(c => c.CreatedById).HasMaxLength(64);
        b.Property(c => c.UpdatedById).HasMaxLength(64);
        b.Property(c => c.DeletedById).HasMaxLength(64);
        b.Property(c => c.TotalPaid).HasPrecision(18, 2);
        b.Property(c => c.Version).IsConcurrencyToken();

        b.HasMany(c => c.Contacts).WithOne().HasForeignKey(c => c.CustomerId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(c => c.Groups).WithOne().HasForeignKey(g => g.CustomerId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(c => c.RelatedUsers).WithOne().HasForeignKey(r => r.CustomerId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(c => c.CustomValues).WithOne().HasForeignKey(v => v.CustomerId).OnDelete(DeleteBehavior.Cascade);

        b.HasOne<Relationship>().WithMany().HasForeignKey(c => c.RelationshipId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Source>().WithMany().HasForeignKey(c => c.SourceId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<StaffProfile>().WithMany().HasForeignKey(c => c.OwnerId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Customer>().WithMany().HasForeignKey(c => c.ReferrerCustomerId).OnDelete(DeleteBehavior.Restrict);

        // Unique code (R1.1). The list indexes are partial indexes over the live (not trashed) customers; their
        // filters are provider SQL, set by CrmDbContext.ApplyLiveCustomerIndexes.
        b.HasIndex(c => c.Code).IsUnique();
        b.HasIndex(c => c.Phone);
        // Unassigned customers a user created are theirs (R7.3): found by (OwnerId IS NULL, CreatedById) without a scan.
        b.HasIndex(c => new { c.OwnerId, c.CreatedById });
        b.HasIndex(c => c.Email);
        // The referrer index is partial, with a provider's filter: CrmDbContext.ApplyLiveCustomerIndexes.
    }
}

public sealed class ContactConfiguration : IEntityTypeConfiguration<Contact>
{
    public void Configure(EntityTypeBuilder<Contact> b)
    {
        b.ToTable("Contacts");
        b.Property(c => c.Name).HasMaxLength(200).IsRequired();
        b.Property(c => c.Salutation).HasMaxLength(50);
        b.Property(c => c.Phone).HasMaxLength(20);
        b.Property(c => c.Email).HasMaxLength(254);
        b.Property(c => c.Note).HasMaxLength(2000);
        b.HasIndex(c => c.CustomerId);
        b.HasIndex(c => c.Phone);
        b.HasIndex(c => c.Email);
    }
}

public sealed class CustomerGroupMemberConfiguration : IEntityTypeConfiguration<CustomerGroupMember>
{
    public void Configure(EntityTypeBuilder<CustomerGroupMember> b)
    {
        b.ToTable("CustomerGroupMembers");
        b.HasKey(m => new { m.CustomerId, m.GroupId });
        b.HasOne<CustomerGroup>().WithMany().HasForeignKey(m => m.GroupId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(m => new { m.GroupId, m.CustomerId });
    }
}

public sealed class CustomerRelatedUserConfiguration : IEntityTypeConfiguration<CustomerRelatedUser>
{
    public void Configure(EntityTypeBuilder<CustomerRelatedUser> b)
    {
        b.ToTable("CustomerRelatedUsers");
        b.HasKey(r => new { r.CustomerId, r.UserId });
        b.Property(r => r.UserId).HasMaxLength(64);
        b.HasOne<StaffProfile>().WithMany().HasForeignKey(r => r.UserId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(r => new { r.UserId, r.CustomerId });
    }
}

public sealed class SavedViewConfiguration : IEntityTypeConfiguration<SavedView>
{
    public void Configure(EntityTypeBuilder<SavedView> b)
    {
        b.ToTable("SavedViews");
        b.Property(v => v.OwnerId).HasMaxLength(64).IsRequired();
        b.Property(v => v.Name).HasMaxLength(SavedView.MaxNameLength).IsRequired();
        b.Property(v => v.Query).HasMaxLength(SavedView.MaxQueryLength).IsRequired();
        b.HasOne<StaffProfile>().WithMany().HasForeignKey(v => v.OwnerId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<Department>().WithMany().HasForeignKey(v => v.SharedWithDepartmentId).OnDelete(DeleteBehavior.SetNull);
        b.HasIndex(v => new { v.OwnerId, v.Name }).IsUnique();
        b.HasIndex(v => v.SharedWithDepartmentId);
    }
}
