using CrmBlazor.Domain.Comments;
using CrmBlazor.Domain.Customers;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CrmBlazor.Data.Configurations;

public sealed class CommentConfiguration : IEntityTypeConfiguration<Comment>
{
    public void Configure(EntityTypeBuilder<Comment> b)
    {
        b.ToTable("Comments");
        b.Property(c => c.AuthorId).HasMaxLength(64).IsRequired();
        b.Property(c => c.Body).HasMaxLength(20000).IsRequired();
        b.HasOne<Customer>().WithMany().HasForeignKey(c => c.CustomerId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(c => new { c.CustomerId, c.CreatedAt });
        // A period's comments with their customer and whether they count, from the index alone (the reports' interactions, R8.1).
        b.HasIndex(c => new { c.CreatedAt, c.CustomerId, c.IsDeleted }, "IX_Comments_CreatedAt");
    }
}

public sealed class ChangeLogEntryConfiguration : IEntityTypeConfiguration<ChangeLogEntry>
{
    public void Configure(EntityTypeBuilder<ChangeLogEntry> b)
    {
        b.ToTable("ChangeLog");
        b.Property(c => c.UserId).HasMaxLength(64);
        b.Property(c => c.Field).HasMaxLength(64).IsRequired();
        b.Property(c => c.OldValue).HasMaxLength(2000);
        b.Property(c => c.NewValue).HasMaxLength(2000);
        b.Property(c => c.Origin).HasMaxLength(20).IsRequired();
        b.HasOne<Customer>().WithMany().HasForeignKey(c => c.CustomerId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(c => new { c.CustomerId, c.At });
        // The stage changes' two partial indexes: CrmDbContext.ApplyStageChangeIndexes (their key depends on the provider).
    }
}
