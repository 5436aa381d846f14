using CrmBlazor.Data;
using CrmBlazor.Domain.Orders;
using CrmBlazor.Features.Customers;
using CrmBlazor.Features.Orders;
using CrmBlazor.Tests.Integration.Customers;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Tests.Integration.Reports;

/// <summary>
/// The rank each paying order keeps among its customer's (PayingOrders, read by "bought once or again" and conversion,
/// R8.1): after random order writes through the product — create in every status, edit the date, change the status,
/// record payments, delete — and merges and unmerges that move orders between customers, every order's stored rank equals
/// a plain C# ranking of the rows (paying = not cancelled and something paid, by date then id) and what the rebuild
/// writes; and every customer's kept first payment date equals the date of its first paying order. On SQLite and PostgreSQL.
/// </summary>
public class PayingOrdersTests : IAsyncLifetime
{
    private readonly Random _random = new(81);
    private GridWorld _w = null!;
    private OrderService _orders = null!;
    private List<int> _customers = [];

    protected virtual bool Postgres => false;

    public async Task InitializeAsync()
    {
        _w = await GridWorld.CreateAsync(postgres: Postgres);
        _orders = new OrderService(_w.Db.Factory, TimeProvider.System, _w.Bus);
        _customers = [_w.LanCustomer, _w.LanCustomer2, _w.MinhCustomer];
        for (var i = 0; i < 3; i++)
        {
            _customers.Add((await _w.Db.AddCustomerAsync($"Khách đơn {i}", $"090500000{i}", _w.FirstRelationship, _w.Lan.UserId)).Id);
        }
    }

    public async Task DisposeAsync() => await _w.DisposeAsync();

    [Fact]
    public async Task Random_order_writes_merges_and_unmerges_keep_every_rank_equal_to_the_rebuilt_one()
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var done = new HashSet<int>();
        var merges = new List<int>();
        for (var step = 0; step < 80; step++)
        {
            var orders = await WithDb(db => db.Orders.OrderBy(o => o.Id).Select(o => new { o.Id, o.Version, o.Total, o.AmountPaid }).ToListAsync());
            var live = await WithDb(db => db.Customers.Where(c => !c.IsDeleted).OrderBy(c => c.Id).Select(c => c.Id).ToListAsync());
            var op = orders.Count < 6 ? 0 : _random.Next(7);
            var order = orders.Count > 0 ? orders[_random.Next(orders.Count)] : null;
            var date = today.AddDays(_random.Next(-20, 5));
            OrderSaveResult? result = null;
            switch (op)
            {
                case 0:
                    var status = (OrderStatus)_random.Next(3);
                    var total = _random.Next(1, 50) * 100_000m;
                    var paid = status == OrderStatus.Paid ? total : status == OrderStatus.Confirmed && _random.Next(2) == 0 ? total / 4 : 0;
                    result = await _orders.CreateAsync(_w.Admin, live[_random.Next(live.Count)], new OrderInput { Date = date, Total = total, Status = status, AmountPaid = paid });
                    break;
                case 1:
                    result = await _orders.UpdateAsync(_w.Admin, order!.Id, new OrderInput { Date = date, Total = order.Total }, order.Version);
                    break;
                case 2:
                    result = await _orders.ChangeStatusAsync(_w.Admin, order!.Id, (OrderStatus)_random.Next(1, 4), order.Version);
                    break;
                case 3:
                    result = await _orders.RecordPaymentAsync(_w.Admin, order!.Id, 50_000m);
                    break;
                case 4:
                    result = await _orders.DeleteAsync(_w.Admin, order!.Id, order.Version);
                    break;
                case 5 when live.Count > 3:
                    var merge = await _w.Service.MergeAsync(_w.Admin, new MergeRequest(live[0], live[^1]));
                    Assert.Equal(MergeStatus.Done, merge.Status);
                    merges.Add(merge.MergeId!.Value);
                    break;
                case 6 when merges.Count > 0:
                    var mergeId = merges[^1];
                    merges.Remove(mergeId);
                    await _w.Service.UnmergeAsync(_w.Admin, mergeId);
                    break;
                default:
                    continue;
            }

            if (result is null || result.Status == SaveStatus.Saved)
            {
                done.Add(op);
            }

            // After every write: a later write to the same customer would rank its orders again and hide a miss.
            Assert.Equal(await OracleAsync(), await RanksAsync());
            Assert.Equal(await FirstPaidOracleAsync(), await FirstPaidAsync());
        }

        // Every kind of write ran, and ranks up to the second exist, so the comparisons could fail.
        Assert.Equal(7, done.Count);
        var kept = await RanksAsync();
        Assert.Contains(kept.Values, r => r == 2);
        Assert.Contains(kept.Values, r => r is null);
        Assert.Equal(await OracleAsync(), kept);
        var firstPaid = await FirstPaidAsync();
        Assert.Contains(firstPaid.Values, d => d is not null);
        Assert.Contains(firstPaid.Values, d => d is null);
        await using (var db = await _w.Db.Factory.CreateDbContextAsync())
        {
            await db.Orders.ExecuteUpdateAsync(u => u.SetProperty(o => EF.Property<int?>(o, PayingOrders.Column), (int?)null));
            await db.Customers.ExecuteUpdateAsync(u => u.SetProperty(c => c.FirstPaidOn, (DateOnly?)null));
            await PayingOrders.RebuildAsync(db, null);
        }

        Assert.Equal(kept, await RanksAsync());
        Assert.Equal(firstPaid, await FirstPaidAsync());
    }

    private async Task<T> WithDb<T>(Func<CrmDbContext, Task<T>> read)
    {
        await using var db = await _w.Db.Factory.CreateDbContextAsync();
        return await read(db);
    }

    private Task<Dictionary<long, int?>> RanksAsync() =>
        WithDb(db => db.Orders.Select(o => new { o.Id, Rank = EF.Property<int?>(o, PayingOrders.Column) }).ToDictionaryAsync(o => o.Id, o => o.Rank));

    /// <summary>Each customer's kept date of its first paying order (R8.1 conversion reads it).</summary>
    private Task<Dictionary<int, DateOnly?>> FirstPaidAsync() =>
        WithDb(db => db.Customers.Select(c => new { c.Id, c.FirstPaidOn }).ToDictionaryAsync(c => c.Id, c => c.FirstPaidOn));

    /// <summary>The date of each customer's first paying order from the rows, null without one.</summary>
    private Task<Dictionary<int, DateOnly?>> FirstPaidOracleAsync() => WithDb(async db =>
    {
        var orders = await db.Orders.AsNoTracking().ToListAsync();
        var customers = await db.Customers.Select(c => c.Id).ToListAsync();
        return customers.ToDictionary(id => id, id => orders.Where(o => o.CustomerId == id && o.Status != OrderStatus.Cancelled && o.AmountPaid > 0)
            .OrderBy(o => o.OrderDate).ThenBy(o => o.Id).Select(o => (DateOnly?)o.OrderDate).FirstOrDefault());
    });

    private Task<Dictionary<long, int?>> OracleAsync() => WithDb(async db =>
    {
        var orders = await db.Orders.AsNoTracking().ToListAsync();
        var ranks = orders.ToDictionary(o => o.Id, _ => (int?)null);
        foreach (var customer in orders.Where(o => o.Status != OrderStatus.Cancelled && o.AmountPaid > 0).GroupBy(o => o.CustomerId))
        {
            var rank = 0;
            foreach (var o in customer.OrderBy(o => o.OrderDate).ThenBy(o => o.Id))
            {
                ranks[o.Id] = ++rank;
            }
        }

        return ranks;
    });
}

/// <summary>The same on a real PostgreSQL server.</summary>
public sealed class PayingOrdersPostgresTests : PayingOrdersTests
{
    protected override bool Postgres => true;
}
