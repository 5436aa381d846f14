using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CrmBlazor.Data;
using CrmBlazor.Domain.Common;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Benchmarks.Circuits;

/// <summary>
/// circuits: live collaboration with many real Blazor Server circuits (headless <see cref="BlazorCircuitClient"/>s),
/// the app in separate processes. V viewers spread over the grid (/customers), the board (/board) and detail pages
/// (/customers/{id}) of admin and two sales managers, all showing a handful of the same customers (admin's first grid
/// page, owned by the north team, so also on the managers' first pages and the first page of their board column).
/// One writer changes the phone of one of them per save through the REST API (PUT with the version it read; a new
/// number, so the order stays) and waits until every viewer that showed that customer received a render batch with
/// the new phone's display form. Reports the save's round trip, the time until every viewer showed it, missed
/// viewers, live events delivered per save (GET /health, when the app reports them), the app's CPU time during the
/// saves and its working set growth per open circuit by page. One instance on SQLite, then two on PostgreSQL + Redis
/// (viewers spread over both, the writer on the first). Asserts nothing.
/// </summary>
public static class CircuitBench
{
    /// <summary>Customers written in turn (fewer when admin's first page has fewer north-team customers with a phone).</summary>
    private const int TargetCount = 4;

    /// <summary>How long after the save answered a viewer may take before it counts as missed.</summary>
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Circuits opened at once (each is a prerendered GET plus a circuit start on a 2-core machine).</summary>
    private const int ConnectParallelism = 4;

    /// <summary>
    /// Saves before the first measured level, with a few viewers and then with none: enough for the save path's methods to
    /// reach their optimised code before anything is measured.
    /// </summary>
    private const int WarmUpSaves = 40;

    private static long _nextPhone = 100_000 + DateTimeOffset.UtcNow.ToUnixTimeSeconds() % 800_000;

    private enum Kind
    {
        Grid,
        Board,
        Detail,
    }

    private sealed class Viewer(BlazorCircuitClient client, Kind kind, int instance)
    {
        public BlazorCircuitClient Client { get; } = client;
        public Kind Kind { get; } = kind;
        public int Instance { get; } = instance;
        public HashSet<int> Shows { get; } = [];
    }

    private sealed record Row(string Setup, int V, int Grid, int Board, int Detail, int Saves, int SaveErrors, double SaveP50, double SaveP95,
        double AllP50, double AllP95, double AllP99, double ViewerP50, double ViewerP95, long Expected, long Missed, int FailedCircuits,
        string EventsPerSave, double CpuSeconds, double? KibGrid, double? KibBoard, double? KibDetail, double? KbSaveGrid, double? KbSaveBoard, double? KbSaveDetail,
        GcTotals? Gc, double AppP50, double AppP95);

    public static async Task RunAsync(IReadOnlyList<int> viewerCounts, int runs, bool scaleOut, bool single = true)
    {
        Console.WriteLine($"circuits: viewers {string.Join(", ", viewerCounts)} · {runs} saves each · " +
                          $"{(single ? "one instance (SQLite)" : "")}{(single && scaleOut ? ", then " : "")}{(scaleOut ? "two (PostgreSQL + Redis)" : "")}");
        var rows = new List<Row>();
        if (single)
        {
            try
            {
                rows.AddRange(await SingleAsync(viewerCounts, runs));
            }
            catch (Exception ex)
            {
                Console.WriteLine($"circuits: the one-instance run failed: {ex}");
            }
        }

        if (scaleOut)
        {
            try
            {
                rows.AddRange(await ScaleOutAsync(viewerCounts, runs));
            }
            catch (Exception ex)
            {
                Console.WriteLine($"circuits: the two-instance run failed: {ex}");
            }
        }

        Print(rows);
    }

    private static async Task<List<Row>> SingleAsync(IReadOnlyList<int> viewerCounts, int runs)
    {
        Console.WriteLine("circuits: one instance, SQLite: starting the app (separate process)…");
        var (app, db) = await CircuitApps.StartSqliteAsync("circuits-sqlite");
        await using var _ = app;
        Console.WriteLine($"circuits: app pid {app.Pid} at {app.BaseAddress} (log {app.LogPath})");
        return await MeasureAsync("1 × SQLite", [app], db, viewerCounts, runs);
    }

    private static async Task<List<Row>> ScaleOutAsync(IReadOnlyList<int> viewerCounts, int runs)
    {
        var server = Environment.GetEnvironmentVariable("CRM_BENCH_POSTGRES") ?? "Host=127.0.0.1;Port=5432;Username=crm;Password=crm";
        // Two instances share one server (100 connections by default): each instance's pool stays well under half of it,
        // and a burst of circuit refreshes waits for a pooled connection instead of being refused by the server.
        var connection = server + ";Database=crm_bench_circuits;Maximum Pool Size=40";
        var redisPort = int.Parse(Environment.GetEnvironmentVariable("CRM_BENCH_REDIS_PORT") ?? "6391", CultureInfo.InvariantCulture);
        if (!await ListeningAsync(5432))
        {
            throw new InvalidOperationException("PostgreSQL is not listening on 127.0.0.1:5432 (pg_ctlcluster 15 main start; role crm/crm with CREATEDB, see test.sh).");
        }

        Process? redis = null;
        if (!await ListeningAsync(redisPort))
        {
            // A Redis of the bench's own, ended with it.
            Console.WriteLine($"circuits: starting redis-server on 127.0.0.1:{redisPort} for the run…");
            redis = Process.Start(new ProcessStartInfo("redis-server", ["--port", redisPort.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            {
                RedirectStandardOutput = true,
                UseShellExecute = false,
            }) ?? throw new InvalidOperationException("redis-server did not start (apt-get install -y redis-server).");
            redis.OutputDataReceived += (_, _) => { };
            redis.BeginOutputReadLine();
            for (var i = 0; i < 50 && !await ListeningAsync(redisPort); i++)
            {
                await Task.Delay(100);
            }
        }

        try
        {
            var env = CircuitApps.PostgresEnvironment(connection, $"127.0.0.1:{redisPort}");
            Console.WriteLine("circuits: two instances, PostgreSQL + Redis: starting the first (it seeds crm_bench_circuits when empty)…");
            await using var one = await AppProcess.StartAsync("circuits-pg-1", env, CircuitApps.LogFolder, TimeSpan.FromMinutes(20));
            Console.WriteLine("circuits: starting the second…");
            await using var two = await AppProcess.StartAsync("circuits-pg-2", env, CircuitApps.LogFolder, TimeSpan.FromMinutes(5));
            Console.WriteLine($"circuits: app pids {one.Pid}, {two.Pid} at {one.BaseAddress}, {two.BaseAddress}");
            return await MeasureAsync("2 × PG+Redis", [one, two], new PgFactory(connection), viewerCounts, runs);
        }
        finally
        {
            if (redis is not null)
            {
                redis.Kill();
                await redis.WaitForExitAsync();
                redis.Dispose();
            }
        }
    }

    private static async Task<List<Row>> MeasureAsync(string setup, IReadOnlyList<AppProcess> apps, IDbContextFactory<CrmDbContext> db,
        IReadOnlyList<int> viewerCounts, int runs)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromHours(3));
        var ct = cts.Token;
        using var writer = new ApiWriter(apps[0].BaseAddress, await CircuitApps.TokenAsync(db, "admin"));
        var targets = await TargetsAsync(writer, ct);
        Console.WriteLine($"circuits: written customers: {string.Join(" · ", targets.Select(t => $"{t.Name} ({t.Code}, {PhoneNormalizer.ToDisplay(t.Phone)})"))}");

        // Every viewer user signed in on every instance (each instance checks the cookie; the data protection keys are shared).
        var users = new List<CircuitUser[]>();
        try
        {
            foreach (var app in apps)
            {
                var signedIn = new List<CircuitUser>();
                foreach (var (name, password) in CircuitApps.ViewerUsers)
                {
                    signedIn.Add(await BlazorCircuitClient.SignInAsync(app.BaseAddress, name, password, ct));
                }

                users.Add([.. signedIn]);
            }

            // Warm-up, not measured: one viewer of each page per instance, a few saves.
            Console.WriteLine($"circuits [{setup}]: warm-up ({apps.Count * 3} viewers, {WarmUpSaves} saves)…");
            await LevelAsync(setup, apps, users, writer, targets, apps.Count * 3, WarmUpSaves / 2, quiet: true, ct);
            await LevelAsync(setup, apps, users, writer, targets, 0, WarmUpSaves / 2, quiet: true, ct);
            await QuietAsync(setup, apps, ct);

            var rows = new List<Row>();
            foreach (var v in viewerCounts)
            {
                var row = await LevelAsync(setup, apps, users, writer, targets, v, runs, quiet: false, ct);
                rows.Add(row);
                Print([row]);
            }

            return rows;
        }
        finally
        {
            foreach (var u in users.SelectMany(u => u))
            {
                u.Dispose();
            }
        }
    }

    /// <summary>
    /// Waits until the apps' start-up work is done (their CPU time grows by under 3 % of a core over two seconds, at most two
    /// minutes): measured right after the warm-up, the first level's saves shared the cores with the app's own background
    /// work and ran slower than the same level later.
    /// </summary>
    private static async Task QuietAsync(string setup, IReadOnlyList<AppProcess> apps, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromMinutes(2))
        {
            var before = apps.Sum(a => a.CpuSeconds());
            await Task.Delay(TimeSpan.FromSeconds(2), ct);
            if (apps.Sum(a => a.CpuSeconds()) - before < 0.06)
            {
                break;
            }
        }

        Console.WriteLine($"circuits [{setup}]: the apps were quiet after {watch.Elapsed.TotalSeconds:N0} s");
    }

    /// <summary>What the apps hold: their managed heaps after a full collection when they offer it (idle circuits measured
    /// without the garbage a working set also counts), else their working sets.</summary>
    private static async Task<double> HeldKibAsync(IReadOnlyList<AppProcess> apps, CancellationToken ct)
    {
        double total = 0;
        foreach (var app in apps)
        {
            total += await app.HeldHeapBytesAsync(ct) is long bytes ? bytes / 1024.0 : app.RssKib();
        }

        return total;
    }

    /// <summary>Admin's first grid page, customers of the north team with a phone: every viewer user sees them on their first page.</summary>
    private static async Task<List<ApiWriter.Customer>> TargetsAsync(ApiWriter writer, CancellationToken ct)
    {
        var names = await writer.UserNamesAsync(ct);
        var page = await writer.FirstPageAsync(25, ct);
        var targets = page.Where(c => c.Phone is not null && c.OwnerId is not null && names.TryGetValue(c.OwnerId, out var owner) && CircuitApps.NorthTeam.Contains(owner))
            .Take(TargetCount).ToList();
        return targets.Count > 0 ? targets : throw new InvalidOperationException("Admin's first grid page has no north-team customer with a phone.");
    }

    private static async Task<Row> LevelAsync(string setup, IReadOnlyList<AppProcess> apps, List<CircuitUser[]> users, ApiWriter writer,
        List<ApiWriter.Customer> targets, int v, int runs, bool quiet, CancellationToken ct)
    {
        var viewers = new List<Viewer>();
        var kib = new Dictionary<Kind, double?>();
        try
        {
            // Grid, board, detail in turn; users and instances in turn; detail pages over the written customers.
            var plan = Enumerable.Range(0, v).Select(i => (Kind: (Kind)(i % 3), User: i / 3 % CircuitApps.ViewerUsers.Length, Instance: i % apps.Count,
                Target: targets[i / 3 % targets.Count])).ToList();
            foreach (var kind in Enum.GetValues<Kind>())
            {
                var group = plan.Where(p => p.Kind == kind).ToList();
                if (group.Count == 0)
                {
                    kib[kind] = null;
                    continue;
                }

                var before = await HeldKibAsync(apps, ct);
                var opened = await OpenAsync(group.Select(p => (users[p.Instance][p.User], kind, p.Instance, PagePath(kind, p.Target.Id))).ToList(), ct);
                viewers.AddRange(opened);
                await Task.WhenAll(opened.Select(o => o.Client.WaitForQuietAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), ct)));
                await Task.Delay(TimeSpan.FromSeconds(2), ct);
                kib[kind] = (await HeldKibAsync(apps, ct) - before) / group.Count;
            }

            // Which written customers each viewer shows: the current phone's display form in its batches so far.
            foreach (var viewer in viewers)
            {
                foreach (var t in targets.Where(t => viewer.Client.HasSeen(PhoneNormalizer.ToDisplay(t.Phone))))
                {
                    viewer.Shows.Add(t.Id);
                }

                viewer.Client.StopRecording();
            }

            if (!quiet)
            {
                Console.WriteLine($"circuits [{setup}] V={v}: opened {viewers.Count(x => x.Kind == Kind.Grid)} grid, {viewers.Count(x => x.Kind == Kind.Board)} board, " +
                                  $"{viewers.Count(x => x.Kind == Kind.Detail)} detail circuits; viewers showing each written customer: " +
                                  string.Join(", ", targets.Select(t => $"{t.Code} {viewers.Count(x => x.Shows.Contains(t.Id))}")) +
                                  $"; failed circuits {viewers.Count(x => x.Client.Failed)}");
                foreach (var kind in Enum.GetValues<Kind>())
                {
                    var silent = viewers.Where(x => x.Kind == kind && x.Shows.Count == 0).ToList();
                    if (silent.Count > 0)
                    {
                        Console.WriteLine($"  note: {silent.Count} {kind} viewer(s) show none of the written customers (e.g. {silent[0].Client.Label})");
                    }
                }
            }

            var live0 = await writer.LiveAsync(ct);
            var cpu0 = apps.Sum(a => a.CpuSeconds());
            var gc0 = await GcAsync(apps, ct);
            var bytes0 = viewers.ToDictionary(x => x, x => x.Client.BytesReceived);
            var saves = new List<double>();
            var savesInGc = new List<double>();
            var savesClear = new List<double>();
            var savesInApp = new List<double>();
            var all = new List<double>();
            var each = new List<double>();
            long expected = 0, missed = 0;
            var saveErrors = 0;
            for (var r = 0; r < runs; r++)
            {
                var target = targets[r % targets.Count];
                var current = await writer.GetAsync(target.Id, ct);
                var phone = "0399" + Interlocked.Increment(ref _nextPhone).ToString("D6", CultureInfo.InvariantCulture);
                var display = PhoneNormalizer.ToDisplay(phone);
                var watching = viewers.Where(x => x.Shows.Contains(target.Id) && !x.Client.Failed).ToList();
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var shown = watching.Select(x => x.Client.WaitForTextAsync(display, wait.Token)).ToList();

                // The collections made while this save ran: its time with and without one tells what the pauses cost the writer.
                var collectionsBefore = (await GcAsync(apps, ct))?.Collections;
                var start = Stopwatch.GetTimestamp();
                var (status, serverMs) = await writer.PutPhoneAsync(target.Id, phone, current.Version, ct);
                var saveMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (status != HttpStatusCode.OK)
                {
                    saveErrors++;
                    Console.WriteLine($"  save {r + 1}: PUT answered {(int)status}");
                    await wait.CancelAsync();
                    continue;
                }

                saves.Add(saveMs);
                if (serverMs is double inApp)
                {
                    savesInApp.Add(inApp);
                }
                if (collectionsBefore is int before && (await GcAsync(apps, ct))?.Collections is int after)
                {
                    (after > before ? savesInGc : savesClear).Add(saveMs);
                }

                targets[r % targets.Count] = target with { Phone = phone };
                await Task.WhenAny(Task.WhenAll(shown), Task.Delay(DeliveryTimeout, ct));
                await wait.CancelAsync();
                var times = shown.Where(s => s.IsCompletedSuccessfully).Select(s => Stopwatch.GetElapsedTime(start, s.Result).TotalMilliseconds).ToList();
                expected += shown.Count;
                missed += shown.Count - times.Count;
                each.AddRange(times);
                if (times.Count == shown.Count && times.Count > 0)
                {
                    all.Add(times.Max());
                }

                if (!quiet && (saveMs > 2000 || (r + 1) % 10 == 0 || r == runs - 1))
                {
                    Console.WriteLine($"  [{setup}] V={v} save {r + 1}/{runs}: {saveMs:N0} ms; {times.Count}/{shown.Count} viewers showed it" +
                                      (times.Count > 0 ? $", the last after {times.Max():N0} ms" : ""));
                }
            }

            var cpu = apps.Sum(a => a.CpuSeconds()) - cpu0;
            if (!quiet && savesInGc.Count + savesClear.Count > 0)
            {
                Console.WriteLine($"  [{setup}] V={v}: {savesInGc.Count} of {savesInGc.Count + savesClear.Count} saves ran across a collection " +
                                  $"(p50 {P(savesInGc, 0.50):N0} ms); the others p50 {P(savesClear, 0.50):N0} / p95 {P(savesClear, 0.95):N0} ms");
            }

            var gc1 = await GcAsync(apps, ct);
            if (viewers.Any(x => x.Client.Failed))
            {
                Console.WriteLine($"  [{setup}] V={v}: {viewers.Count(x => x.Client.Failed)} circuit(s) failed; the server's exceptions are in " +
                                  string.Join(", ", apps.Select(a => a.LogPath)));
            }

            // Render batch bytes each viewer received per save, by page (a detail viewer only shows every fourth customer written).
            double? KbPerSave(Kind kind) => viewers.Any(x => x.Kind == kind) && saves.Count > 0
                ? viewers.Where(x => x.Kind == kind).Average(x => (x.Client.BytesReceived - bytes0[x]) / 1024.0 / saves.Count)
                : null;
            var live1 = await writer.LiveAsync(ct);
            var events = live0 is null || live1 is null || live0.Delivered < 0 || saves.Count == 0
                ? "n/a"
                : ((live1.Delivered - live0.Delivered) / (double)saves.Count).ToString("N1", CultureInfo.InvariantCulture);
            return new Row(setup, v, plan.Count(p => p.Kind == Kind.Grid), plan.Count(p => p.Kind == Kind.Board), plan.Count(p => p.Kind == Kind.Detail),
                saves.Count, saveErrors, P(saves, 0.50), P(saves, 0.95), P(all, 0.50), P(all, 0.95), P(all, 0.99), P(each, 0.50), P(each, 0.95),
                expected, missed, viewers.Count(x => x.Client.Failed), events, cpu, kib.GetValueOrDefault(Kind.Grid), kib.GetValueOrDefault(Kind.Board),
                kib.GetValueOrDefault(Kind.Detail), KbPerSave(Kind.Grid), KbPerSave(Kind.Board), KbPerSave(Kind.Detail), gc1 is null || gc0 is null ? null : gc1 - gc0,
                P(savesInApp, 0.50), P(savesInApp, 0.95));
        }
        finally
        {
            await Task.WhenAll(viewers.Select(x => x.Client.DisposeAsync().AsTask()));
            // Let the app dispose the circuits before the next level measures its working set.
            await Task.Delay(TimeSpan.FromSeconds(v > 0 ? 3 : 0), CancellationToken.None);
        }
    }

    private static string PagePath(Kind kind, int customerId) => kind switch
    {
        Kind.Grid => "/customers",
        Kind.Board => "/board",
        _ => $"/customers/{customerId}",
    };

    private static async Task<List<Viewer>> OpenAsync(List<(CircuitUser User, Kind Kind, int Instance, string Path)> group, CancellationToken ct)
    {
        using var gate = new SemaphoreSlim(ConnectParallelism);
        var index = 0;
        var tasks = group.Select(async g =>
        {
            await gate.WaitAsync(ct);
            try
            {
                var label = $"{g.User.UserName}@{g.Instance + 1}#{Interlocked.Increment(ref index)}";
                var client = await BlazorCircuitClient.ConnectAsync(g.User, g.Path, label, ct);
                return new Viewer(client, g.Kind, g.Instance);
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        try
        {
            return [.. await Task.WhenAll(tasks)];
        }
        catch
        {
            // Close those that did open before passing the failure on.
            await Task.WhenAll(tasks.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result.Client.DisposeAsync().AsTask()));
            throw;
        }
    }

    private static double P(List<double> values, double q)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(sorted.Length * q) - 1, 0, sorted.Length - 1)];
    }

    private static async Task<bool> ListeningAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(2));
            return true;
        }
        catch (Exception ex) when (ex is SocketException or TimeoutException)
        {
            return false;
        }
    }

    /// <summary>The collector's totals of every app instance together, or null when one does not offer them.</summary>
    private static async Task<GcTotals?> GcAsync(IReadOnlyList<AppProcess> apps, CancellationToken ct)
    {
        GcTotals? sum = new(0, 0, 0);
        foreach (var app in apps)
        {
            sum = await app.GcAsync(ct) is { } gc ? sum + gc : null;
            if (sum is null)
            {
                return null;
            }
        }

        return sum;
    }

    private static void Print(IReadOnlyList<Row> rows)
    {
        static string Ms(double x) => double.IsNaN(x) ? "-" : x.ToString("N0", CultureInfo.InvariantCulture);
        static string Kb(double? kb) => kb is { } k ? k.ToString("N0", CultureInfo.InvariantCulture) : "-";
        static string Mb(double? kib) => kib is { } k ? (k / 1024).ToString("N2", CultureInfo.InvariantCulture) : "-";
        static string PerSave(Row r, Func<GcTotals, double> of, string format) =>
            r.Gc is { } g && r.Saves > 0 ? (of(g) / r.Saves).ToString(format, CultureInfo.InvariantCulture) : "-";
        Console.WriteLine();
        Console.WriteLine($"{"setup",-13} {"V",4} {"g/b/d",-10} {"saves",5} {"save p50",9} {"p95",7} {"in app p50",10} {"p95",5} {"all shown p50",14} {"p95",7} {"p99",7} " +
                          $"{"viewer p50",10} {"p95",7} {"missed",11} {"events/save",11} {"app CPU s",9} {"CPU/save ms",11} {"MB/circuit grid",15} {"board",6} {"detail",6} {"KB/viewer/save grid",19} {"board",6} {"detail",6} {"alloc MB/save",13} {"GC ms/save",10} {"GCs/save",8}");
        foreach (var r in rows)
        {
            Console.WriteLine($"{r.Setup,-13} {r.V,4} {$"{r.Grid}/{r.Board}/{r.Detail}",-10} {r.Saves,5} {Ms(r.SaveP50),9} {Ms(r.SaveP95),7} {Ms(r.AppP50),10} {Ms(r.AppP95),5} {Ms(r.AllP50),14} {Ms(r.AllP95),7} " +
                              $"{Ms(r.AllP99),7} {Ms(r.ViewerP50),10} {Ms(r.ViewerP95),7} {$"{r.Missed}/{r.Expected}",11} {r.EventsPerSave,11} {r.CpuSeconds,9:N2} " +
                              $"{(r.Saves == 0 ? "-" : (r.CpuSeconds * 1000 / r.Saves).ToString("N0", CultureInfo.InvariantCulture)),11} {Mb(r.KibGrid),15} {Mb(r.KibBoard),6} {Mb(r.KibDetail),6} {Kb(r.KbSaveGrid),19} {Kb(r.KbSaveBoard),6} {Kb(r.KbSaveDetail),6} " +
                              $"{PerSave(r, g => g.AllocatedBytes / 1048576.0, "N1"),13} {PerSave(r, g => g.PauseMs, "N1"),10} {PerSave(r, g => g.Collections, "N2"),8}" +
                              (r.SaveErrors > 0 ? $"  ({r.SaveErrors} saves not 200)" : "") + (r.FailedCircuits > 0 ? $"  ({r.FailedCircuits} circuits failed)" : ""));
        }

        // The issue's yardstick: the writer's p95 with viewers against its p95 with none, measured in the same run (each V > 0
        // against the level without viewers nearest before it, else after it).
        foreach (var (r, i) in rows.Select((r, i) => (r, i)).Where(x => x.r.V > 0))
        {
            var none = rows.Take(i).LastOrDefault(x => x.Setup == r.Setup && x.V == 0) ?? rows.Skip(i).FirstOrDefault(x => x.Setup == r.Setup && x.V == 0);
            if (none is not null && none.SaveP95 > 0)
            {
                Console.WriteLine($"{r.Setup}: writer p95 at V={r.V} ÷ at V=0: {r.SaveP95 / none.SaveP95:N2}× (the app's own timing: {r.AppP95 / none.AppP95:N2}×)");
            }
        }

        Console.WriteLine("times in ms from the start of the save; 'in app': the save as the app timed it (Server-Timing), without the bench's own delays; 'all shown': until every viewer showing that customer received a render batch " +
                          "with the new phone (saves where one missed it are left out and counted in 'missed', viewer×save); MB/circuit: the app's managed heap held per open circuit after a full collection (else VmRSS) " +
                          "KB/viewer/save: render batch bytes a viewer received " +
                          "per save; app CPU: user+system during the saves (both instances when two); alloc MB, GC ms and GCs per save: what the apps allocated, " +
                          "paused for collections (every request waits out a pause, the writer's too) and how many collections they made, during the saves.");
    }
}
