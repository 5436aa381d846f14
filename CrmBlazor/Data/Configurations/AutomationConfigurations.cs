using System.Text.Json;
using CrmBlazor.Domain.Automation;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CrmBlazor.Data.Configurations;

public sealed class AutomationRuleConfiguration : IEntityTypeConfiguration<AutomationRule>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public void Configure(EntityTypeBuilder<AutomationRule> b)
    {
        b.ToTable("AutomationRules");
        b.Property(r => r.Name).HasMaxLength(AutomationRule.MaxNameLength).IsRequired();
        b.Property(r => r.Trigger).HasConversion<int>();
        b.Property(r => r.RunAsUserId).HasMaxLength(64).IsRequired();
        b.Property(r => r.Version).IsConcurrencyToken();
        // Conditions and actions are read and written with their rule, never queried: JSON text on every provider.
        b.Property(r => r.Conditions).HasMaxLength(4000).HasConversion(
            v => JsonSerializer.Serialize(v, Json),
            v => JsonSerializer.Deserialize<AutomationConditions>(v, Json) ?? new AutomationConditions());
        b.Property(r => r.Actions).HasMaxLength(20_000).HasConversion(
            v => JsonSerializer.Serialize(v, Json),
            v => (IReadOnlyList<AutomationAction>)(JsonSerializer.Deserialize<List<AutomationAction>>(v, Json) ?? new List<AutomationAction>()),
            new ValueComparer<IReadOnlyList<AutomationAction>>((x, y) => JsonSerializer.Serialize(x, Json) == JsonSerializer.Serialize(y, Json),
                v => JsonSerializer.Serialize(v, Json).GetHashCode(StringComparison.Ordinal), v => v.ToList()));
        b.HasOne<StaffProfile>().WithMany().HasForeignKey(r => r.RunAsUserId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(r => new { r.IsActive, r.Trigger });
    }
}

public sealed class AutomationRunConfiguration : IEntityTypeConfiguration<AutomationRun>
{
    public void Configure(EntityTypeBuilder<AutomationRun> b)
    {
        b.ToTable("AutomationRuns");
        b.Property(r => r.Outcome).HasConversion<int>();
        b.Property(r => r.Detail).HasMaxLength(1000);
        b.HasOne<AutomationRule>().WithMany().HasForeignKey(r => r.RuleId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<Customer>().WithMany().HasForeignKey(r => r.CustomerId).OnDelete(DeleteBehavior.Cascade);
        // Exactly once: a second worker that processed the same event would fail here and roll back its actions.
        b.HasIndex(r => new { r.EventId, r.RuleId }).IsUnique();
        b.HasIndex(r => new { r.RuleId, r.Id });
        b.HasIndex(r => new { r.CustomerId, r.Id });
    }
}

public sealed class AutomationEventConfiguration : IEntityTypeConfiguration<AutomationEvent>
{
    public void Configure(EntityTypeBuilder<AutomationEvent> b)
    {
        b.ToTable("AutomationOutbox");
        b.Property(e => e.Trigger).HasConversion<int>();
        b.Property(e => e.ByUserId).HasMaxLength(64);
        b.HasOne<Customer>().WithMany().HasForeignKey(e => e.CustomerId).OnDelete(DeleteBehavior.Cascade);
        // The worker's queue: the pending events in order.
        b.HasIndex(e => new { e.ProcessedAt, e.Id });
        // The "no contact" scan: has this rule already had an event for this customer since its last contact?
        b.HasIndex(e => new { e.OnlyRuleId, e.CustomerId, e.CreatedAt });
    }
}
