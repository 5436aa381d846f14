using CrmBlazor.Data;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Customers;
using CrmBlazor.Features.Orders;
using CrmBlazor.Live;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace CrmBlazor.Tests.Integration.Orders;

/// <summary>
/// R4.4: fifty payments at the same moment — ten on each of five orders of one customer — all count. The value moves in SQL
/// by what each payment adds, and a payment that lost the race for its order is applied again on the fresh order, so the
/// value ends exactly at the sum of what the orders received, on SQLite and on a real PostgreSQL server.
/// </summary>
public sealed class OrderValueConcurrencyTests
{
    private const int Orders = 5;
    private const int PaymentsPerOrder = 10;
    private const decimal Payment = 123_000;

    [Fact]
    public async Task Fifty_payments_at_once_all_count_on_SQLite()
    {
        await using var db = await TestDatabase.CreateAsync();
        await PayAtOnceAsync(db.Factory);
    }

    [Fact]
    public Task Fifty_payments_at_once_all_count_on_PostgreSQL() => ScratchDatabases.OnPostgresAsync(PayAtOnceAsync);

    private static async Task PayAtOnceAsync(IDbContextFactory<CrmDbContext> factory)
    {
        var (userId, customerId) = await ScratchDatabases.OneUserOneCustomerAsync(factory, Rights.SalesDefault, "thu-ngan", "Phạm Thu Ngân",
            "Công ty Bình Minh", "0912000222");
        var service = new OrderService(factory, TimeProvider.System, new InProcessLiveEventBus(NullLogger<InProcessLiveEventBus>.Instance));
        var me = (await CurrentUser.LoadAsync(factory, userId))!;
        var orderIds = new List<long>();
        for (var i = 0; i < Orders; i++)
        {
            orderIds.Add((await service.CreateAsync(me, customerId, new OrderInput { Total = Payment * PaymentsPerOrder * 2 })).Order!.Id);
        }

        using var start = new ManualResetEventSlim();
        var payments = orderIds.SelectMany(id => Enumerable.Range(0, PaymentsPerOrder).Select(_ => Task.Run(async () =>
        {
            start.Wait();
            return await service.RecordPaymentAsync(me, id, Payment);
        }))).ToList();
        start.Set();
        var results = await Task.WhenAll(payments);

        Assert.All(results, r => Assert.Equal(SaveStatus.Saved, r.Status));
        await using var check = await factory.CreateDbContextAsync();
        var paid = (await check.Orders.AsNoTracking().Where(o => o.CustomerId == customerId).ToListAsync()).Sum(o => o.AmountPaid);
        Assert.Equal(Orders * PaymentsPerOrder * Payment, paid);
        var value = await check.Customers.Where(c => c.Id == customerId).Select(c => c.TotalPaid).SingleAsync();
        Assert.Equal(paid, value);
    }
}
