using CrmBlazor.Domain.Comments;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CrmBlazor.Data.Configurations;

public sealed class CommentLikeConfiguration : IEntityTypeConfiguration<CommentLike>
{
    public void Configure(EntityTypeBuilder<CommentLike> b)
    {
        b.ToTable("CommentLikes");
        b.HasKey(l => new { l.CommentId, l.UserId });
        b.Property(l => l.UserId).HasMaxLength(64);
        b.HasOne<Comment>().WithMany().HasForeignKey(l => l.CommentId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class CommentRevisionConfiguration : IEntityTypeConfiguration<CommentRevision>
{
    public void Configure(EntityTypeBuilder<CommentRevision> b)
    {
        b.ToTable("CommentRevisions");
        b.Property(r => r.Body).HasMaxLength(20000).IsRequired();
        b.HasOne<Comment>().WithMany().HasForeignKey(r => r.CommentId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(r => r.CommentId);
    }
}

public sealed class CommentAttachmentConfiguration : IEntityTypeConfiguration<CommentAttachment>
{
    public void Configure(EntityTypeBuilder<CommentAttachment> b)
    {
        b.ToTable("CommentAttachments");
        b.Property(a => a.FileName).HasMaxLength(255).IsRequired();
        b.Property(a => a.ContentType).HasMaxLength(100).IsRequired();
        b.Property(a => a.StorageName).HasMaxLength(100).IsRequired();
        b.Ignore(a => a.IsImage);
        b.HasOne<Comment>().WithMany().HasForeignKey(a => a.CommentId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(a => a.CommentId);
    }
}

public sealed class StreamReadMarkerConfiguration : IEntityTypeConfiguration<StreamReadMarker>
{
    public void Configure(EntityTypeBuilder<StreamReadMarker> b)
    {
        b.ToTable("StreamReadMarkers");
        b.HasKey(m => new { m.UserId, m.CustomerId });
        b.Property(m => m.UserId).HasMaxLength(64);
        b.HasOne<Customer>().WithMany().HasForeignKey(m => m.CustomerId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<StaffProfile>().WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class NotificationConfiguration : IEntityTypeConfiguration<Notification>
{
    public void Configure(EntityTypeBuilder<Notification> b)
    {
        b.ToTable("Notifications");
        b.Property(n => n.UserId).HasMaxLength(64).IsRequired();
        b.Property(n => n.ByUserId).HasMaxLength(64);
        b.HasOne<Customer>().WithMany().HasForeignKey(n => n.CustomerId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(n => new { n.UserId, n.CreatedAt });
    }
}
