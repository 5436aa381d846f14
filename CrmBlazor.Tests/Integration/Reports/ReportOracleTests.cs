using System.Globalization;
using CrmBlazor.Data;
using CrmBlazor.Domain.Comments;
using CrmBlazor.Domain.Common;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Orders;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Domain.Relationships;
using CrmBlazor.Features.Customers;
using CrmBlazor.Features.Reports;
using CrmBlazor.Localization;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Tests.Integration.Reports;

/// <summary>
/// R8 (#24): every figure of the reports equals an oracle computed in plain C# from the raw rows of a random company —
/// customers, comments, stage changes and orders (every status, partly paid, cancelled after a payment) across four months,
/// related users, trashed customers — for readers of every
/// visibility (R7.3) in two time zones (one whose days start inside an hour of UTC), narrowed by department and by owner,
/// over several periods. On SQLite and PostgreSQL.
/// </summary>
public class ReportOracleTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 3, 0, 0, TimeSpan.Zero);
    private readonly Random _random = new(2024);
    private readonly TestClock _clock = new(Now);
    private readonly Dictionary<int, int?> _parentOf = [];
    private readonly Dictionary<string, (int Department, Rights Rights)> _users = [];
    private readonly Dictionary<string, string> _zones = [];
    private readonly List<Row> _customers = [];
    private readonly HashSet<(int Customer, string User)> _related = [];
    private readonly List<(int Customer, DateTime At, bool Deleted)> _comments = [];
    private readonly List<(long Id, int Customer, DateTime At, string Old, string New)> _moves = [];
    private readonly List<(int Customer, DateOnly Date, OrderStatus Status, decimal Paid)> _orders = [];
    private List<int> _stages = [];
    private TestDatabase _db = null!;

    private sealed record Row(int Id, string? Owner, string? Creator, bool Deleted, int? Source, int Stage, DateTime Created, DateTime? LastContact);

    protected virtual bool Postgres => false;

    public async Task InitializeAsync()
    {
        _db = Postgres ? await TestDatabase.CreatePostgresAsync() : await TestDatabase.CreateAsync();
        await SeedAsync();
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task Every_figure_equals_the_oracle_for_every_scope_narrowing_and_period()
    {
        var service = new ReportService(_db.Factory, _clock, new CustomerOptions { DontForgetDays = 30 });
        var customers = new CustomerService(_db.Factory, _clock);
        var today = DateOnly.FromDateTime(UserTime.ToLocal(Now.UtcDateTime));
        var periods = new[]
        {
            ReportPeriod.Of(ReportPeriodKind.ThisMonth, today),
            ReportPeriod.Of(ReportPeriodKind.LastMonth, today),
            ReportPeriod.Of(ReportPeriodKind.ThisQuarter, today),
            ReportPeriod.Of(ReportPeriodKind.Custom, today, new DateOnly(2026, 8, 15), new DateOnly(2026, 10, 3)),
        };
        // Two readers of each visibility level.
        var readers = _users.Where(u => u.Value.Rights.HasFlag(Rights.ViewKpi)).GroupBy(u => CustomerScope.LevelOf(u.Value.Rights))
            .SelectMany(g => g.Take(2)).Select(u => u.Key).ToList();
        Assert.Contains(readers, r => CustomerScope.LevelOf(_users[r].Rights) == VisibilityLevel.All);
        Assert.Contains(readers, r => CustomerScope.LevelOf(_users[r].Rights) == VisibilityLevel.SubDepartment);
        Assert.Contains(readers, r => CustomerScope.LevelOf(_users[r].Rights) == VisibilityLevel.Own);
        Assert.Contains(readers, r => _zones[r] == "Asia/Kolkata" && CustomerScope.LevelOf(_users[r].Rights) == VisibilityLevel.All);
        Assert.Contains(readers, r => _zones[r] == "Asia/Kolkata" && CustomerScope.LevelOf(_users[r].Rights) == VisibilityLevel.SubDepartment);
        var checks = 0;
        var nonEmpty = 0;
        foreach (var reader in readers)
        {
            var access = (await CurrentUser.LoadAsync(_db.Factory, reader))!;
            var narrowings = new List<(int? Department, string? Owner)> { (null, null) };
            var choices = await service.ChoicesAsync(access);
            narrowings.AddRange(choices.Departments.Take(2).Select(d => ((int?)d.Id, (string?)null)));
            narrowings.AddRange(choices.Owners.Take(2).Select(o => ((int?)null, (string?)o.Id)));
            foreach (var period in periods)
            {
                foreach (var (department, owner) in narrowings)
                {
                    var filter = new ReportFilter(period, department, owner);
                    var actual = await service.LoadAsync(access, filter);
                    var expected = Oracle(reader, filter);
                    var where = $"reader {reader[..6]} ({CustomerScope.LevelOf(_users[reader].Rights)}), {period}, dept {department}, owner {owner?[..6]}";
                    Assert.Equal(expected.NewBySource, actual.NewBySource.ToDictionary(x => x.SourceId ?? 0, x => x.Count));
                    Assert.Equal(expected.InteractionsByOwner, actual.InteractionsByOwner.ToDictionary(x => x.OwnerId ?? "-", x => x.Count));
                    Assert.Equal(expected.InteractionsByOwner.Values.Sum(), Assert.Single(actual.InteractionsByKind).Count);
                    Assert.Equal(expected.Distribution, actual.Distribution.Where(x => x.Count > 0).ToDictionary(x => x.RelationshipId, x => x.Count));
                    Assert.Equal(expected.Entered, actual.Pipeline.Where(x => x.Entered > 0).ToDictionary(x => x.RelationshipId, x => x.Entered));
                    Assert.Equal(expected.Medians, actual.Pipeline.Where(x => x.MedianDays is not null).ToDictionary(x => x.RelationshipId, x => x.MedianDays!.Value));
                    Assert.Equal(expected.DontForget, actual.DontForgetByOwner.ToDictionary(x => x.OwnerId ?? "-", x => x.Count));
                    Assert.Equal(expected.Revenue, actual.RevenueBySource.ToDictionary(x => x.SourceId ?? 0, x => (x.Orders, x.Revenue)));
                    Assert.Equal(expected.Conversion, actual.ConversionBySource.ToDictionary(x => x.SourceId ?? 0, x => (x.NewCustomers, x.Paying)));
                    Assert.Equal(expected.NewBySource, actual.ConversionBySource.ToDictionary(x => x.SourceId ?? 0, x => x.NewCustomers));
                    Assert.All(actual.ConversionBySource, x => Assert.Equal(ReportService.Percent(x.Paying, x.NewCustomers), x.Percent));
                    Assert.Equal(expected.Buyers, (actual.Buyers.Single(x => x.Kind == ReportService.BoughtOnce).Customers, actual.Buyers.Single(x => x.Kind == ReportService.BoughtAgain).Customers));
                    var total = actual.Distribution.Sum(x => x.Count);
                    Assert.True(total == 0 || Math.Abs(actual.Distribution.Sum(x => x.Percent) - 100) < 0.5, where);
                    // The links under each bar: the list with the same narrowing shows exactly the customers counted.
                    foreach (var share in actual.Distribution.Where(x => x.Count > 0).Take(2))
                    {
                        var list = await customers.ListAsync(access, new CustomerListQuery { RelationshipId = share.RelationshipId, DepartmentId = department, OwnerId = owner, PageSize = 1 });
                        Assert.True(share.Count == list.Total, $"{where}: list of {share.Relationship} has {list.Total}, the report {share.Count}");
                    }

                    checks++;
                    nonEmpty += expected.NewBySource.Count > 0 && expected.Entered.Count > 0 && expected.InteractionsByOwner.Count > 0
                        && expected.Revenue.Values.Any(x => x.Revenue > 0) && expected.Conversion.Values.Any(x => x.Paying > 0)
                        && expected.Buyers.Once > 0 && expected.Buyers.Again > 0 ? 1 : 0;
                }
            }
        }

        // The data reached every figure, so the comparisons could fail.
        Assert.True(checks >= 60, $"{checks} checks");
        Assert.True(nonEmpty >= 10, $"{nonEmpty} checks with data in every figure");
    }

    [Fact]
    public async Task The_migrations_entry_stages_from_the_log_equal_those_kept_since_creation()
    {
        await using var db = await _db.Factory.CreateDbContextAsync();
        var kept = await db.Customers.OrderBy(c => c.Id).Select(c => new { c.Id, c.EntryRelationshipId }).ToDictionaryAsync(c => c.Id, c => c.EntryRelationshipId);
        // Customers who moved since creation, so the log decides, and some who never moved.
        Assert.Contains(_customers, c => kept[c.Id] != c.Stage);
        Assert.Contains(_customers, c => kept[c.Id] == c.Stage);
        await db.Customers.ExecuteUpdateAsync(u => u.SetProperty(c => c.EntryRelationshipId, 0));
        await db.Database.ExecuteSqlRawAsync(StageStays.EntrySql(db.Database.ProviderName!));
        Assert.Equal(kept, await db.Customers.OrderBy(c => c.Id).Select(c => new { c.Id, c.EntryRelationshipId }).ToDictionaryAsync(c => c.Id, c => c.EntryRelationshipId));
    }

    [Fact]
    public async Task Without_the_view_KPI_right_nothing_is_shown()
    {
        var service = new ReportService(_db.Factory, _clock, new CustomerOptions());
        var reader = _users.First(u => !u.Value.Rights.HasFlag(Rights.ViewKpi)).Key;
        var access = (await CurrentUser.LoadAsync(_db.Factory, reader))!;
        var period = ReportPeriod.Of(ReportPeriodKind.ThisMonth, new DateOnly(2026, 11, 20));
        await Assert.ThrowsAsync<AccessDeniedException>(() => service.LoadAsync(access, new ReportFilter(period)));
        await Assert.ThrowsAsync<AccessDeniedException>(() => service.ChoicesAsync(access));

        // A stale UserAccess claiming the right does not help: the right is read fresh.
        await Assert.ThrowsAsync<AccessDeniedException>(() => service.LoadAsync(access with { Rights = Rights.All }, new ReportFilter(period)));
    }

    private sealed record Expected(
        Dictionary<int, int> NewBySource, Dictionary<string, int> InteractionsByOwner, Dictionary<int, int> Distribution,
        Dictionary<int, int> Entered, Dictionary<int, double> Medians, Dictionary<string, int> DontForget,
        Dictionary<int, (int Orders, decimal Revenue)> Revenue, Dictionary<int, (int New, int Paying)> Conversion, (int Once, int Again) Buyers);

    /// <summary>R8 in plain C# over the seeded rows.</summary>
    private Expected Oracle(string reader, ReportFilter filter)
    {
        var zone = UserTime.Zone(_zones[reader]);
        var start = TimeZoneInfo.ConvertTimeToUtc(filter.Period.From.ToDateTime(TimeOnly.MinValue), zone);
        var end = TimeZoneInfo.ConvertTimeToUtc(filter.Period.To.AddDays(1).ToDateTime(TimeOnly.MinValue), zone);
        bool InPeriod(DateTime t) => t >= start && t < end;
        var visible = _customers.Where(c => !c.Deleted && Sees(reader, c)
                && (filter.DepartmentId is not int d || (c.Owner is not null && IsSameOrBelow(_users[c.Owner].Department, d)))
                && (filter.OwnerId is null || c.Owner == filter.OwnerId))
            .ToDictionary(c => c.Id);
        var newBySource = visible.Values.Where(c => InPeriod(c.Created)).GroupBy(c => c.Source ?? 0).ToDictionary(g => g.Key, g => g.Count());
        var byOwner = _comments.Where(m => !m.Deleted && InPeriod(m.At) && visible.ContainsKey(m.Customer))
            .GroupBy(m => visible[m.Customer].Owner ?? "-").ToDictionary(g => g.Key, g => g.Count());
        var distribution = visible.Values.GroupBy(c => c.Stage).ToDictionary(g => g.Key, g => g.Count());
        var entered = new Dictionary<int, int>();
        var stays = new Dictionary<int, List<double>>();
        foreach (var move in _moves.Where(m => InPeriod(m.At) && visible.ContainsKey(m.Customer)))
        {
            var to = int.Parse(move.New, CultureInfo.InvariantCulture);
            entered[to] = entered.GetValueOrDefault(to) + 1;
            var since = _moves.Where(p => p.Customer == move.Customer && (p.At < move.At || (p.At == move.At && p.Id < move.Id)))
                .Select(p => (DateTime?)p.At).Max() ?? visible[move.Customer].Created;
            var from = int.Parse(move.Old, CultureInfo.InvariantCulture);
            // A stay counts its whole days (between whole seconds).
            (stays.TryGetValue(from, out var list) ? list : stays[from] = []).Add(Math.Max(0, Math.Floor((Seconds(move.At) - Seconds(since)) / 86_400.0)));
        }

        foreach (var c in visible.Values.Where(c => InPeriod(c.Created)))
        {
            var first = _moves.Where(m => m.Customer == c.Id).OrderBy(m => m.At).ThenBy(m => m.Id).Select(m => m.Old).FirstOrDefault();
            var stage = first is null ? c.Stage : int.Parse(first, CultureInfo.InvariantCulture);
            entered[stage] = entered.GetValueOrDefault(stage) + 1;
        }

        var cutoff = Now.UtcDateTime.AddDays(-30);
        var dontForget = visible.Values.Where(c => c.LastContact < cutoff || (c.LastContact is null && c.Created < cutoff))
            .GroupBy(c => c.Owner ?? "-").ToDictionary(g => g.Key, g => g.Count());
        // Orders: dated in the period and not cancelled, their amount paid as revenue; "paying" = not cancelled, something paid.
        var revenue = _orders.Where(o => o.Status != OrderStatus.Cancelled && o.Date >= filter.Period.From && o.Date <= filter.Period.To && visible.ContainsKey(o.Customer))
            .GroupBy(o => visible[o.Customer].Source ?? 0).ToDictionary(g => g.Key, g => (g.Count(), g.Sum(o => o.Paid)));
        var payingOrders = _orders.Where(o => o.Status != OrderStatus.Cancelled && o.Paid > 0 && o.Date <= filter.Period.To)
            .GroupBy(o => o.Customer).ToDictionary(g => g.Key, g => g.Count());
        var conversion = visible.Values.Where(c => InPeriod(c.Created)).GroupBy(c => c.Source ?? 0)
            .ToDictionary(g => g.Key, g => (g.Count(), g.Count(c => payingOrders.ContainsKey(c.Id))));
        var buyers = visible.Keys.Select(id => payingOrders.GetValueOrDefault(id)).ToList();
        return new Expected(newBySource, byOwner, distribution, entered, stays.ToDictionary(s => s.Key, s => ReportService.Median(s.Value)), dontForget,
            revenue, conversion, (buyers.Count(n => n == 1), buyers.Count(n => n > 1)));
    }

    private static long Seconds(DateTime t) => t.Ticks / TimeSpan.TicksPerSecond;

    private async Task SeedAsync()
    {
        await using var db = await _db.Factory.CreateDbContextAsync();
        var stages = Enumerable.Range(0, 4).Select(i => new Relationship($"Giai đoạn {i}", "#43A047", null, i, isDefault: i == 0)).ToList();
        db.Relationships.AddRange(stages);
        var sources = Enumerable.Range(0, 3).Select(i => new Source($"Nguồn {i}", i)).ToList();
        db.Sources.AddRange(sources);
        var root = new Department("Công ty");
        db.Departments.Add(root);
        await db.SaveChangesAsync();
        _stages = stages.Select(s => s.Id).ToList();
        root.RefreshPath(null);
        _parentOf[root.Id] = null;
        var departments = new List<Department> { root };
        for (var i = 1; i < 8; i++)
        {
            var parent = departments[_random.Next(departments.Count)];
            var d = new Department($"Phòng {i}", parent);
            db.Departments.Add(d);
            await db.SaveChangesAsync();
            d.RefreshPath(parent.Path);
            departments.Add(d);
            _parentOf[d.Id] = parent.Id;
        }

        var groups = new[]
        {
            new PermissionGroup("Giám đốc", Rights.All),
            new PermissionGroup("Trưởng phòng", Rights.SalesDefault | Rights.CustomersSubDepartment | Rights.ViewKpi),
            new PermissionGroup("Nhân viên KPI", Rights.SalesDefault | Rights.ViewKpi),
            new PermissionGroup("Nhân viên", Rights.SalesDefault),
        };
        db.PermissionGroups.AddRange(groups);
        await db.SaveChangesAsync();
        for (var i = 0; i < 14; i++)
        {
            var login = $"nv{i}";
            var account = new AppUser { UserName = login, NormalizedUserName = login.ToUpperInvariant() };
            db.Users.Add(account);
            var group = groups[i % groups.Length];
            var department = departments[i < 4 ? 0 : _random.Next(departments.Count)];
            var profile = new StaffProfile(account.Id, login, $"Nhân viên {i:D2}", department.Id, group.Id);
            // Half the readers of each level half an hour off whole hours (UTC+5:30): their periods start and end inside an hour.
            if (i / 4 % 2 == 1)
            {
                profile.SetPreferences("vi-VN", "Asia/Kolkata");
            }

            _zones[account.Id] = profile.TimeZone;
            db.StaffProfiles.Add(profile);
            _users[account.Id] = (department.Id, group.Rights);
        }

        await db.SaveChangesAsync();
        var users = _users.Keys.ToList();
        var begin = Now.UtcDateTime.AddDays(-130);
        var created = new List<Customer>();
        var chains = new Dictionary<Customer, List<int>>();
        for (var i = 0; i < 500; i++)
        {
            // Times at any minute of the day, so a customer created at 23:30 UTC falls on the next local day.
            var at = begin.AddMinutes(_random.Next(0, 130 * 24 * 60));
            var owner = _random.Next(7) == 0 ? null : users[_random.Next(users.Count)];
            var creator = users[_random.Next(users.Count)];
            var source = _random.Next(4) == 0 ? null : (int?)sources[_random.Next(sources.Count)].Id;
            // A chain of stages from the one it is created in to the one it is in now (the stage changes are logged below).
            var steps = _random.Next(0, 4);
            var chain = Enumerable.Range(0, steps + 1).Select(_ => _stages[_random.Next(_stages.Count)]).ToList();
            var c = Customer.Create(new CustomerDetails { Name = $"Khách {i}", Phone = $"0912{i:D6}", SourceId = source }, chain[0], owner, creator, at);
            c.MoveTo(chain[^1], creator, at);
            chains[c] = chain;
            if (_random.Next(3) != 0)
            {
                c.RecordContact(at.AddDays(_random.Next(0, 60)));
            }

            if (_random.Next(10) == 0)
            {
                c.MoveToTrash(creator, at.AddDays(1));
            }

            created.Add(c);
        }

        db.Customers.AddRange(created);
        await db.SaveChangesAsync();
        foreach (var c in created)
        {
            // The chain's stage changes after creation; the customer ends in the stage it is in now.
            var chain = chains[c];
            var steps = chain.Count - 1;
            var at = c.CreatedAt;
            for (var s = 0; s < steps; s++)
            {
                at = at.AddHours(_random.Next(1, 24 * 20));
                if (chain[s] != chain[s + 1])
                {
                    db.ChangeLog.Add(new ChangeLogEntry(c.Id, c.OwnerId, at, new FieldChange(nameof(Customer.RelationshipId), Str(chain[s]), Str(chain[s + 1])), "grid"));
                }
            }

            for (var m = _random.Next(0, 4); m > 0; m--)
            {
                db.Comments.Add(new Comment(c.Id, users[_random.Next(users.Count)], "Đã gọi", c.CreatedAt.AddHours(_random.Next(1, 24 * 60))));
            }

            if (_random.Next(5) == 0)
            {
                var user = users[_random.Next(users.Count)];
                if (_related.Add((c.Id, user)))
                {
                    db.CustomerRelatedUsers.Add(new CustomerRelatedUser(c.Id, user));
                }
            }

            // Other fields' changes are not stage moves.
            db.ChangeLog.Add(new ChangeLogEntry(c.Id, c.OwnerId, c.CreatedAt.AddDays(2), new FieldChange("Name", "x", c.Name), "grid"));
        }

        // Orders from before the customer's creation (an import's history) to weeks after it, in every status: drafts and
        // confirmed ones with or without a deposit, paid in full, cancelled (some after a payment: their money no longer counts).
        var orders = new List<Order>();
        foreach (var c in created)
        {
            for (var n = _random.Next(0, 4) == 0 ? _random.Next(1, 5) : _random.Next(0, 2); n > 0; n--)
            {
                var date = DateOnly.FromDateTime(c.CreatedAt).AddDays(_random.Next(-10, 50));
                var total = (_random.Next(1, 500) * 10_000m) + (_random.Next(4) == 0 ? 0.25m : 0);
                var kind = _random.Next(6);
                var status = kind switch { 0 => OrderStatus.Draft, 1 or 2 => OrderStatus.Confirmed, _ => OrderStatus.Paid };
                var deposit = status == OrderStatus.Confirmed && _random.Next(2) == 0 ? Math.Round(total / 3, 2) : 0;
                var order = Order.Create(c.Id, date, null, total, status, deposit, null, c.OwnerId, c.CreatedAt);
                if (_random.Next(7) == 0)
                {
                    order.ChangeStatus(OrderStatus.Cancelled, c.OwnerId, c.CreatedAt);
                }

                orders.Add(order);
            }
        }

        db.Orders.AddRange(orders);
        await db.SaveChangesAsync();
        _orders.AddRange(orders.Select(o => (o.CustomerId, o.OrderDate, o.Status, o.AmountPaid)));
        Assert.Contains(_orders, o => o.Status == OrderStatus.Cancelled && o.Paid > 0);
        Assert.Contains(_orders, o => o.Status == OrderStatus.Confirmed && o.Paid > 0);
        Assert.Contains(_orders, o => o.Status == OrderStatus.Draft);

        // Some comments are deleted: they are not interactions.
        var deletedIds = await db.Comments.OrderBy(m => m.Id).Select(m => m.Id).ToListAsync();
        deletedIds = deletedIds.Where((_, i) => i % 9 == 0).ToList();
        await db.Comments.Where(m => deletedIds.Contains(m.Id)).ExecuteUpdateAsync(s => s.SetProperty(m => m.IsDeleted, true));

        foreach (var c in created)
        {
            _customers.Add(new Row(c.Id, c.OwnerId, c.CreatedById, c.IsDeleted, c.SourceId, c.RelationshipId, c.CreatedAt, c.LastContactAt));
        }

        _comments.AddRange((await db.Comments.AsNoTracking().ToListAsync()).Select(m => (m.CustomerId, m.CreatedAt, m.IsDeleted)));
        _moves.AddRange((await db.ChangeLog.AsNoTracking().Where(e => e.Field == nameof(Customer.RelationshipId)).ToListAsync())
            .Select(e => (e.Id, e.CustomerId, e.At, e.OldValue!, e.NewValue!)));
        Assert.True(_moves.Count > 200, $"{_moves.Count} stage moves");
    }

    private static string Str(int id) => id.ToString(CultureInfo.InvariantCulture);

    /// <summary>R7.3 in plain C#: own (owner, related, unassigned created) ⊂ sub-department ⊂ all.</summary>
    private bool Sees(string userId, Row c)
    {
        var rights = _users[userId].Rights;
        if ((rights & Rights.CustomersViewAll) != 0)
        {
            return true;
        }

        if (c.Owner == userId || (c.Owner is null && c.Creator == userId) || _related.Contains((c.Id, userId)))
        {
            return true;
        }

        return (rights & Rights.CustomersSubDepartment) != 0 && c.Owner is not null && IsSameOrBelow(_users[c.Owner].Department, _users[userId].Department);
    }

    private bool IsSameOrBelow(int department, int ancestor)
    {
        for (int? d = department; d is not null; d = _parentOf[d.Value])
        {
            if (d == ancestor)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>The same oracle on a real PostgreSQL server.</summary>
public sealed class ReportOraclePostgresTests : ReportOracleTests
{
    protected override bool Postgres => true;
}

/// <summary>The preset periods of the reports page, in the reader's local dates.</summary>
public sealed class ReportPeriodTests
{
    [Theory]
    [InlineData(ReportPeriodKind.ThisMonth, "2026-11-01", "2026-11-30")]
    [InlineData(ReportPeriodKind.LastMonth, "2026-10-01", "2026-10-31")]
    [InlineData(ReportPeriodKind.ThisQuarter, "2026-10-01", "2026-12-31")]
    public void Preset_periods_are_whole_months_and_quarters(ReportPeriodKind kind, string from, string to)
    {
        var p = ReportPeriod.Of(kind, new DateOnly(2026, 11, 20));
        Assert.Equal((DateOnly.Parse(from, CultureInfo.InvariantCulture), DateOnly.Parse(to, CultureInfo.InvariantCulture)), (p.From, p.To));
        Assert.Equal(new ReportPeriod(new DateOnly(2026, 1, 1), new DateOnly(2026, 1, 31)), ReportPeriod.Of(ReportPeriodKind.LastMonth, new DateOnly(2026, 2, 3)));
        Assert.Equal(new ReportPeriod(new DateOnly(2026, 1, 1), new DateOnly(2026, 3, 5)),
            ReportPeriod.Of(ReportPeriodKind.Custom, DateOnly.MinValue, new DateOnly(2026, 3, 5), new DateOnly(2026, 1, 1)));
    }
}
