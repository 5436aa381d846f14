using System.Globalization;
using CrmBlazor.Data;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Orders;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Customers;
using CrmBlazor.Localization;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Reports;

/// <summary>Which preset period the reports show; <see cref="Custom"/> takes the user's own dates.</summary>
public enum ReportPeriodKind
{
    ThisMonth,
    LastMonth,
    ThisQuarter,
    Custom,
}

/// <summary>Days <paramref name="From"/> to <paramref name="To"/>, both included, in the reader's time zone.</summary>
public sealed record ReportPeriod(DateOnly From, DateOnly To)
{
    /// <summary>The preset <paramref name="kind"/> around <paramref name="today"/> (the reader's local date).</summary>
    public static ReportPeriod Of(ReportPeriodKind kind, DateOnly today, DateOnly? from = null, DateOnly? to = null)
    {
        var month = new DateOnly(today.Year, today.Month, 1);
        switch (kind)
        {
            case ReportPeriodKind.LastMonth:
                var last = month.AddMonths(-1);
                return new(last, month.AddDays(-1));
            case ReportPeriodKind.ThisQuarter:
                var quarter = new DateOnly(today.Year, ((today.Month - 1) / 3 * 3) + 1, 1);
                return new(quarter, quarter.AddMonths(3).AddDays(-1));
            case ReportPeriodKind.Custom when from is DateOnly f && to is DateOnly t:
                return f <= t ? new(f, t) : new(t, f);
            default:
                return new(month, month.AddMonths(1).AddDays(-1));
        }
    }
}

/// <summary>What the reports cover: a period, and optionally one department (with the departments below it) or one owner.</summary>
public sealed record ReportFilter(ReportPeriod Period, int? DepartmentId = null, string? OwnerId = null);

public sealed record SourceCount(int? SourceId, string Source, int Count);

public sealed record OwnerCount(string? OwnerId, string Owner, int Count);

public sealed record KindCount(string Kind, int Count);

/// <summary>Orders dated in the period of the customers of one source, and the money they brought in (R8.1, R4.4).</summary>
public sealed record SourceRevenue(int? SourceId, string Source, int Orders, decimal Revenue);

/// <summary>New customers of the period from one source, and how many of them paid for an order by the period's end (R8.1).</summary>
public sealed record SourceConversion(int? SourceId, string Source, int NewCustomers, int Paying, double Percent);

/// <summary>Paying customers who bought once (<see cref="ReportService.BoughtOnce"/>) or again (<see cref="ReportService.BoughtAgain"/>).</summary>
public sealed record BuyerCount(string Kind, int Customers, double Percent);

public sealed record RelationshipShare(int RelationshipId, string Relationship, string Color, int Count, double Percent);

/// <summary>One stage: customers that entered it in the period, and the median whole days of the stays in it that ended then.</summary>
public sealed record StageMovement(int RelationshipId, string Relationship, string Color, int Entered, int StaysEnded, double? MedianDays);

/// <summary>Every figure of the reports page for one reader and filter (R8).</summary>
public sealed record ReportData(
    ReportFilter Filter,
    IReadOnlyList<SourceCount> NewBySource,
    IReadOnlyList<KindCount> InteractionsByKind,
    IReadOnlyList<OwnerCount> InteractionsByOwner,
    IReadOnlyList<RelationshipShare> Distribution,
    IReadOnlyList<StageMovement> Pipeline,
    IReadOnlyList<OwnerCount> DontForgetByOwner,
    int DontForgetDays,
    IReadOnlyList<SourceRevenue> RevenueBySource,
    IReadOnlyList<SourceConversion> ConversionBySource,
    IReadOnlyList<BuyerCount> Buyers);

/// <summary>Who may be chosen to narrow the reports: departments and owners within the reader's own visibility.</summary>
public sealed record ReportChoices(IReadOnlyList<Choice<int>> Departments, IReadOnlyList<Choice<string>> Owners);

/// <summary>
/// The customer KPIs of R8 (seed 002): every figure counts only customers the reader may see (R7.3, through
/// <see cref="CustomerScope"/>), narrowed by department or owner, for a period in the reader's time zone. Needs the
/// "view KPI" right, read fresh from the database on every call (R7.4).
/// <para>
/// A paying order is one that brought money in and still counts towards the customer's value (R4.4,
/// <see cref="Order.Contribution"/>): not cancelled, with something paid. A deposit on an order counts — the customer has
/// bought; a draft or a confirmed order with nothing received does not yet. "Conversion" and "bought once / again" use
/// this one definition, through the rank each paying order keeps among its customer's (<see cref="PayingOrders"/>): a
/// customer has paid by a day when its first paying order is dated by then (<see cref="Customer.FirstPaidOn"/>), and
/// bought again when its second is.
/// </para>
/// </summary>
public sealed class ReportService(IDbContextFactory<CrmDbContext> dbFactory, TimeProvider clock, CustomerOptions options)
{
    /// <summary>The kinds of interaction R4.3 names that exist here. Comments are the only one so far.</summary>
    public const string CommentsKind = "comments";

    /// <summary>Customers with exactly one paying order (see <see cref="PayingRank"/>) dated by the end of the period.</summary>
    public const string BoughtOnce = "once";

    /// <summary>Customers with two or more paying orders dated by the end of the period.</summary>
    public const string BoughtAgain = "again";


    public async Task<ReportData> LoadAsync(UserAccess reader, ReportFilter filter, CancellationToken ct = default)
    {
        var user = await RequireAsync(reader, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var zone = UserTime.Zone(user.TimeZone);
        var start = TimeZoneInfo.ConvertTimeToUtc(filter.Period.From.ToDateTime(TimeOnly.MinValue), zone);
        var end = TimeZoneInfo.ConvertTimeToUtc(filter.Period.To.AddDays(1).ToDateTime(TimeOnly.MinValue), zone);
        var customers = Narrow(db, CustomerScope.Visible(db, user), filter);
        // The same customers in disjoint OR-free parts, for the figures that group all of them: each part is read through
        // its own index, where the scope's OR made SQLite read every customer.
        var parts = CustomerScope.VisibleParts(db, user).Select(p => Narrow(db, p, filter)).ToList();
        var everyone = user.Has(Rights.CustomersAccess) && CustomerScope.LevelOf(user.Rights) == VisibilityLevel.All
            && filter.DepartmentId is null && string.IsNullOrEmpty(filter.OwnerId);
        // Rows attached to customers (every one has its customer) of a reader who sees every live customer, not narrowed, are
        // theirs unless the customer is in the trash: found through the small trash index instead of a list of every live one.
        var trashed = db.Customers.Where(c => c.IsDeleted).Select(c => c.Id);

        var owners = await db.StaffProfiles.AsNoTracking().Select(p => new { p.Id, p.FullName }).ToDictionaryAsync(p => p.Id, p => p.FullName, ct);
        var sources = await db.Sources.AsNoTracking().Select(s => new { s.Id, s.Name }).ToDictionaryAsync(s => s.Id, s => s.Name, ct);
        var stages = await db.Relationships.AsNoTracking().OrderBy(r => r.Position).Select(r => new { r.Id, r.Name, r.Color, r.IsDeleted }).ToListAsync(ct);

        // R8.1 new customers per source, and their conversion in the same statement: how many of them have a paying order
        // dated by the period's end. Not "up to now": last quarter's conversion then stays what it was, and a period just
        // ended is not compared with one that had months more to convert. The same pass gives the stage each of them entered
        // when created (pipeline movement, below). Both are kept on the customer (its first paying order's date, its entry
        // stage), so the period's new customers are one range of the creation index with nothing looked up per customer.
        var lastDay = filter.Period.To;
        var created = await customers.Where(c => c.CreatedAt >= start && c.CreatedAt < end)
            .GroupBy(c => new { c.SourceId, Paid = c.FirstPaidOn <= lastDay, c.EntryRelationshipId })
            .Select(g => new { g.Key.SourceId, g.Key.Paid, Stage = g.Key.EntryRelationshipId, Count = g.Count() })
            .ToListAsync(ct);
        string SourceName(int? id) => id is int s && sources.TryGetValue(s, out var n) ? n : string.Empty;
        var bySource = created.GroupBy(x => x.SourceId)
            .Select(g => (SourceId: g.Key, Count: g.Sum(x => x.Count), Paying: g.Where(x => x.Paid).Sum(x => x.Count))).ToList();
        var newBySource = bySource.Select(x => new SourceCount(x.SourceId, SourceName(x.SourceId), x.Count))
            .OrderByDescending(x => x.Count).ThenBy(x => x.Source, StringComparer.CurrentCulture).ToList();
        var conversion = bySource.Select(x => new SourceConversion(x.SourceId, SourceName(x.SourceId), x.Count, x.Paying, Percent(x.Paying, x.Count)))
            .OrderByDescending(x => x.NewCustomers).ThenBy(x => x.Source, StringComparer.CurrentCulture).ToList();

        // The figures kept as tallies (ReportTallies) read them for the owners whose customers the reader sees, and read the
        // rows only for the few visible customers of other owners (related, or unassigned and created by the reader) and for
        // the parts of hours at the period's ends (a time zone off UTC by a part of an hour). Without tallies (SQL Server)
        // every row is read, as the same queries over all the visible customers.
        var (tallied, rest) = await SplitAsync(db, user, filter, customers, parts, ct);
        var tallies = db.ReportTallies.AsNoTracking();
        if (tallied is not null)
        {
            tallies = tallies.Where(t => tallied.Contains(t.OwnerId));
        }

        // R8.1 orders and revenue per source: orders dated in the period (an order's date is already a day of the person
        // who entered it, so the period's days compare with it as they are), cancelled ones aside. Revenue is what they
        // brought in — the money the customers' value counts (R4.4), not the totals still owed.
        var sold = new Dictionary<int, (int Orders, decimal Revenue)>();
        void AddSold(int? source, int orders, decimal revenue)
        {
            var (n, r) = sold.GetValueOrDefault(source ?? 0);
            sold[source ?? 0] = (n + orders, r + revenue);
        }

        if (tallied is not { Count: 0 })
        {
            var (from, to) = (Day(filter.Period.From), Day(filter.Period.To));
            foreach (var x in await tallies.Where(t => t.Kind == ReportTallies.Orders && t.At >= from && t.At <= to)
                         .GroupBy(t => t.Key).Select(g => new { g.Key, Orders = g.Sum(t => t.Count), Cents = g.Sum(t => t.Cents) }).ToListAsync(ct))
            {
                AddSold(x.Key, x.Orders, x.Cents / 100m);
            }
        }

        if (rest is not null)
        {
            foreach (var x in await db.Orders.Where(o => o.Status != OrderStatus.Cancelled && o.OrderDate >= filter.Period.From && o.OrderDate <= lastDay)
                         .Join(rest, o => o.CustomerId, c => c.Id, (o, c) => new { c.SourceId, o.AmountPaid })
                         .GroupBy(x => x.SourceId).Select(g => new { SourceId = g.Key, Orders = g.Count(), Revenue = g.Sum(x => x.AmountPaid) }).ToListAsync(ct))
            {
                AddSold(x.SourceId, x.Orders, x.Revenue);
            }
        }

        var revenueBySource = sold.Where(x => x.Value.Orders > 0).Select(x => (SourceId: x.Key == 0 ? (int?)null : x.Key, x.Value.Orders, x.Value.Revenue))
            .Select(x => new SourceRevenue(x.SourceId, SourceName(x.SourceId), x.Orders, x.Revenue))
            .OrderByDescending(x => x.Revenue).ThenByDescending(x => x.Orders).ThenBy(x => x.Source, StringComparer.CurrentCulture).ToList();

        // Bought once or again: the customers with a paying order dated by the period's end, by how many such orders they have.
        // Their whole history up to then, not only the period's buyers: a manager reads it as "of everyone who has bought from
        // us, how many came back", and a month's buyers split into first-time and repeat would call a first purchase and
        // its re-order in the same month both "new".
        // Counted as the first and second paying orders dated by then, one of each per customer.
        var perRank = new Dictionary<int, int>();
        if (tallied is not { Count: 0 })
        {
            var to = Day(lastDay);
            foreach (var x in await tallies.Where(t => t.Kind == ReportTallies.PayingRanks && t.At <= to)
                         .GroupBy(t => t.Key).Select(g => new { Rank = g.Key, Count = g.Sum(t => t.Count) }).ToListAsync(ct))
            {
                perRank[x.Rank] = perRank.GetValueOrDefault(x.Rank) + x.Count;
            }
        }

        if (rest is not null)
        {
            var firstAndSecond = db.Orders.Where(o => (EF.Property<int?>(o, PayingOrders.Column) == 1 || EF.Property<int?>(o, PayingOrders.Column) == 2)
                && o.OrderDate <= lastDay);
            var restIds = rest.Select(c => c.Id);
            foreach (var x in await (everyone && rest == customers ? firstAndSecond.Where(o => !trashed.Contains(o.CustomerId)) : firstAndSecond.Where(o => restIds.Contains(o.CustomerId)))
                         .GroupBy(o => EF.Property<int?>(o, PayingOrders.Column)).Select(g => new { Rank = g.Key, Count = g.Count() }).ToListAsync(ct))
            {
                perRank[x.Rank ?? 0] = perRank.GetValueOrDefault(x.Rank ?? 0) + x.Count;
            }
        }

        var again = perRank.GetValueOrDefault(2);
        var once = perRank.GetValueOrDefault(1) - again;
        var buyers = new List<BuyerCount>
        {
            new(BoughtOnce, once, Percent(once, once + again)),
            new(BoughtAgain, again, Percent(again, once + again)),
        };

        // R8.1 interactions (R4.3): comments posted in the period on the customers, per kind and per the customer's owner.
        // Tallies are kept per hour (UTC): the whole hours of the period come from them.
        var (hourFrom, hourTo) = (Truncate(start, TimeSpan.FromHours(1), up: true), Truncate(end, TimeSpan.FromHours(1), up: false));
        if (tallied is { Count: 0 } || hourFrom >= hourTo)
        {
            (hourFrom, hourTo) = tallied is { Count: 0 } ? (start, end) : (end, end);
        }

        var byOwner = new Dictionary<string, int>(StringComparer.Ordinal);
        void AddComments(IEnumerable<(string? OwnerId, int Count)> counts)
        {
            foreach (var (owner, count) in counts)
            {
                byOwner[owner ?? string.Empty] = byOwner.GetValueOrDefault(owner ?? string.Empty) + count;
            }
        }

        async Task CommentsAsync(IQueryable<Customer> on, DateTime from, DateTime to)
        {
            if (from < to)
            {
                AddComments((await db.Comments.Where(m => !m.IsDeleted && m.CreatedAt >= from && m.CreatedAt < to)
                    .Join(on, m => m.CustomerId, c => c.Id, (m, c) => c.OwnerId)
                    .GroupBy(o => o).Select(g => new { OwnerId = g.Key, Count = g.Count() }).ToListAsync(ct)).Select(x => (x.OwnerId, x.Count)));
            }
        }

        if (tallied is not { Count: 0 } && hourFrom < hourTo)
        {
            AddComments((await tallies.Where(t => t.Kind == ReportTallies.Comments && t.At >= hourFrom && t.At < hourTo)
                .GroupBy(t => t.OwnerId).Select(g => new { OwnerId = g.Key, Count = g.Sum(t => t.Count) }).ToListAsync(ct)).Select(x => ((string?)x.OwnerId, x.Count)));
        }

        if (rest is not null)
        {
            await CommentsAsync(rest, hourFrom, hourTo);
        }

        await CommentsAsync(customers, start, hourFrom);
        await CommentsAsync(customers, hourTo, end);
        var interactionsByOwner = byOwner.Where(x => x.Value > 0).Select(x => (OwnerId: x.Key.Length == 0 ? null : x.Key, x.Value))
            .Select(x => new OwnerCount(x.OwnerId, OwnerName(owners, x.OwnerId), x.Value))
            .OrderByDescending(x => x.Count).ThenBy(x => x.Owner, StringComparer.CurrentCulture).ToList();
        var interactionsByKind = new List<KindCount> { new(CommentsKind, interactionsByOwner.Sum(x => x.Count)) };

        // R8.2 distribution over relationships, every stage shown (an empty one too: a manager reads the zero).
        var perStage = new Dictionary<int, int>();
        foreach (var part in parts)
        {
            foreach (var x in await part.GroupBy(c => c.RelationshipId).Select(g => new { Id = g.Key, Count = g.Count() }).ToListAsync(ct))
            {
                perStage[x.Id] = perStage.GetValueOrDefault(x.Id) + x.Count;
            }
        }

        var total = perStage.Values.Sum();
        var distribution = stages.Where(s => !s.IsDeleted || perStage.ContainsKey(s.Id))
            .Select(s => new RelationshipShare(s.Id, s.Name, s.Color, perStage.GetValueOrDefault(s.Id), Percent(perStage.GetValueOrDefault(s.Id), total)))
            .ToList();

        // Pipeline movement from the change log: entries into each stage, and the stays that ended, each counted in whole days
        // between its start (kept on each change by StageStays) and its end (ReportTallies.StayDays). Tallied per day and month
        // of UTC+7 (ReportTallies.Offset): the period's whole months and days come from the tallies, a median from their
        // histogram; the rows are read for the rest of the visible customers and for the parts of days at the period's ends.
        var entered = new Dictionary<int, int>();
        var stays = new Dictionary<int, SortedDictionary<int, int>>();
        void Stay(int stage, int days, int count)
        {
            var histogram = stays.TryGetValue(stage, out var h) ? h : stays[stage] = [];
            histogram[days] = histogram.GetValueOrDefault(days) + count;
        }

        var offset = ReportTallies.Offset;
        var dayFrom = Truncate(start + offset, TimeSpan.FromDays(1), up: true);
        var dayTo = Truncate(end + offset, TimeSpan.FromDays(1), up: false);
        var (windowFrom, windowTo) = tallied is { Count: 0 } ? (start, end) : dayFrom < dayTo ? (dayFrom - offset, dayTo - offset) : (end, end);
        if (tallied is not { Count: 0 } && dayFrom < dayTo)
        {
            var monthFrom = dayFrom.Day == 1 ? dayFrom : new DateTime(dayFrom.Year, dayFrom.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(1);
            var monthTo = new DateTime(dayTo.Year, dayTo.Month, 1, 0, 0, 0, DateTimeKind.Utc);
            if (monthFrom >= monthTo)
            {
                (monthFrom, monthTo) = (dayTo, dayTo);
            }

            foreach (var x in await tallies.Where(t => t.Kind == ReportTallies.StageEntries && t.At >= dayFrom && t.At < dayTo)
                         .GroupBy(t => t.Key).Select(g => new { Stage = g.Key, Count = g.Sum(t => t.Count) }).ToListAsync(ct))
            {
                entered[x.Stage] = entered.GetValueOrDefault(x.Stage) + x.Count;
            }

            var ended = tallies.Where(t => (t.Kind == ReportTallies.StaysByMonth && t.At >= monthFrom && t.At < monthTo)
                || (t.Kind == ReportTallies.StaysByDay && ((t.At >= dayFrom && t.At < monthFrom) || (t.At >= monthTo && t.At < dayTo))));
            foreach (var x in await ended.GroupBy(t => new { t.Key, t.Days }).Select(g => new { g.Key.Key, g.Key.Days, Count = g.Sum(t => t.Count) }).ToListAsync(ct))
            {
                Stay(x.Key, x.Days, x.Count);
            }
        }

        async Task MovesAsync(IQueryable<Customer> on, DateTime from, DateTime to)
        {
            if (from >= to)
            {
                return;
            }

            var periodMoves = db.ChangeLog.Where(e => e.Field == StageStays.Field && e.At >= from && e.At < to);
            var rows = everyone && on == customers
                ? periodMoves.Where(e => !trashed.Contains(e.CustomerId)).Select(e => new { e.OldValue, e.NewValue, e.At, e.StageSince })
                : periodMoves.Join(on, e => e.CustomerId, c => c.Id, (e, c) => new { e.OldValue, e.NewValue, e.At, e.StageSince });
            foreach (var m in await rows.ToListAsync(ct))
            {
                if (ReportTallies.StageKey(m.NewValue) is int entry)
                {
                    entered[entry] = entered.GetValueOrDefault(entry) + 1;
                }

                if (ReportTallies.StageKey(m.OldValue) is int left && m.StageSince is DateTime since)
                {
                    Stay(left, ReportTallies.StayDays(m.At, since), 1);
                }
            }
        }

        if (rest is not null)
        {
            await MovesAsync(rest, windowFrom, windowTo);
        }

        await MovesAsync(customers, start, windowFrom);
        await MovesAsync(customers, windowTo, end);

        // A customer created in the period entered its first stage then (read with the new customers, above).
        foreach (var x in created)
        {
            entered[x.Stage] = entered.GetValueOrDefault(x.Stage) + x.Count;
        }

        var pipeline = stages.Select(s =>
            {
                var histogram = stays.GetValueOrDefault(s.Id);
                var count = histogram?.Values.Sum() ?? 0;
                return new StageMovement(s.Id, s.Name, s.Color, entered.GetValueOrDefault(s.Id), count, count > 0 ? Median(histogram!) : null);
            })
            .Where(s => s.Entered > 0 || s.StaysEnded > 0 || !stages.First(x => x.Id == s.RelationshipId).IsDeleted)
            .ToList();

        // "Don't forget" backlog per owner (R5.1), as of now: it is a backlog, not a figure of the period.
        var cutoff = clock.GetUtcNow().UtcDateTime.AddDays(-options.DontForgetDays);
        var backlog = new List<(string? OwnerId, int Count)>();
        foreach (var part in parts)
        {
            backlog.AddRange((await CustomerService.DontForgetBefore(part, cutoff)
                .GroupBy(c => c.OwnerId).Select(g => new { OwnerId = g.Key, Count = g.Count() }).ToListAsync(ct)).Select(x => (x.OwnerId, x.Count)));
        }

        var dontForget = backlog.GroupBy(x => x.OwnerId).Select(g => (OwnerId: g.Key, Count: g.Sum(x => x.Count))).Select(x => new OwnerCount(x.OwnerId, OwnerName(owners, x.OwnerId), x.Count))
            .OrderByDescending(x => x.Count).ThenBy(x => x.Owner, StringComparer.CurrentCulture).ToList();

        return new ReportData(filter, newBySource, interactionsByKind, interactionsByOwner, distribution, pipeline, dontForget, options.DontForgetDays,
            revenueBySource, conversion, buyers);
    }

    /// <summary>The departments and owners the reader may narrow to: all for "view all", their own subtree for
    /// "sub-department", only themselves otherwise.</summary>
    public async Task<ReportChoices> ChoicesAsync(UserAccess reader, CancellationToken ct = default)
    {
        var user = await RequireAsync(reader, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var level = CustomerScope.LevelOf(user.Rights);
        var departments = db.Departments.AsNoTracking();
        var staff = db.StaffProfiles.AsNoTracking();
        if (level == VisibilityLevel.SubDepartment)
        {
            var prefix = user.DepartmentPath;
            departments = departments.Where(d => d.Path.StartsWith(prefix));
            staff = staff.Where(p => p.Department!.Path.StartsWith(prefix));
        }
        else if (level == VisibilityLevel.Own)
        {
            departments = departments.Where(_ => false);
            staff = staff.Where(p => p.Id == user.UserId);
        }

        var d = await departments.OrderBy(x => x.Path).Select(x => new Choice<int>(x.Id, x.Name)).ToListAsync(ct);
        var o = await staff.OrderBy(x => x.FullName).Select(x => new Choice<string>(x.Id, x.FullName)).ToListAsync(ct);
        return new ReportChoices(d, o);
    }

    /// <summary>
    /// Splits the reader's visible customers (narrowed) into those counted by the tallies — the live customers of the owners
    /// returned, or of every owner and none when null — and the rest, read row by row (null when none). Follows
    /// <see cref="CustomerScope.VisibleParts"/>: its first part is the customers of a set of owners (all for "view all", the
    /// team's for "sub-department", the reader for "own"), its second the few related or unassigned ones of other owners.
    /// Without tallies: no owner, and every visible customer in the rest.
    /// </summary>
    private static async Task<(HashSet<string>? Owners, IQueryable<Customer>? Others)> SplitAsync(CrmDbContext db, UserAccess user, ReportFilter filter,
        IQueryable<Customer> customers, IReadOnlyList<IQueryable<Customer>> parts, CancellationToken ct)
    {
        if (!ReportTallies.Kept(db) || parts.Count == 0)
        {
            return ([], customers);
        }

        var owners = await CustomerScope.FirstPartOwnersAsync(db, user, ct);
        if (filter.DepartmentId is int departmentId)
        {
            var inDepartment = await CustomerScope.OwnersInDepartment(db, departmentId).ToListAsync(ct);
            owners = owners is null ? inDepartment.ToHashSet(StringComparer.Ordinal) : owners.Intersect(inDepartment, StringComparer.Ordinal).ToHashSet(StringComparer.Ordinal);
        }

        if (!string.IsNullOrEmpty(filter.OwnerId))
        {
            owners = owners is null || owners.Contains(filter.OwnerId) ? new HashSet<string>(StringComparer.Ordinal) { filter.OwnerId } : [];
        }

        return (owners, parts.Count > 1 ? parts[1] : null);
    }

    /// <summary>The start of the <paramref name="unit"/> (an hour, a day) <paramref name="time"/> falls in, or of the next one
    /// when <paramref name="up"/> and it is not a start.</summary>
    private static DateTime Truncate(DateTime time, TimeSpan unit, bool up)
    {
        var start = new DateTime(time.Ticks - (time.Ticks % unit.Ticks), DateTimeKind.Utc);
        return up && start < time ? start + unit : start;
    }

    /// <summary>The median of the values of a histogram (value → how many), one decimal, as <see cref="Median(List{double})"/>.</summary>
    internal static double Median(SortedDictionary<int, int> histogram)
    {
        var count = histogram.Values.Sum();
        double? lower = null;
        var seen = 0;
        foreach (var (value, n) in histogram)
        {
            // Positions (0-based) of the middle: count / 2 for an odd count; count / 2 - 1 and count / 2 for an even one.
            if (count % 2 == 0 && lower is null && seen + n > (count / 2) - 1)
            {
                lower = value;
            }

            if (seen + n > count / 2)
            {
                return Math.Round(count % 2 == 1 ? value : (lower!.Value + value) / 2, 1);
            }

            seen += n;
        }

        throw new ArgumentException("An empty histogram has no median.", nameof(histogram));
    }

    /// <summary>A day as the tallies keep it: its midnight, UTC.</summary>
    private static DateTime Day(DateOnly day) => day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);

    /// <summary>Narrows the reader's visible customers to one department's subtree or one owner (never widens them).</summary>
    private static IQueryable<Customer> Narrow(CrmDbContext db, IQueryable<Customer> customers, ReportFilter filter)
    {
        if (filter.DepartmentId is int departmentId)
        {
            customers = CustomerScope.OwnedInDepartment(customers, db, departmentId);
        }

        if (!string.IsNullOrEmpty(filter.OwnerId))
        {
            var owner = filter.OwnerId;
            customers = customers.Where(c => c.OwnerId == owner);
        }

        return customers;
    }

    private async Task<UserAccess> RequireAsync(UserAccess reader, CancellationToken ct)
    {
        var fresh = await CurrentUser.LoadAsync(dbFactory, reader.UserId, ct);
        if (fresh is null || !fresh.Has(Rights.ViewKpi))
        {
            throw new AccessDeniedException("The \"view KPI\" right is needed to see reports.");
        }

        return fresh;
    }

    private static string OwnerName(Dictionary<string, string> owners, string? id) =>
        id is not null && owners.TryGetValue(id, out var name) ? name : string.Empty;

    /// <summary>Share of <paramref name="part"/> in <paramref name="whole"/> in percent, one decimal; 0 of nothing.</summary>
    internal static double Percent(int part, int whole) => whole == 0 ? 0 : Math.Round(100.0 * part / whole, 1);

    internal static double Median(List<double> values)
    {
        values.Sort();
        var mid = values.Count / 2;
        var median = values.Count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
        return Math.Round(median, 1);
    }
}

public static class ReportsFeature
{
    public static IServiceCollection AddReportsFeature(this IServiceCollection services)
    {
        services.AddScoped<ReportService>();
        return services;
    }
}
