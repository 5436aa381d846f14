using System.Diagnostics;
using System.Globalization;
using System.Text;
using CrmBlazor.Data;
using CrmBlazor.Domain.Importing;
using CrmBlazor.Features.Import;
using CrmBlazor.Live;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using MiniExcelLibs;

namespace CrmBlazor.Benchmarks;

/// <summary>
/// Suite "import": a 100,000-row .xlsx (15 columns, 30% of the rows updating existing customers matched by phone) imported
/// end to end on SQLite (read → check → import in one transaction), then undone. Each run starts from a copy of the bench
/// database. Prints rows/s, peak memory, the time to accept or refuse a ~10 MB file, and the write and the undo each beside
/// its floor from the same run: the same rows written the database's fastest way (<see cref="ImportFloor"/>).
/// Run with --customers 30000 (or more).
/// </summary>
internal static class ImportBench
{
    public static async Task<List<(string Name, Stats Stats)>> RunAsync(string baseDb, string adminUserId, int runs, int rows = 100_000) =>
        await RunAsync(new SqliteCopies(baseDb), adminUserId, runs, rows);

    /// <summary>The same import on PostgreSQL: a base database generated once, each run on a copy made from it as a template.</summary>
    public static async Task<List<(string Name, Stats Stats)>> RunPostgresAsync(string server, int customers, int runs, int rows = 100_000)
    {
        var copies = await PostgresCopies.EnsureAsync(server, customers);
        return await RunAsync(copies, copies.AdminUserId, runs, rows);
    }

    private sealed record ImportOnce(double ReadMs, double CheckMs, double ImportMs, double CheckpointMs, string Check, string Result,
        string PhasePeaks, int BatchId);

    /// <summary>
    /// The process's working set and managed heap sampled every 10 ms: the peak of the whole run and of each phase
    /// (read, check, import), so a report says where the memory goes.
    /// </summary>
    private sealed class MemorySampler : IDisposable
    {
        private readonly Timer _timer;
        private readonly object _gate = new();
        private long _phasePeak;

        public MemorySampler(long before)
        {
            Peak = before;
            _phasePeak = before;
            _timer = new Timer(_ => Sample(), null, 0, 10);
        }

        public long Peak { get; private set; }

        public long HeapPeak { get; private set; }

        /// <summary>The peak working set since the previous call (or the start), in MB; the next phase starts here.</summary>
        public double EndPhase()
        {
            Sample();
            lock (_gate)
            {
                var phase = _phasePeak;
                _phasePeak = 0;
                return phase / 1048576.0;
            }
        }

        private void Sample()
        {
            var p = Process.GetCurrentProcess();
            var heap = GC.GetTotalMemory(false);
            lock (_gate)
            {
                Peak = Math.Max(Peak, p.WorkingSet64);
                _phasePeak = Math.Max(_phasePeak, p.WorkingSet64);
                HeapPeak = Math.Max(HeapPeak, heap);
            }
        }

        public void Dispose() => _timer.Dispose();
    }

    /// <summary>
    /// Read → check → import of one run, as the wizard and the API do it (the import reuses the rows the check parsed).
    /// A method of its own so that nothing of a run (its sheet, its parsed rows) stays referenced into the next run
    /// and inflates that run's working set.
    /// </summary>
    private static async Task<ImportOnce> ImportOnceAsync(ImportService service, UserAccess admin, byte[] bytes, MemorySampler memory)
    {
        var t0 = Stopwatch.GetTimestamp();
        var sheet = service.ReadFile(admin, "bench.xlsx", bytes);
        var readPeak = memory.EndPhase();
        var t1 = Stopwatch.GetTimestamp();
        var mapping = await service.ProposeMappingAsync(admin, sheet.Headers);
        var options = new ImportOptions { UpdateExisting = true };
        var checkResult = await service.CheckAsync(admin, sheet, mapping, options);
        var checkPeak = memory.EndPhase();
        var t2 = Stopwatch.GetTimestamp();
        var result = await service.ImportAsync(admin, sheet, mapping, options, checkedBefore: checkResult);
        var t3 = Stopwatch.GetTimestamp();
        var importPeak = memory.EndPhase();
        // SQLite: the WAL checkpoint the import left to the background after its commit (reported, not counted in the import).
        await service.PendingCheckpoint;
        var t4 = Stopwatch.GetTimestamp();
        return new ImportOnce(Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds, Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds,
            Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds, Stopwatch.GetElapsedTime(t3, t4).TotalMilliseconds,
            $"{checkResult.Create:N0} create / {checkResult.Update:N0} update / {checkResult.Fail:N0} fail",
            $"{result.Created:N0} created, {result.Updated:N0} updated",
            $"read {readPeak:N0}, check {checkPeak:N0}, import {importPeak:N0} MB", result.BatchId);
    }

    private static async Task<List<(string Name, Stats Stats)>> RunAsync(IBenchCopies copies, string adminUserId, int runs, int rows)
    {
        var results = new List<(string, Stats)>();
        var baseFactory = copies.Base;
        List<string> existingPhones;
        ImportReference reference;
        await using (var db = await baseFactory.CreateDbContextAsync())
        {
            existingPhones = await db.Customers.Where(c => c.Phone != null && !c.IsDeleted).Select(c => c.Phone!).Distinct().Take(rows * 3 / 10).ToListAsync();
        }

        // 100,000 rows of 15 columns make a ~13 MB workbook: above the default 10 MB, so the bench raises Import:MaxFileBytes.
        var limits = new ImportLimits { MaxFileBytes = 64L * 1024 * 1024 };
        var defaultLimits = new ImportLimits();
        var bus = new InProcessLiveEventBus(NullLogger<InProcessLiveEventBus>.Instance);
        reference = await new ImportService(baseFactory, bus, TimeProvider.System, limits).ReferenceAsync();
        var sw = Stopwatch.StartNew();
        var bytes = BuildFile(rows, existingPhones, reference);
        Console.WriteLine($"import: generated {rows:N0}-row .xlsx, {bytes.Length / 1024.0 / 1024.0:N1} MB, {existingPhones.Count:N0} rows match existing phones ({sw.Elapsed.TotalSeconds:N1} s)");

        var read = new List<double>();
        var check = new List<double>();
        var import = new List<double>();
        var checkpoint = new List<double>();
        var total = new List<double>();
        var peaks = new List<(long Before, long Peak)>();
        var undo = new List<double>();
        var floor = new List<double>();
        var undoFloor = new List<double>();
        var batchId = 0;
        for (var run = 0; run < runs; run++)
        {
            var name = $"run{run}";
            var factory = await copies.CopyAsync(name);
            var service = new ImportService(factory, bus, TimeProvider.System, limits);
            var admin = await CurrentUser.LoadAsync(factory, adminUserId) ?? throw new InvalidOperationException("No admin.");
            GC.Collect();
            GC.WaitForPendingFinalizers();
            // Aggressive: the memory of the previous run goes back to the system, so each run starts from a comparable
            // working set (a plain collection kept run 1's segments committed: runs 2–3 started ~170 MB higher).
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            // And the native memory SQLite freed (page caches of the previous run's connections): glibc keeps freed
            // blocks for reuse, so each run started another 50–100 MB higher; malloc_trim hands them back.
            if (OperatingSystem.IsLinux())
            {
                MallocTrim(0);
            }
            var process = Process.GetCurrentProcess();
            process.Refresh();
            var before = process.WorkingSet64;
            // Sampled from read to commit: the import's own peak, not the bench's (file generation, data load).
            var sampler = new MemorySampler(before);
            var once = await ImportOnceAsync(service, admin, bytes, sampler);
            read.Add(once.ReadMs);
            check.Add(once.CheckMs);
            import.Add(once.ImportMs);
            checkpoint.Add(once.CheckpointMs);
            total.Add(once.ReadMs + once.CheckMs + once.ImportMs);
            sampler.Dispose();
            var peak = sampler.Peak;
            peaks.Add((before, peak));
            Console.WriteLine($"  run {run + 1}: working set {before / 1048576.0:N0} MB before, peak {peak / 1048576.0:N0} MB during (+{(peak - before) / 1048576.0:N0} MB; " +
                              $"by phase: {once.PhasePeaks}; managed heap peak {sampler.HeapPeak / 1048576.0:N0} MB); " +
                              $"read {read[^1]:N0} ms, check {check[^1]:N0} ms ({once.Check}), import {import[^1]:N0} ms ({once.Result}) → {rows / (total[^1] / 1000):N0} rows/s end to end" +
                              (once.CheckpointMs >= 1 ? $"; WAL checkpoint after it, in the background, {once.CheckpointMs:N0} ms" : ""));
            var first = run == 0;
            if (first)
            {
                // The state after the import, kept for the floors: what the import wrote, and what its undo then wrote.
                await copies.CopyAsync("imported", name);
            }

            // Undo of the whole import (R3 history): removes the customers it created, restores the ones it updated.
            // After the import's memory was sampled, so the undo's own memory does not raise the import's peak.
            var started = Stopwatch.GetTimestamp();
            var undid = await service.UndoAsync(admin, once.BatchId);
            undo.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            await service.PendingCheckpoint;
            Console.WriteLine($"  undo of run {run + 1}'s import: {undo[^1]:N0} ms ({undid.Removed:N0} removed, {undid.Restored:N0} restored, {undid.LeftAlone.Count:N0} left alone)");
            if (first)
            {
                await copies.CopyAsync("undone", name);
                batchId = once.BatchId;
            }

            await copies.DropAsync(name);

            // The floors: the same rows written again the database's fastest way, into a fresh copy of the state before
            // the import (and before the undo); in each run, right after the product's, so both meet the same machine.
            // The rows are read again for each floor and let go after it: held between runs they would sit in the next
            // import's heap and working set.
            floor.Add(await FloorAsync(copies, null, "imported", batchId, first ? "rows the import wrote" : null));
            undoFloor.Add(await FloorAsync(copies, "imported", "undone", batchId, first ? "rows its undo wrote" : null));
            Console.WriteLine($"  floors of run {run + 1}: write {floor[^1]:N0} ms (product {import[^1] / floor[^1]:N2}×), undo {undoFloor[^1]:N0} ms (product {undo[^1] / undoFloor[^1]:N2}×)");
        }

        await copies.DropAsync("imported");
        await copies.DropAsync("undone");
        Console.WriteLine($"import ({copies.Name}): write {Stats.Of(import).Median:N0} ms vs its floor {Stats.Of(floor).Median:N0} ms → " +
                          $"{Stats.Of(import).Median / Stats.Of(floor).Median:N2}×; undo {Stats.Of(undo).Median:N0} ms vs its floor {Stats.Of(undoFloor).Median:N0} ms → " +
                          $"{Stats.Of(undo).Median / Stats.Of(undoFloor).Median:N2}× (floor: the same rows, {copies.FloorName}); peak working set during the import " +
                          $"{peaks.Max(p => p.Peak) / 1048576.0:N0} MB (first run, in a fresh process: {peaks[0].Peak / 1048576.0:N0} MB, +{(peaks[0].Peak - peaks[0].Before) / 1048576.0:N0} MB over the idle process)");

        results.Add(($"import {rows / 1000}k rows ({copies.Name}): read .xlsx", Stats.Of(read)));
        results.Add(($"import {rows / 1000}k rows ({copies.Name}): check", Stats.Of(check)));
        results.Add(($"import {rows / 1000}k rows ({copies.Name}): write (1 transaction)", Stats.Of(import)));
        results.Add(($"import {rows / 1000}k rows ({copies.Name}): end to end", Stats.Of(total)));
        results.Add(($"import {rows / 1000}k rows ({copies.Name}): floor of the write", Stats.Of(floor)));
        results.Add(($"import {rows / 1000}k rows ({copies.Name}): undo (1 transaction)", Stats.Of(undo)));
        results.Add(($"import {rows / 1000}k rows ({copies.Name}): floor of the undo", Stats.Of(undoFloor)));
        if (checkpoint.Max() >= 1)
        {
            results.Add(($"import {rows / 1000}k rows ({copies.Name}): WAL checkpoint after, in the background", Stats.Of(checkpoint)));
        }

        // A file of about 10 MB: accepted (read and ready for mapping) or refused (one byte over the limit).
        var big = BuildFile(rows * 7 / 10, existingPhones, reference);
        var accept = new List<double>();
        var refuse = new List<double>();
        var tooBig = new byte[defaultLimits.MaxFileBytes + 1];
        big.AsSpan(0, Math.Min(big.Length, tooBig.Length)).CopyTo(tooBig);
        for (var i = 0; i < Math.Max(3, runs); i++)
        {
            var t = Stopwatch.GetTimestamp();
            try
            {
                ImportFileReader.Read("big.xlsx", big, defaultLimits);
            }
            catch (ImportFileRejectedException)
            {
            }

            accept.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            t = Stopwatch.GetTimestamp();
            try
            {
                ImportFileReader.Read("big.xlsx", tooBig, defaultLimits);
            }
            catch (ImportFileRejectedException)
            {
            }

            refuse.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }

        var verdict = big.Length <= defaultLimits.MaxFileBytes ? "accepted" : "refused";
        results.Add(($"{big.Length / 1024.0 / 1024.0:N1} MB .xlsx {verdict} (read fully)", Stats.Of(accept)));
        results.Add(("10 MB + 1 byte refused", Stats.Of(refuse)));
        return results;
    }

    /// <summary>The floor of going from <paramref name="before"/> to <paramref name="after"/>: their difference written into a fresh copy of <paramref name="before"/>.</summary>
    private static async Task<double> FloorAsync(IBenchCopies copies, string? before, string after, int batchId, string? describe)
    {
        var set = await DiffAsync(copies, before, after, batchId);
        if (describe is not null)
        {
            Console.WriteLine($"  {describe}: {set.Describe()}");
        }

        await copies.CopyAsync("floor", before);
        var elapsed = await copies.ApplyFloorAsync("floor", set);
        await copies.DropAsync("floor");
        return elapsed;
    }

    private static async Task<ImportFloor.WriteSet> DiffAsync(IBenchCopies copies, string? before, string after, int batchId)
    {
        await using var old = copies.Connection(before);
        await using var now = copies.Connection(after);
        await old.OpenAsync();
        await now.OpenAsync();
        return await ImportFloor.DiffAsync(old, now, batchId);
    }

    private static byte[] BuildFile(int rows, IReadOnlyList<string> existingPhones, ImportReference reference)
    {
        var random = new Random(42);
        string[] provinces = ["Hà Nội", "TP Hồ Chí Minh", "Đà Nẵng", "Hải Phòng", "Cần Thơ"];
        string[] names = ["Nguyễn Văn", "Trần Thị", "Lê Hoàng", "Phạm Minh", "Võ Thị"];
        var updateEvery = existingPhones.Count == 0 ? int.MaxValue : Math.Max(1, rows / existingPhones.Count);
        IEnumerable<Dictionary<string, object?>> Rows()
        {
            var used = 0;
            for (var i = 0; i < rows; i++)
            {
                var update = i % 10 < 3 && used < existingPhones.Count;
                var phone = update ? "0" + existingPhones[used++][3..] : "03" + (10_000_000 + i).ToString(CultureInfo.InvariantCulture);
                yield return new Dictionary<string, object?>
                {
                    ["Tên khách hàng"] = $"{names[i % names.Length]} {i}",
                    ["Điện thoại"] = phone,
                    // Not the bench customers' kh…@example.vn: the 30% of updating rows are matched by phone only.
                    ["Email"] = $"nhap{i}@khachmoi.example.vn",
                    ["Địa chỉ"] = $"{random.Next(1, 500)} Đường số {random.Next(1, 99)}",
                    ["Ngày sinh"] = $"{random.Next(1, 29):D2}/{random.Next(1, 13):D2}/{random.Next(1950, 2005)}",
                    ["Giới tính"] = i % 2 == 0 ? "Nam" : "Nữ",
                    ["Mã số thuế"] = (100000000 + i).ToString(CultureInfo.InvariantCulture),
                    ["Quốc gia"] = "Việt Nam",
                    ["Tỉnh/Thành phố"] = provinces[i % provinces.Length],
                    ["Quận/Huyện"] = $"Quận {i % 12 + 1}",
                    ["Website"] = $"https://kh{i}.example.vn",
                    ["Ngành nghề"] = "Bán lẻ",
                    ["Nguồn khách hàng"] = reference.Sources.Count > 0 ? reference.Sources[i % reference.Sources.Count] : null,
                    ["Nhóm khách hàng"] = reference.Groups.Count > 0 ? reference.Groups[i % reference.Groups.Count] : null,
                    ["Mối quan hệ"] = reference.Relationships.Count > 0 ? reference.Relationships[i % reference.Relationships.Count] : null,
                };
            }
        }

        _ = updateEvery;
        using var ms = new MemoryStream();
        ms.SaveAs(Rows(), excelType: ExcelType.XLSX);
        return ms.ToArray();
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
