using CrmBlazor.Domain.Organization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CrmBlazor.Data.Configurations;

public sealed class WebhookConfiguration : IEntityTypeConfiguration<Webhook>
{
    public void Configure(EntityTypeBuilder<Webhook> b)
    {
        b.ToTable("Webhooks");
        b.Property(w => w.Url).HasMaxLength(1000).IsRequired();
        b.Property(w => w.Secret).HasMaxLength(64).IsRequired();
        b.Property(w => w.OwnerId).HasMaxLength(64).IsRequired();
        b.Property(w => w.Events).HasConversion<int>();
        b.HasOne<StaffProfile>().WithMany().HasForeignKey(w => w.OwnerId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> b)
    {
        b.ToTable("WebhookDeliveries");
        b.Property(d => d.Event).HasMaxLength(40).IsRequired();
        b.Property(d => d.Payload).HasMaxLength(20000).IsRequired();
        b.Property(d => d.LastError).HasMaxLength(500);
        b.HasOne<Webhook>().WithMany().HasForeignKey(d => d.WebhookId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(d => new { d.Status, d.NextAttemptAt });
        b.HasIndex(d => new { d.WebhookId, d.CreatedAt });
    }
}
