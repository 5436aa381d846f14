using CrmBlazor.Data;
using CrmBlazor.Domain.Automation;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Orders;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Customers;
using CrmBlazor.Live;
using CrmBlazor.Localization;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Orders;

/// <summary>An order as screens and the API show it.</summary>
public sealed record OrderView(long Id, int CustomerId, string Number, DateOnly OrderDate, OrderStatus Status, decimal Total, decimal AmountPaid,
    string? Note, IReadOnlyList<OrderLine> Lines, int Version, DateTime CreatedAt, string? CreatedById, string? CreatedByName, DateTime? PaidAt);

/// <summary>What a person (or an API client) enters for an order: lines, or a plain total when there are none.</summary>
public sealed record OrderInput
{
    /// <summary>The order's date; today in the user's time zone when omitted.</summary>
    public DateOnly? Date { get; init; }
    public List<OrderLine>? Lines { get; init; }
    /// <summary>The total when there are no lines (with lines it is their sum).</summary>
    public decimal? Total { get; init; }
    public OrderStatus Status { get; init; } = OrderStatus.Confirmed;
    public decimal AmountPaid { get; init; }
    public string? Note { get; init; }
}

/// <summary>The outcome of an order write, with the same statuses as a customer write.</summary>
public sealed record OrderSaveResult(SaveStatus Status, OrderView? Order = null, string? ErrorCode = null, string? ErrorMessage = null)
{
    public static readonly OrderSaveResult NotFound = new(SaveStatus.NotFound);
    public static readonly OrderSaveResult Conflict = new(SaveStatus.Conflict);

    public static OrderSaveResult Denied(string reason) => new(SaveStatus.Denied, ErrorCode: FieldSaveResult.DeniedCode, ErrorMessage: reason);
}

/// <summary>An order of a customer was created, changed, paid or deleted (<see cref="OrderChangeKinds"/>): the customer's screens
/// reload its orders; webhooks send <c>order.created</c> and <c>order.paid</c>.</summary>
public sealed record OrderChanged(int CustomerId, long OrderId, string Kind, string? ByUserId) : LiveEvent
{
    public override IEnumerable<string> Topics() => [LiveTopics.Customer(CustomerId)];
}

public static class OrderChangeKinds
{
    public const string Created = "created";
    public const string Updated = "updated";
    public const string Paid = "paid";
    public const string Deleted = "deleted";
}

/// <summary>
/// Orders of customers (R4.2, R4.4) for the detail tab, the comment box shortcut and the API. Reads need access to the
/// customer (its scope, R7.3); writes need the "orders" right too (R7.4). Every write: load in scope, check the version
/// the user saw, let the order guard its rules, then in one transaction save it, move the customer's value by the change
/// in money received (in SQL, so concurrent payments all count), stamp the contact (R4.2), log it in the customer's
/// stream, write the automation outbox (order created, order paid: R2.6d); publish after the commit.
/// </summary>
public sealed class OrderService(IDbContextFactory<CrmDbContext> dbFactory, TimeProvider clock, ILiveEventBus? live = null)
{
    /// <summary>The change-log field of an order line in the customer's stream.</summary>
    public const string LogField = "Order";

    /// <summary>How many times a payment is re-applied when another write to the same order came first.</summary>
    private const int PaymentAttempts = 100;

    private DateTime UtcNow => clock.GetUtcNow().UtcDateTime;

    /// <summary>Whether the user may create and change orders at all (the UI hides the buttons otherwise).</summary>
    public static bool CanWrite(UserAccess user) => user.Has(Rights.CustomersAccess) && user.Has(Rights.Orders);

    /// <summary>The orders of a customer the user may see, newest first; null when the customer is not visible.</summary>
    public async Task<IReadOnlyList<OrderView>?> ListAsync(UserAccess user, int customerId, CancellationToken ct = default)
    {
        if (!user.Has(Rights.CustomersAccess))
        {
            throw new AccessDeniedException("No access to customers.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await CustomerScope.CanSee(db, user, customerId, includeTrashed: false, ct))
        {
            return null;
        }

        var orders = await db.Orders.AsNoTracking().Where(o => o.CustomerId == customerId).OrderByDescending(o => o.Id).Take(500).ToListAsync(ct);
        return await ViewsAsync(db, orders, ct);
    }

    /// <summary>One order of a customer the user may see, or null.</summary>
    public async Task<OrderView?> GetAsync(UserAccess user, long orderId, CancellationToken ct = default)
    {
        if (!user.Has(Rights.CustomersAccess))
        {
            throw new AccessDeniedException("No access to customers.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var order = await Visible(db, user).AsNoTracking().SingleOrDefaultAsync(o => o.Id == orderId, ct);
        return order is null ? null : (await ViewsAsync(db, [order], ct))[0];
    }

    public async Task<OrderSaveResult> CreateAsync(UserAccess user, int customerId, OrderInput input, string origin = CustomerService.OriginDetail, CancellationToken ct = default)
    {
        if (!CanWrite(user))
        {
            return OrderSaveResult.Denied("You may not create orders.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await CustomerScope.CanSee(db, user, customerId, includeTrashed: false, ct))
        {
            return OrderSaveResult.NotFound;
        }

        var now = UtcNow;
        Order order;
        try
        {
            order = Order.Create(customerId, input.Date ?? Today(user, now), input.Lines, input.Total, input.Status, input.AmountPaid, input.Note, user.UserId, now);
        }
        catch (DomainException ex)
        {
            return new OrderSaveResult(SaveStatus.Invalid, ErrorCode: ex.Code, ErrorMessage: ex.Message);
        }

        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            db.Orders.Add(order);
            await db.SaveChangesAsync(ct);
            order.AssignNumber();
            Automation.AutomationOutbox.Add(db, AutomationTrigger.OrderCreated, customerId, order.Id, user.UserId, now);
            if (order.IsPaid)
            {
                Automation.AutomationOutbox.Add(db, AutomationTrigger.OrderPaid, customerId, order.Id, user.UserId, now);
            }

            db.ChangeLog.Add(new Domain.Comments.ChangeLogEntry(customerId, user.UserId, now, new FieldChange(LogField, null, order.LogText()), origin));
            await db.SaveChangesAsync(ct);
            // Creating an order is a contact event (R4.2); the value moves by what it brings in (R4.4). Both in SQL: concurrent
            // orders of one customer each count.
            await MoveCustomerAsync(db, customerId, order.Contribution, now, ct);
            await tx.CommitAsync(ct);
        }

        Publish(customerId, order.Id, OrderChangeKinds.Created, user.UserId);
        if (order.IsPaid)
        {
            Publish(customerId, order.Id, OrderChangeKinds.Paid, user.UserId, customerAlso: false);
        }

        return new OrderSaveResult(SaveStatus.Saved, (await ViewsAsync(db, [order], ct))[0]);
    }

    /// <summary>Changes the date, lines or total and note, carrying the version the user saw.</summary>
    public Task<OrderSaveResult> UpdateAsync(UserAccess user, long orderId, OrderInput input, int seenVersion, string origin = CustomerService.OriginDetail, CancellationToken ct = default) =>
        WriteAsync(user, orderId, seenVersion, origin, (o, now) =>
        {
            var wasPaid = o.IsPaid;
            o.Edit(input.Date ?? o.OrderDate, input.Lines, input.Total, input.Note, user.UserId, now);
            return !wasPaid && o.IsPaid;
        }, retryOnConflict: false, ct);

    /// <summary>Confirms, marks paid in full, or cancels an order.</summary>
    public Task<OrderSaveResult> ChangeStatusAsync(UserAccess user, long orderId, OrderStatus status, int seenVersion, string origin = CustomerService.OriginDetail, CancellationToken ct = default) =>
        WriteAsync(user, orderId, seenVersion, origin, (o, now) => o.ChangeStatus(status, user.UserId, now), retryOnConflict: false, ct);

    /// <summary>
    /// Records money received. A payment adds to what the order holds now, whoever wrote it last: a conflict with another
    /// write is applied again on the fresh order (not refused), so fifty cashiers paying at once all count.
    /// </summary>
    public Task<OrderSaveResult> RecordPaymentAsync(UserAccess user, long orderId, decimal amount, string origin = CustomerService.OriginDetail, CancellationToken ct = default) =>
        WriteAsync(user, orderId, null, origin, (o, now) => o.RecordPayment(amount, user.UserId, now), retryOnConflict: true, ct);

    /// <summary>Deletes an order (a mistake); the value loses what it had brought in. False when not found or not visible.</summary>
    public async Task<OrderSaveResult> DeleteAsync(UserAccess user, long orderId, int seenVersion, string origin = CustomerService.OriginDetail, CancellationToken ct = default)
    {
        if (!CanWrite(user))
        {
            return OrderSaveResult.Denied("You may not delete orders.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var order = await Visible(db, user).SingleOrDefaultAsync(o => o.Id == orderId, ct);
        if (order is null)
        {
            return OrderSaveResult.NotFound;
        }

        if (order.Version != seenVersion)
        {
            return OrderSaveResult.Conflict;
        }

        var now = UtcNow;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // The version in the WHERE: a payment that came in meanwhile is not lost silently with the order.
        var deleted = await PayingOrders.WriteAsync(db, [order.CustomerId],
            () => db.Orders.Where(o => o.Id == orderId && o.Version == seenVersion).ExecuteDeleteAsync(ct), ct);
        if (deleted == 0)
        {
            return OrderSaveResult.Conflict;
        }

        db.ChangeLog.Add(new Domain.Comments.ChangeLogEntry(order.CustomerId, user.UserId, now, new FieldChange(LogField, order.LogText(), null), origin));
        await db.SaveChangesAsync(ct);
        await MoveCustomerAsync(db, order.CustomerId, -order.Contribution, null, ct);
        await tx.CommitAsync(ct);
        Publish(order.CustomerId, orderId, OrderChangeKinds.Deleted, user.UserId);
        return new OrderSaveResult(SaveStatus.Saved);
    }

    /// <summary>
    /// The one write path of an existing order. <paramref name="change"/> applies the domain change and says whether the
    /// order just became paid. With <paramref name="seenVersion"/> a stale version is a conflict; without, the change is
    /// re-applied on the fresh order when another write came first (<paramref name="retryOnConflict"/>).
    /// </summary>
    private async Task<OrderSaveResult> WriteAsync(UserAccess user, long orderId, int? seenVersion, string origin, Func<Order, DateTime, bool> change,
        bool retryOnConflict, CancellationToken ct)
    {
        if (!CanWrite(user))
        {
            return OrderSaveResult.Denied("You may not change orders.");
        }

        for (var attempt = 1; ; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var order = await Visible(db, user).SingleOrDefaultAsync(o => o.Id == orderId, ct);
            if (order is null)
            {
                return OrderSaveResult.NotFound;
            }

            if (seenVersion is int seen && order.Version != seen)
            {
                return OrderSaveResult.Conflict;
            }

            var before = order.LogText();
            var contributionBefore = order.Contribution;
            var now = UtcNow;
            bool becamePaid;
            try
            {
                becamePaid = change(order, now);
            }
            catch (DomainException ex)
            {
                return new OrderSaveResult(SaveStatus.Invalid, ErrorCode: ex.Code, ErrorMessage: ex.Message);
            }

            var after = order.LogText();
            if (after == before && order.Contribution == contributionBefore)
            {
                return new OrderSaveResult(SaveStatus.Saved, (await ViewsAsync(db, [order], ct))[0]);
            }

            try
            {
                await using var tx = await db.Database.BeginTransactionAsync(ct);
                db.ChangeLog.Add(new Domain.Comments.ChangeLogEntry(order.CustomerId, user.UserId, now, new FieldChange(LogField, before, after), origin));
                if (becamePaid)
                {
                    Automation.AutomationOutbox.Add(db, AutomationTrigger.OrderPaid, order.CustomerId, order.Id, user.UserId, now);
                }

                // The UPDATE carries "WHERE Version = read": a concurrent write makes it affect no row.
                await db.SaveChangesAsync(ct);
                await MoveCustomerAsync(db, order.CustomerId, order.Contribution - contributionBefore, null, ct);
                await tx.CommitAsync(ct);
            }
            catch (DbUpdateConcurrencyException) when (retryOnConflict && attempt < PaymentAttempts)
            {
                // Someone else wrote the order first: apply this payment again on what it holds now.
                await Task.Delay(Random.Shared.Next(1, 5 * Math.Min(attempt, 10)), ct);
                continue;
            }
            catch (DbUpdateConcurrencyException)
            {
                return OrderSaveResult.Conflict;
            }

            Publish(order.CustomerId, order.Id, OrderChangeKinds.Updated, user.UserId);
            if (becamePaid)
            {
                Publish(order.CustomerId, order.Id, OrderChangeKinds.Paid, user.UserId, customerAlso: false);
            }

            return new OrderSaveResult(SaveStatus.Saved, (await ViewsAsync(db, [order], ct))[0]);
        }
    }

    /// <summary>Orders of live customers the user may see.</summary>
    private static IQueryable<Order> Visible(CrmDbContext db, UserAccess user)
    {
        var customers = CustomerScope.Visible(db, user).Select(c => c.Id);
        return db.Orders.Where(o => customers.Contains(o.CustomerId));
    }

    /// <summary>
    /// Moves the customer's value (R4.4) by <paramref name="delta"/> and, for a new order, its last contact (R4.2) — in SQL,
    /// never by reading the customer and writing it back: two payments committed at the same moment both count.
    /// </summary>
    private static async Task MoveCustomerAsync(CrmDbContext db, int customerId, decimal delta, DateTime? contactAt, CancellationToken ct)
    {
        var customer = db.Customers.Where(c => c.Id == customerId);
        if (contactAt is DateTime at)
        {
            await customer.ExecuteUpdateAsync(s => s
                .SetProperty(c => c.TotalPaid, c => c.TotalPaid + delta)
                .SetProperty(c => c.LastContactAt, c => c.LastContactAt == null || c.LastContactAt < at ? at : c.LastContactAt), ct);
        }
        else if (delta != 0)
        {
            await customer.ExecuteUpdateAsync(s => s.SetProperty(c => c.TotalPaid, c => c.TotalPaid + delta), ct);
        }
    }

    private void Publish(int customerId, long orderId, string kind, string userId, bool customerAlso = true)
    {
        live?.Publish(new OrderChanged(customerId, orderId, kind, userId));
        if (customerAlso)
        {
            // The header (value, last contact), the grid's value column and the stream's new log line.
            live?.Publish(new CustomerChanged(customerId, ChangeKinds.Updated, userId, CustomerChange.Details | CustomerChange.Activity));
        }
    }

    private static DateOnly Today(UserAccess user, DateTime utcNow) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(utcNow, UserTime.Zone(user.TimeZone)));

    private static async Task<List<OrderView>> ViewsAsync(CrmDbContext db, List<Order> orders, CancellationToken ct)
    {
        var userIds = orders.Select(o => o.CreatedById).OfType<string>().Distinct().ToList();
        var names = userIds.Count == 0 ? [] : await db.StaffProfiles.AsNoTracking().Where(p => userIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.FullName, ct);
        return orders.Select(o => new OrderView(o.Id, o.CustomerId, o.Number ?? Order.NumberOf(o.Id), o.OrderDate, o.Status, o.Total, o.AmountPaid, o.Note,
            o.Lines.ToList(), o.Version, o.CreatedAt, o.CreatedById, o.CreatedById is null ? null : names.GetValueOrDefault(o.CreatedById), o.PaidAt)).ToList();
    }
}
