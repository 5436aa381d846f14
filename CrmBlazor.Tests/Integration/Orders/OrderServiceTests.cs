using CrmBlazor.Data;
using CrmBlazor.Domain.Orders;
using CrmBlazor.Features.Customers;
using CrmBlazor.Features.Orders;
using CrmBlazor.Live;
using CrmBlazor.Tests.Integration.Customers;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Tests.Integration.Orders;

/// <summary>Orders of a customer (R4.2, R4.4): the value is the money received, an order is a contact, every change is
/// logged and published, and rights and scope hold (R7.3, R7.4).</summary>
public sealed class OrderServiceTests : IAsyncLifetime
{
    private GridWorld _w = null!;
    private OrderService _orders = null!;

    public async Task InitializeAsync()
    {
        _w = await GridWorld.CreateAsync();
        _orders = new OrderService(_w.Db.Factory, TimeProvider.System, _w.Bus);
    }

    public async Task DisposeAsync() => await _w.DisposeAsync();

    private static OrderInput Lines(params (string Name, decimal Qty, decimal Price, decimal Discount)[] lines) =>
        new() { Lines = lines.Select(l => new OrderLine(l.Name, l.Qty, l.Price, l.Discount)).ToList() };

    private async Task<(decimal Value, DateTime? LastContact, int Interactions)> CustomerAsync(int id)
    {
        await using var db = await _w.Db.Factory.CreateDbContextAsync();
        var c = await db.Customers.AsNoTracking().SingleAsync(c => c.Id == id);
        return (c.TotalPaid, c.LastContactAt, c.InteractionCount);
    }

    [Fact]
    public async Task An_order_with_lines_gets_a_number_and_its_total_is_a_contact_and_is_logged_and_published()
    {
        var result = await _orders.CreateAsync(_w.Lan, _w.LanCustomer, Lines(("Bàn gỗ", 2, 1_500_000, 100_000), ("Ghế", 4, 250_000, 0)));

        Assert.Equal(SaveStatus.Saved, result.Status);
        var order = result.Order!;
        Assert.Equal(Order.NumberOf(order.Id), order.Number);
        Assert.StartsWith("DH", order.Number, StringComparison.Ordinal);
        Assert.Equal(3_900_000m, order.Total);
        Assert.Equal(OrderStatus.Confirmed, order.Status);
        var (value, lastContact, _) = await CustomerAsync(_w.LanCustomer);
        Assert.Equal(0m, value); // confirmed, nothing received yet (R4.4)
        Assert.NotNull(lastContact); // an order is a contact event (R4.2)
        await using var db = await _w.Db.Factory.CreateDbContextAsync();
        var log = await db.ChangeLog.SingleAsync(l => l.CustomerId == _w.LanCustomer && l.Field == OrderService.LogField);
        Assert.Null(log.OldValue);
        Assert.StartsWith(order.Number + "|confirmed|3900000", log.NewValue, StringComparison.Ordinal);
        Assert.Contains(_w.Bus.Events, e => e is OrderChanged { Kind: OrderChangeKinds.Created } o && o.OrderId == order.Id);
        Assert.Contains(_w.Bus.Events, e => e is CustomerChanged c && c.CustomerId == _w.LanCustomer);
    }

    [Fact]
    public async Task Value_is_the_money_received_partial_payments_add_up_paying_in_full_marks_paid_and_cancelling_takes_it_back()
    {
        var order = (await _orders.CreateAsync(_w.Lan, _w.LanCustomer, new OrderInput { Total = 1_000_000 })).Order!;

        var partial = await _orders.RecordPaymentAsync(_w.Lan, order.Id, 400_000);
        Assert.Equal((SaveStatus.Saved, OrderStatus.Confirmed), (partial.Status, partial.Order!.Status));
        Assert.Equal(400_000m, (await CustomerAsync(_w.LanCustomer)).Value);
        Assert.DoesNotContain(_w.Bus.Events, e => e is OrderChanged { Kind: OrderChangeKinds.Paid });

        var rest = await _orders.RecordPaymentAsync(_w.Lan, order.Id, 600_000);
        Assert.Equal(OrderStatus.Paid, rest.Order!.Status);
        Assert.Equal(1_000_000m, (await CustomerAsync(_w.LanCustomer)).Value);
        Assert.Single(_w.Bus.Events, e => e is OrderChanged { Kind: OrderChangeKinds.Paid });

        var over = await _orders.RecordPaymentAsync(_w.Lan, order.Id, 1);
        Assert.Equal((SaveStatus.Invalid, OrderRuleCodes.Overpaid), (over.Status, over.ErrorCode));

        var second = (await _orders.CreateAsync(_w.Lan, _w.LanCustomer, new OrderInput { Total = 250_000, Status = OrderStatus.Paid })).Order!;
        Assert.Equal((OrderStatus.Paid, 250_000m), (second.Status, second.AmountPaid));
        Assert.Equal(1_250_000m, (await CustomerAsync(_w.LanCustomer)).Value);

        var cancelled = await _orders.ChangeStatusAsync(_w.Lan, order.Id, OrderStatus.Cancelled, rest.Order.Version);
        Assert.Equal(SaveStatus.Saved, cancelled.Status);
        Assert.Equal(250_000m, (await CustomerAsync(_w.LanCustomer)).Value);

        var deleted = await _orders.DeleteAsync(_w.Lan, second.Id, second.Version);
        Assert.Equal(SaveStatus.Saved, deleted.Status);
        Assert.Equal(0m, (await CustomerAsync(_w.LanCustomer)).Value);
    }

    [Fact]
    public async Task A_stale_version_is_a_conflict_and_saves_nothing()
    {
        var order = (await _orders.CreateAsync(_w.Lan, _w.LanCustomer, new OrderInput { Total = 500_000 })).Order!;
        await _orders.RecordPaymentAsync(_w.Lan, order.Id, 100_000);

        var stale = await _orders.UpdateAsync(_w.Lan, order.Id, new OrderInput { Total = 50_000 }, order.Version);

        Assert.Equal(SaveStatus.Conflict, stale.Status);
        Assert.Equal(500_000m, (await _orders.GetAsync(_w.Lan, order.Id))!.Total);
    }

    [Fact]
    public async Task Orders_need_the_orders_right_to_write_and_the_customer_scope_to_read_or_write()
    {
        var lanOrder = (await _orders.CreateAsync(_w.Lan, _w.LanCustomer, new OrderInput { Total = 700_000 })).Order!;

        // The viewer sees every customer it may see, but lacks the orders right (R7.4).
        var viewer = await _orders.CreateAsync(_w.Viewer, _w.LanCustomer, new OrderInput { Total = 1 });
        Assert.Equal(SaveStatus.Denied, viewer.Status);
        Assert.Equal(SaveStatus.Denied, (await _orders.RecordPaymentAsync(_w.Viewer, lanOrder.Id, 1)).Status);
        Assert.Equal(SaveStatus.Denied, (await _orders.DeleteAsync(_w.Viewer, lanOrder.Id, lanOrder.Version)).Status);

        // Minh has the right but Lan's customer is not his (R7.3): it does not exist for him.
        Assert.Equal(SaveStatus.NotFound, (await _orders.CreateAsync(_w.Minh, _w.LanCustomer, new OrderInput { Total = 1 })).Status);
        Assert.Null(await _orders.ListAsync(_w.Minh, _w.LanCustomer));
        Assert.Null(await _orders.GetAsync(_w.Minh, lanOrder.Id));
        Assert.Equal(SaveStatus.NotFound, (await _orders.RecordPaymentAsync(_w.Minh, lanOrder.Id, 700_000)).Status);
        Assert.Equal(SaveStatus.NotFound, (await _orders.DeleteAsync(_w.Minh, lanOrder.Id, lanOrder.Version)).Status);

        Assert.Equal(0m, (await CustomerAsync(_w.LanCustomer)).Value);
        Assert.Single((await _orders.ListAsync(_w.Lan, _w.LanCustomer))!);
        Assert.Single((await _orders.ListAsync(_w.Admin, _w.LanCustomer))!);
    }

    [Fact]
    public async Task The_customers_data_export_holds_its_orders()
    {
        var order = (await _orders.CreateAsync(_w.Lan, _w.LanCustomer, Lines(("Tủ lạnh Sanyo", 1, 8_990_000, 0)))).Order!;
        using var zipped = new MemoryStream();

        Assert.True(await _w.Service.ExportDataAsync(_w.Admin, _w.LanCustomer, zipped));

        zipped.Position = 0;
        using var zip = new System.IO.Compression.ZipArchive(zipped);
        using var reader = new StreamReader(zip.GetEntry("customer.json")!.Open());
        var json = await reader.ReadToEndAsync();
        Assert.Contains(order.Number, json, StringComparison.Ordinal);
        Assert.Contains("Tủ lạnh Sanyo", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Broken_order_rules_save_nothing()
    {
        Assert.Equal(OrderRuleCodes.LineInvalid, (await _orders.CreateAsync(_w.Lan, _w.LanCustomer, Lines(("", 1, 1, 0)))).ErrorCode);
        Assert.Equal(OrderRuleCodes.LineInvalid, (await _orders.CreateAsync(_w.Lan, _w.LanCustomer, Lines(("Ghế", 1, 100, 200)))).ErrorCode);
        Assert.Equal(OrderRuleCodes.TotalInvalid, (await _orders.CreateAsync(_w.Lan, _w.LanCustomer, new OrderInput { Total = -5 })).ErrorCode);
        Assert.Equal(OrderRuleCodes.Overpaid, (await _orders.CreateAsync(_w.Lan, _w.LanCustomer, new OrderInput { Total = 5, AmountPaid = 6 })).ErrorCode);
        Assert.Empty((await _orders.ListAsync(_w.Lan, _w.LanCustomer))!);
    }
}
