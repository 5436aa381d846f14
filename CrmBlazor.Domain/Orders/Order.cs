using System.Globalization;
using CrmBlazor.Domain.Common;

namespace CrmBlazor.Domain.Orders;

/// <summary>Where an order stands. Only money actually received counts towards the customer's value (R4.4).</summary>
public enum OrderStatus
{
    Draft = 0,
    Confirmed = 1,
    Paid = 2,
    Cancelled = 3,
}

/// <summary>Stable codes of the order rules (the UI localises them).</summary>
public static class OrderRuleCodes
{
    public const string TotalInvalid = "order.total-invalid";
    public const string LineInvalid = "order.line-invalid";
    public const string PaymentInvalid = "order.payment-invalid";
    public const string Overpaid = "order.overpaid";
    public const string Cancelled = "order.cancelled";
    public const string StatusInvalid = "order.status-invalid";
}

/// <summary>One line of an order: a product name, how many, the unit price and a discount (an amount in VND off the line).</summary>
public sealed record OrderLine(string ProductName, decimal Quantity, decimal UnitPrice, decimal Discount)
{
    public decimal Amount => (Quantity * UnitPrice) - Discount;
}

/// <summary>
/// An order of a customer (đơn hàng, R4.2, R4.4): a generated number, a date, lines or a plain total, a status and the amount
/// paid. It guards its money: no negative amounts, never more paid than the total, a cancelled order takes no payment.
/// Creating one is a contact event (R4.2); what it contributes to the customer's value is <see cref="Contribution"/>.
/// </summary>
public sealed class Order
{
    public const string NumberPrefix = "DH";
    /// <summary>VND amounts above this are refused (a typo of a few extra zeros, or an overflow of the sums).</summary>
    public const decimal MaxAmount = 1_000_000_000_000m;
    public const int MaxLines = 200;
    public const int MaxNoteLength = 2000;
    public const int MaxProductNameLength = 200;

    private List<OrderLine> _lines = [];

    private Order()
    {
    }

    public long Id { get; private set; }
    public int CustomerId { get; private set; }
    /// <summary>"DH000042"; null only between insert and <see cref="AssignNumber"/>.</summary>
    public string? Number { get; private set; }
    public DateOnly OrderDate { get; private set; }
    public OrderStatus Status { get; private set; }
    public decimal Total { get; private set; }
    public decimal AmountPaid { get; private set; }
    public string? Note { get; private set; }
    public IReadOnlyList<OrderLine> Lines => _lines;
    public int Version { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public string? CreatedById { get; private set; }
    public DateTime UpdatedAt { get; private set; }
    public string? UpdatedById { get; private set; }
    public DateTime? PaidAt { get; private set; }

    /// <summary>What this order adds to the customer's value (R4.4): the money received, unless the order was cancelled.</summary>
    public decimal Contribution => Contributes(Status, AmountPaid);

    public static decimal Contributes(OrderStatus status, decimal amountPaid) => status == OrderStatus.Cancelled ? 0 : amountPaid;

    public bool IsPaid => Status == OrderStatus.Paid;

    /// <summary>A new order. With lines the total is their sum; without, <paramref name="plainTotal"/> is the total.</summary>
    public static Order Create(int customerId, DateOnly date, IReadOnlyList<OrderLine>? lines, decimal? plainTotal, OrderStatus status, decimal amountPaid,
        string? note, string? userId, DateTime utcNow)
    {
        var order = new Order { CustomerId = customerId, CreatedAt = utcNow, CreatedById = userId, Version = 1, Status = OrderStatus.Draft };
        order.SetContent(date, lines, plainTotal, note);
        order.UpdatedAt = utcNow;
        order.UpdatedById = userId;
        if (status == OrderStatus.Paid)
        {
            // "Paid" on creation means paid in full.
            amountPaid = order.Total;
        }

        order.Pay(amountPaid, utcNow);
        order.Status = status == OrderStatus.Cancelled ? throw new DomainException(OrderRuleCodes.StatusInvalid, "An order cannot be created cancelled.")
            : order.Status == OrderStatus.Paid ? OrderStatus.Paid : status;
        return order;
    }

    public static string NumberOf(long id) => NumberPrefix + id.ToString("D6", CultureInfo.InvariantCulture);

    public void AssignNumber()
    {
        if (Number is null && Id > 0)
        {
            Number = NumberOf(Id);
        }
    }

    /// <summary>Replaces the date, lines or total and note. A total below what was already paid is refused.</summary>
    public void Edit(DateOnly date, IReadOnlyList<OrderLine>? lines, decimal? plainTotal, string? note, string? userId, DateTime utcNow)
    {
        if (Status == OrderStatus.Cancelled)
        {
            throw new DomainException(OrderRuleCodes.Cancelled, "A cancelled order cannot be changed.");
        }

        SetContent(date, lines, plainTotal, note);
        if (AmountPaid > Total)
        {
            throw new DomainException(OrderRuleCodes.Overpaid, "The total cannot be less than what was already paid.");
        }

        // A paid order whose total grew owes the difference again; a confirmed one paid in full by a smaller total is paid.
        Status = Status == OrderStatus.Paid && AmountPaid < Total ? OrderStatus.Confirmed
            : Status != OrderStatus.Draft && Total > 0 && AmountPaid == Total ? OrderStatus.Paid
            : Status;
        Touch(userId, utcNow);
    }

    /// <summary>Receives <paramref name="amount"/>; the order becomes paid when the total is reached. True when it just became paid.</summary>
    public bool RecordPayment(decimal amount, string? userId, DateTime utcNow)
    {
        if (amount <= 0)
        {
            throw new DomainException(OrderRuleCodes.PaymentInvalid, "A payment must be more than zero.");
        }

        var wasPaid = IsPaid;
        Pay(AmountPaid + amount, utcNow);
        Touch(userId, utcNow);
        return !wasPaid && IsPaid;
    }

    /// <summary>Confirms a draft, marks the order paid in full (the rest is received), or cancels it. True when it just became paid.</summary>
    public bool ChangeStatus(OrderStatus status, string? userId, DateTime utcNow)
    {
        if (status == Status)
        {
            return false;
        }

        if (Status == OrderStatus.Cancelled)
        {
            throw new DomainException(OrderRuleCodes.Cancelled, "A cancelled order cannot be changed.");
        }

        var wasPaid = IsPaid;
        switch (status)
        {
            case OrderStatus.Paid:
                Pay(Total, utcNow);
                break;
            case OrderStatus.Cancelled:
                Status = OrderStatus.Cancelled;
                break;
            case OrderStatus.Confirmed when !IsPaid:
            case OrderStatus.Draft when AmountPaid == 0:
                Status = status;
                break;
            default:
                throw new DomainException(OrderRuleCodes.StatusInvalid, $"An order that is {Status} cannot become {status}.");
        }

        Touch(userId, utcNow);
        return !wasPaid && IsPaid;
    }

    /// <summary>How the change log shows the order: "number|status|total|paid" (the stream renders it in the reader's language).</summary>
    public string LogText() => string.Join('|', Number ?? "?", Status.ToString().ToLowerInvariant(),
        Total.ToString("0.##", CultureInfo.InvariantCulture), AmountPaid.ToString("0.##", CultureInfo.InvariantCulture));

    private void Pay(decimal amountPaid, DateTime utcNow)
    {
        if (amountPaid < 0 || amountPaid > MaxAmount)
        {
            throw new DomainException(OrderRuleCodes.PaymentInvalid, "The amount paid is not valid.");
        }

        if (amountPaid > Total)
        {
            throw new DomainException(OrderRuleCodes.Overpaid, "More than the order's total cannot be paid.");
        }

        AmountPaid = amountPaid;
        if (Total > 0 && AmountPaid == Total && Status != OrderStatus.Paid)
        {
            Status = OrderStatus.Paid;
            PaidAt = utcNow;
        }
    }

    private void SetContent(DateOnly date, IReadOnlyList<OrderLine>? lines, decimal? plainTotal, string? note)
    {
        var clean = (lines ?? []).Select(CleanLine).ToList();
        if (clean.Count > MaxLines)
        {
            throw new DomainException(OrderRuleCodes.LineInvalid, $"An order has at most {MaxLines} lines.");
        }

        var total = clean.Count > 0 ? clean.Sum(l => l.Amount) : plainTotal ?? 0;
        if (total < 0 || total > MaxAmount || decimal.Round(total, 2) != total)
        {
            throw new DomainException(OrderRuleCodes.TotalInvalid, "The total must be between 0 and 1,000,000,000,000 VND.");
        }

        var text = string.IsNullOrWhiteSpace(note) ? null : note.Trim();
        if (text is { Length: > MaxNoteLength })
        {
            throw new DomainException(RuleCodes.TooLongPrefix + "note", $"The note is longer than {MaxNoteLength} characters.");
        }

        OrderDate = date;
        _lines = clean;
        Total = total;
        Note = text;
    }

    private static OrderLine CleanLine(OrderLine line)
    {
        var name = line.ProductName?.Trim() ?? string.Empty;
        if (name.Length == 0 || name.Length > MaxProductNameLength)
        {
            throw new DomainException(OrderRuleCodes.LineInvalid, "Every line needs a product name (at most 200 characters).");
        }

        if (line.Quantity <= 0 || line.Quantity > 1_000_000 || line.UnitPrice < 0 || line.UnitPrice > MaxAmount || line.Discount < 0
            || line.Discount > line.Quantity * line.UnitPrice)
        {
            throw new DomainException(OrderRuleCodes.LineInvalid, $"Line '{name}': the quantity must be positive, the price and discount not negative, the discount not above the line.");
        }

        return line with { ProductName = name };
    }

    private void Touch(string? userId, DateTime utcNow)
    {
        Version++;
        UpdatedAt = utcNow;
        UpdatedById = userId;
    }
}
