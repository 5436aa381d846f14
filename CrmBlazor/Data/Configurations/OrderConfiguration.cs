using System.Text.Json;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Orders;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CrmBlazor.Data.Configurations;

public sealed class OrderConfiguration : IEntityTypeConfiguration<Order>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public void Configure(EntityTypeBuilder<Order> b)
    {
        b.ToTable("Orders");
        b.HasKey(o => o.Id);
        b.Property(o => o.Number).HasMaxLength(32);
        b.Property(o => o.Total).HasPrecision(18, 2);
        b.Property(o => o.AmountPaid).HasPrecision(18, 2);
        b.Property(o => o.Status).HasConversion<int>();
        b.Property(o => o.Note).HasMaxLength(Order.MaxNoteLength);
        b.Property(o => o.CreatedById).HasMaxLength(64);
        b.Property(o => o.UpdatedById).HasMaxLength(64);
        b.Property(o => o.Version).IsConcurrencyToken();
        b.Ignore(o => o.Lines);
        b.Ignore(o => o.Contribution);
        b.Ignore(o => o.IsPaid);
        // The lines are read and written with their order, never queried one by one: one JSON text column on every provider.
        b.Property<List<OrderLine>>("_lines").HasColumnName("Lines").HasMaxLength(100_000)
            .HasConversion(
                v => JsonSerializer.Serialize(v, Json),
                v => JsonSerializer.Deserialize<List<OrderLine>>(v, Json) ?? new List<OrderLine>(),
                new ValueComparer<List<OrderLine>>((x, y) => x!.SequenceEqual(y!), v => v.Aggregate(0, (h, l) => HashCode.Combine(h, l)), v => v.ToList()));
        b.HasOne<Customer>().WithMany().HasForeignKey(o => o.CustomerId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(o => new { o.CustomerId, o.Id });
        // Place among the customer's paying orders (PayingOrders): derived, never set by the domain.
        b.Property<int?>(PayingOrders.Column);
        // The reports' conversion (R8.1): has this new customer's first paying order a date by the period's end — one seek.
        b.HasIndex("CustomerId", PayingOrders.Column, "OrderDate").HasDatabaseName("IX_Orders_Report");
        // Bought once or again (R8.1): the first and second paying orders dated by a day, counted from the index alone.
        b.HasIndex(PayingOrders.Column, "OrderDate", "CustomerId").HasDatabaseName("IX_Orders_Paying");
        // Revenue per source (R8.1) starts from a period's orders, not from every customer's.
        b.HasIndex(o => new { o.OrderDate, o.Status, o.CustomerId, o.AmountPaid }).HasDatabaseName("IX_Orders_Date");
        b.HasIndex(o => o.Number).IsUnique();
    }
}
