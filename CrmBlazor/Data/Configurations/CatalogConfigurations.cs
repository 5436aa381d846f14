using CrmBlazor.Domain.CustomFields;
using CrmBlazor.Domain.Relationships;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CrmBlazor.Data.Configurations;

public sealed class RelationshipConfiguration : IEntityTypeConfiguration<Relationship>
{
    public void Configure(EntityTypeBuilder<Relationship> b)
    {
        b.ToTable("Relationships");
        b.Property(r => r.Name).HasMaxLength(100).IsRequired();
        b.Property(r => r.Color).HasMaxLength(7).IsRequired();
        b.Property(r => r.Description).HasMaxLength(500);
        b.HasIndex(r => new { r.IsDeleted, r.Position });
    }
}

public sealed class SourceConfiguration : IEntityTypeConfiguration<Source>
{
    public void Configure(EntityTypeBuilder<Source> b)
    {
        b.ToTable("Sources");
        b.Property(s => s.Name).HasMaxLength(100).IsRequired();
    }
}

public sealed class CustomerGroupConfiguration : IEntityTypeConfiguration<CustomerGroup>
{
    public void Configure(EntityTypeBuilder<CustomerGroup> b)
    {
        b.ToTable("CustomerGroups");
        b.Property(g => g.Name).HasMaxLength(100).IsRequired();
    }
}

public sealed class CustomFieldDefinitionConfiguration : IEntityTypeConfiguration<CustomFieldDefinition>
{
    public void Configure(EntityTypeBuilder<CustomFieldDefinition> b)
    {
        b.ToTable("CustomFields");
        b.Property(f => f.Name).HasMaxLength(100).IsRequired();
        b.Property(f => f.Choices).HasMaxLength(4000);
        b.Ignore(f => f.ChoiceList);
    }
}

public sealed class CustomFieldValueConfiguration : IEntityTypeConfiguration<CustomFieldValue>
{
    public void Configure(EntityTypeBuilder<CustomFieldValue> b)
    {
        b.ToTable("CustomFieldValues");
        b.HasKey(v => new { v.CustomerId, v.FieldId });
        b.Property(v => v.Value).HasMaxLength(2000).IsRequired();
        b.HasOne<CustomFieldDefinition>().WithMany().HasForeignKey(v => v.FieldId).OnDelete(DeleteBehavior.Cascade);
    }
}
