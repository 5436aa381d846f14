using System.Globalization;
using CrmBlazor.Data;
using CrmBlazor.Domain.Importing;
using CrmBlazor.Features.Board;
using CrmBlazor.Features.Customers;
using CrmBlazor.Features.Import;
using CrmBlazor.Features.Relationships;
using CrmBlazor.Security;
using CrmBlazor.Tests.Integration.Customers;
using CrmBlazor.Tests.Integration.Import;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using static CrmBlazor.Tests.Integration.Import.Sheets;

namespace CrmBlazor.Tests.Integration.Reports;

/// <summary>
/// The stay start kept with every stage change (StageStays, read by the reports' pipeline movement, R8): after random
/// operations through the product — grid cell, detail, bulk, board drag, import with updates and its undo, merge and
/// unmerge, trash and restore — every stage change's stored start equals what the rebuild computes from the log and what
/// a plain C# reading of the log says (the previous stage change of the customer, or its creation).
/// </summary>
public sealed class StageStaysTests : IAsyncLifetime
{
    private readonly Random _random = new(24);
    private ImportTestWorld _w = null!;
    private CustomerService _customers = null!;
    private BoardService _board = null!;
    private List<int> _stages = [];

    public async Task InitializeAsync()
    {
        _w = await ImportTestWorld.CreateAsync();
        var bus = new RecordingBus();
        _customers = new CustomerService(_w.Db.Factory, TimeProvider.System, bus, new CustomerOptions(), NullLogger<CustomerService>.Instance);
        _board = new BoardService(_w.Db.Factory, _customers, TimeProvider.System, new RelationshipService(_w.Db.Factory, bus, TimeProvider.System));
        await _w.Db.AddRelationshipAsync("Đang tư vấn");
        await using var db = await _w.Db.Factory.CreateDbContextAsync();
        _stages = await db.Relationships.OrderBy(r => r.Position).Select(r => r.Id).ToListAsync();
    }

    public async Task DisposeAsync() => await _w.DisposeAsync();

    [Fact]
    public async Task Random_operations_through_the_product_keep_every_stay_start_equal_to_the_rebuilt_one()
    {
        var stageNames = await _w.WithDb(db => db.Relationships.OrderBy(r => r.Position).Select(r => r.Name).ToListAsync());
        var phones = Enumerable.Range(0, 12).Select(i => $"09120000{i:D2}").ToList();
        // Customers created by import, each in a stage named in the file.
        await ImportAsync(phones.Select(p => (p, stageNames[_random.Next(stageNames.Count)])).ToList());
        var done = new Dictionary<string, int>();
        var merges = new List<int>();
        var imports = new List<int>();
        for (var step = 0; step < 60; step++)
        {
            var live = await _w.WithDb(db => db.Customers.Where(c => !c.IsDeleted).OrderBy(c => c.Id).Select(c => new { c.Id, c.Version }).ToListAsync());
            var one = live[_random.Next(live.Count)];
            var stage = _stages[_random.Next(_stages.Count)];
            var op = _random.Next(9);
            switch (op)
            {
                case 0 or 1:
                    await _customers.SaveFieldAsync(_w.Admin, one.Id, GridFields.Relationship, stage.ToString(CultureInfo.InvariantCulture), one.Version,
                        op == 0 ? CustomerService.OriginGrid : CustomerService.OriginDetail);
                    break;
                case 2:
                    await _board.MoveCardAsync(_w.Admin, one.Id, stage, one.Version);
                    break;
                case 3:
                    await _customers.BulkAsync(_w.Admin, new BulkRequest(BulkKind.ChangeRelationship, live.Where(_ => _random.Next(3) == 0).Select(c => c.Id).ToList(), RelationshipId: stage));
                    break;
                case 4 when live.Count > 4:
                    var other = live.First(c => c.Id != one.Id);
                    var merge = await _customers.MergeAsync(_w.Admin, new MergeRequest(one.Id, other.Id));
                    Assert.Equal(MergeStatus.Done, merge.Status);
                    merges.Add(merge.MergeId!.Value);
                    break;
                case 5 when merges.Count > 0:
                    var mergeId = merges[_random.Next(merges.Count)];
                    merges.Remove(mergeId);
                    await _customers.UnmergeAsync(_w.Admin, mergeId);
                    break;
                case 6:
                    // Updates by phone, some to another stage; one new customer.
                    var rows = phones.Where(_ => _random.Next(2) == 0).Select(p => (p, stageNames[_random.Next(stageNames.Count)])).ToList();
                    rows.Add(($"0913{step:D6}", stageNames[_random.Next(stageNames.Count)]));
                    imports.Add(await ImportAsync(rows));
                    break;
                case 7 when imports.Count > 0:
                    var batch = imports[^1];
                    imports.Remove(batch);
                    await _w.Service.UndoAsync(_w.Admin, batch);
                    break;
                case 8:
                    await _customers.DeleteAsync(_w.Admin, one.Id);
                    if (_random.Next(2) == 0)
                    {
                        await _customers.RestoreAsync(_w.Admin, [one.Id]);
                    }

                    break;
                default:
                    continue;
            }

            done[op.ToString(CultureInfo.InvariantCulture)] = done.GetValueOrDefault(op.ToString(CultureInfo.InvariantCulture)) + 1;
            // After every operation: a later change of the same customer would not hide a miss, but a rebuild after a merge would.
            Assert.Equal(await OracleAsync(), await StaysAsync());
        }

        // Every kind of operation ran, and the log has stage changes from several of them.
        Assert.Equal(9, done.Count);
        var kept = await StaysAsync();
        Assert.True(kept.Count > 40, $"{kept.Count} stage changes");
        Assert.Contains(await _w.WithDb(db => db.ChangeLog.Where(e => e.Field == StageStays.Field).Select(e => e.Origin).Distinct().ToListAsync()),
            o => o == ImportService.Origin);
        Assert.All(kept, x => Assert.NotNull(x.Value));

        // What a plain reading of the log says, then what the rebuild writes: both equal what the product kept.
        Assert.Equal(await OracleAsync(), kept);
        await using (var db = await _w.Db.Factory.CreateDbContextAsync())
        {
            await StageStays.RebuildAsync(db, null);
        }

        Assert.Equal(kept, await StaysAsync());
    }

    [Fact]
    public async Task The_rebuild_sets_the_stay_starts_a_database_had_without_them()
    {
        await ImportAsync([("0912000001", "Khách hàng mới")]);
        var id = await _w.WithDb(db => db.Customers.Select(c => c.Id).SingleAsync());
        foreach (var stage in _stages.Skip(1).Append(_stages[0]))
        {
            var version = await _w.WithDb(db => db.Customers.Where(c => c.Id == id).Select(c => c.Version).SingleAsync());
            await _customers.SaveFieldAsync(_w.Admin, id, GridFields.Relationship, stage.ToString(CultureInfo.InvariantCulture), version);
        }

        var kept = await StaysAsync();
        Assert.Equal(3, kept.Count);
        // As a database migrated from before the column: nothing stored, then the migration's rebuild.
        await _w.WithDb(db => db.ChangeLog.ExecuteUpdateAsync(u => u.SetProperty(e => e.StageSince, (DateTime?)null)));
        Assert.All(await StaysAsync(), x => Assert.Null(x.Value));
        await using (var db = await _w.Db.Factory.CreateDbContextAsync())
        {
            await StageStays.RebuildAsync(db, [id]);
        }

        Assert.Equal(kept, await StaysAsync());
        var created = await _w.WithDb(db => db.Customers.Select(c => c.CreatedAt).SingleAsync());
        Assert.Equal(created, kept.OrderBy(x => x.Key).First().Value);
    }

    [Fact]
    public async Task An_import_after_a_stage_change_dated_later_than_now_still_keeps_every_stay_exact()
    {
        // The import and its undo write the stays with their rows (the last stored change, or the creation); a customer
        // whose stored change is dated after the import's (never the product's own) goes through the rebuild instead.
        var stageNames = await _w.WithDb(db => db.Relationships.OrderBy(r => r.Position).Select(r => r.Name).ToListAsync());
        await ImportAsync([("0912000001", stageNames[0]), ("0912000002", stageNames[0])]);
        var ids = await _w.WithDb(db => db.Customers.OrderBy(c => c.Id).Select(c => c.Id).ToListAsync());
        foreach (var id in ids)
        {
            var version = await _w.WithDb(db => db.Customers.Where(c => c.Id == id).Select(c => c.Version).SingleAsync());
            await _customers.SaveFieldAsync(_w.Admin, id, GridFields.Relationship, _stages[1].ToString(CultureInfo.InvariantCulture), version);
        }

        var later = DateTime.UtcNow.AddDays(3);
        await _w.WithDb(db => db.ChangeLog.Where(e => e.CustomerId == ids[0] && e.Field == StageStays.Field).ExecuteUpdateAsync(u => u.SetProperty(e => e.At, later)));
        await StageStaysRebuiltAsync();
        var before = (await StaysAsync()).Count;

        var batch = await ImportAsync([("0912000001", stageNames[2]), ("0912000002", stageNames[2])]);
        Assert.Equal(before + 2, (await StaysAsync()).Count);
        Assert.Equal(await OracleAsync(), await StaysAsync());
        // The new change of the customer dated later sorts before its stored one, which now starts at the new one.
        var newest = await _w.WithDb(db => db.ChangeLog.Where(e => e.CustomerId == ids[0] && e.Field == StageStays.Field)
            .OrderByDescending(e => e.Id).Select(e => e.At).FirstAsync());
        Assert.Contains(await StaysAsync(), x => x.Value == newest);

        await _w.Service.UndoAsync(_w.Admin, batch);
        Assert.Equal(await OracleAsync(), await StaysAsync());
    }

    private async Task StageStaysRebuiltAsync()
    {
        await using var db = await _w.Db.Factory.CreateDbContextAsync();
        await StageStays.RebuildAsync(db, null);
    }

    private Task<Dictionary<long, DateTime?>> StaysAsync() =>
        _w.WithDb(db => db.ChangeLog.Where(e => e.Field == StageStays.Field).ToDictionaryAsync(e => e.Id, e => e.StageSince));

    /// <summary>The previous stage change of the same customer in (At, Id) order, or the customer's creation.</summary>
    private Task<Dictionary<long, DateTime?>> OracleAsync() => _w.WithDb(async db =>
    {
        var log = await db.ChangeLog.Where(e => e.Field == StageStays.Field).Select(e => new { e.Id, e.CustomerId, e.At }).ToListAsync();
        var created = await db.Customers.ToDictionaryAsync(c => c.Id, c => c.CreatedAt);
        return log.ToDictionary(e => e.Id, e => log.Where(p => p.CustomerId == e.CustomerId && (p.At < e.At || (p.At == e.At && p.Id < e.Id)))
            .Select(p => (DateTime?)p.At).Max() ?? (DateTime?)created[e.CustomerId]);
    });

    private async Task<int> ImportAsync(List<(string Phone, string Stage)> rows)
    {
        var bytes = Xlsx(rows.Select(r => Row(("Tên khách hàng", $"Khách {r.Phone}"), ("Số điện thoại", r.Phone), ("Mối quan hệ", r.Stage))));
        var sheet = _w.Service.ReadFile(_w.Admin, "khach.xlsx", bytes);
        var mapping = await _w.Service.ProposeMappingAsync(_w.Admin, sheet.Headers);
        var result = await _w.Service.ImportAsync(_w.Admin, sheet, mapping, new ImportOptions { UpdateExisting = true });
        Assert.Equal(rows.Count, result.Created + result.Updated + result.Skipped);
        return result.BatchId;
    }
}
