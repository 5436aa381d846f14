using CrmBlazor.Data;
using CrmBlazor.Domain.Orders;
using CrmBlazor.Features.Comments;
using CrmBlazor.Features.Customers;
using CrmBlazor.Features.Orders;
using CrmBlazor.Features.Reports;
using CrmBlazor.Tests.Integration.Customers;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Tests.Integration.Reports;

/// <summary>
/// The report tallies (R8, #24) kept by the database's triggers: after random writes through the product — comments posted
/// and deleted, orders created, edited, paid, cancelled and deleted, stages and owners changed in bulk, customers trashed, restored,
/// purged, merged and unmerged — the stored tallies equal the ones computed from the rows (ReportTallies.RebuildSql),
/// after every write. On SQLite and PostgreSQL.
/// </summary>
public class ReportTallyTests : IAsyncLifetime
{
    private readonly Random _random = new(424);
    private GridWorld _w = null!;
    private OrderService _orders = null!;
    private CommentService _comments = null!;
    private string _attachments = null!;

    protected virtual bool Postgres => false;

    public async Task InitializeAsync()
    {
        _w = await GridWorld.CreateAsync(postgres: Postgres);
        _orders = new OrderService(_w.Db.Factory, TimeProvider.System, _w.Bus);
        _attachments = Path.Combine(Path.GetTempPath(), $"crm-tally-tests-{Guid.NewGuid():N}");
        _comments = new CommentService(_w.Db.Factory, _w.Bus, TimeProvider.System, new AttachmentStore(_attachments, 1024));
        for (var i = 0; i < 4; i++)
        {
            await _w.Db.AddCustomerAsync($"Khách tally {i}", $"090600000{i}", _w.FirstRelationship, i % 2 == 0 ? _w.Lan.UserId : _w.Minh.UserId);
        }
    }

    public async Task DisposeAsync()
    {
        await _w.DisposeAsync();
        if (Directory.Exists(_attachments))
        {
            Directory.Delete(_attachments, recursive: true);
        }
    }

    [Fact]
    public async Task Random_writes_keep_every_tally_equal_to_the_one_computed_from_the_rows()
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var done = new HashSet<string>();
        var seen = new HashSet<string>();
        var merges = new List<int>();
        var owners = new[] { _w.Lan.UserId, _w.Minh.UserId, null };
        for (var step = 0; step < 120; step++)
        {
            var live = await WithDb(db => db.Customers.Where(c => !c.IsDeleted).OrderBy(c => c.Id).Select(c => c.Id).ToListAsync());
            var trashed = await WithDb(db => db.Customers.Where(c => c.IsDeleted && c.MergedIntoId == null).OrderBy(c => c.Id).Select(c => c.Id).ToListAsync());
            var orders = await WithDb(db => db.Orders.OrderBy(o => o.Id).Select(o => new { o.Id, o.Version, o.Total }).ToListAsync());
            var comments = await WithDb(db => db.Comments.Where(m => !m.IsDeleted && db.Customers.Any(c => c.Id == m.CustomerId && !c.IsDeleted)).OrderBy(m => m.Id).Select(m => m.Id).ToListAsync());
            var customer = live[_random.Next(live.Count)];
            var order = orders.Count > 0 ? orders[_random.Next(orders.Count)] : null;
            string op;
            switch (_random.Next(14))
            {
                case 12 or 13:
                    var stage = _random.Next(2) == 0 ? _w.FirstRelationship : _w.SecondRelationship;
                    await _w.Service.BulkAsync(_w.Admin, new BulkRequest(BulkKind.ChangeRelationship, [customer, live[_random.Next(live.Count)]], RelationshipId: stage));
                    op = "stage";
                    break;
                case 0 or 1:
                    await _comments.PostAsync(_w.Admin, customer, $"Gọi lần {step}");
                    op = "comment";
                    break;
                case 2 when comments.Count > 0:
                    await _comments.DeleteAsync(_w.Admin, comments[_random.Next(comments.Count)]);
                    op = "delete comment";
                    break;
                case 3:
                    var status = (OrderStatus)_random.Next(3);
                    var total = _random.Next(1, 50) * 100_000m + (_random.Next(3) == 0 ? 0.25m : 0);
                    var paid = status == OrderStatus.Paid ? total : status == OrderStatus.Confirmed && _random.Next(2) == 0 ? Math.Round(total / 3, 2) : 0;
                    Assert.Equal(SaveStatus.Saved, (await _orders.CreateAsync(_w.Admin, customer,
                        new OrderInput { Date = today.AddDays(_random.Next(-40, 3)), Total = total, Status = status, AmountPaid = paid })).Status);
                    op = "order";
                    break;
                case 4 when order is not null:
                    await _orders.UpdateAsync(_w.Admin, order.Id, new OrderInput { Date = today.AddDays(_random.Next(-40, 3)), Total = order.Total }, order.Version);
                    op = "order date";
                    break;
                case 5 when order is not null:
                    await _orders.ChangeStatusAsync(_w.Admin, order.Id, (OrderStatus)_random.Next(1, 4), order.Version);
                    op = "order status";
                    break;
                case 6 when order is not null:
                    await _orders.RecordPaymentAsync(_w.Admin, order.Id, 50_000m);
                    op = "payment";
                    break;
                case 7 when order is not null:
                    await _orders.DeleteAsync(_w.Admin, order.Id, order.Version);
                    op = "delete order";
                    break;
                case 8:
                    var owner = owners[_random.Next(owners.Length)];
                    await _w.Service.BulkAsync(_w.Admin, new BulkRequest(BulkKind.ChangeOwner, [customer, live[_random.Next(live.Count)]], OwnerId: owner));
                    op = "owner";
                    break;
                case 9 when live.Count > 4:
                    await _w.Service.BulkAsync(_w.Admin, new BulkRequest(BulkKind.Delete, [customer]));
                    op = "trash";
                    break;
                case 10 when trashed.Count > 0:
                    var back = trashed[_random.Next(trashed.Count)];
                    if (_random.Next(3) == 0)
                    {
                        await _w.Service.PurgeAsync(_w.Admin, [back]);
                        op = "purge";
                    }
                    else
                    {
                        await _w.Service.RestoreAsync(_w.Admin, [back]);
                        op = "restore";
                    }

                    break;
                case 11 when merges.Count > 0 && _random.Next(2) == 0:
                    var mergeId = merges[^1];
                    merges.Remove(mergeId);
                    await _w.Service.UnmergeAsync(_w.Admin, mergeId);
                    op = "unmerge";
                    break;
                case 11 when live.Count > 4:
                    var merge = await _w.Service.MergeAsync(_w.Admin, new MergeRequest(live[0], live[^1]));
                    Assert.Equal(MergeStatus.Done, merge.Status);
                    merges.Add(merge.MergeId!.Value);
                    op = "merge";
                    break;
                default:
                    continue;
            }

            done.Add(op);
            var (expected, actual) = (await RebuiltAsync(), await StoredAsync());
            Assert.True(expected.SequenceEqual(actual), $"after step {step} ({op}): expected {string.Join("; ", expected.Except(actual))}, stored {string.Join("; ", actual.Except(expected))}");
            seen.UnionWith(actual.Select(t => t.Kind == ReportTallies.Orders && t.Cents > 0 ? "revenue" : t.Kind == ReportTallies.PayingRanks && t.Key == 2 ? "bought again" : $"kind {t.Kind}"));
        }

        // Every kind of write ran, and every kind of tally held something on the way, so the comparisons could fail.
        Assert.True(done.Count == 14, string.Join(", ", done));
        Assert.Superset(new HashSet<string> { "kind 1", "revenue", "bought again", "kind 4", "kind 5", "kind 6" }, seen);
    }

    [Fact]
    public void A_histograms_median_equals_the_median_of_its_values()
    {
        for (var round = 0; round < 200; round++)
        {
            var values = Enumerable.Range(0, _random.Next(1, 30)).Select(_ => _random.Next(0, 12)).ToList();
            var histogram = new SortedDictionary<int, int>(values.GroupBy(v => v).ToDictionary(g => g.Key, g => g.Count()));
            Assert.Equal(ReportService.Median(values.Select(v => (double)v).ToList()), ReportService.Median(histogram));
        }
    }

    private async Task<T> WithDb<T>(Func<CrmDbContext, Task<T>> read)
    {
        await using var db = await _w.Db.Factory.CreateDbContextAsync();
        return await read(db);
    }

    /// <summary>The stored tallies that count something (a count taken back to zero stays as a row of zero).</summary>
    private Task<List<Tally>> StoredAsync() => WithDb(db => Read(db.ReportTallies.Where(t => t.Count != 0 || t.Cents != 0)));

    private static Task<List<Tally>> Read(IQueryable<ReportTally> tallies) =>
        tallies.OrderBy(t => t.Kind).ThenBy(t => t.At).ThenBy(t => t.OwnerId).ThenBy(t => t.Key)
            .ThenBy(t => t.Days).Select(t => new Tally(t.Kind, t.At, t.OwnerId, t.Key, t.Days, t.Count, t.Cents)).ToListAsync();

    private sealed record Tally(int Kind, DateTime At, string OwnerId, int Key, int Days, int Count, long Cents);

    /// <summary>The tallies computed from the rows, in a transaction rolled back so the stored ones stay as they were.</summary>
    private Task<List<Tally>> RebuiltAsync() => WithDb(async db =>
    {
        await using var tx = await db.Database.BeginTransactionAsync();
        await db.Database.ExecuteSqlRawAsync(ReportTallies.RebuildSql(db.Database.ProviderName!));
        var rebuilt = await Read(db.ReportTallies);
        await tx.RollbackAsync();
        return rebuilt;
    });
}

/// <summary>The same on a real PostgreSQL server.</summary>
public sealed class ReportTallyPostgresTests : ReportTallyTests
{
    protected override bool Postgres => true;
}
