using System.Diagnostics;
using System.Globalization;
using System.Net;
using CrmBlazor.Data;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Api;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CrmBlazor.Benchmarks;

/// <summary>
/// REST API load (issue #8): the real app on Kestrel over the bench database; N concurrent clients send
/// GET /api/v1/customers?search=… with a personal access token for a fixed time, rotating over realistic search terms.
/// Reports requests, requests per second, p50/p95/p99 latency and errors (anything but 200), for the bench admin
/// (view all) and for an own-scope salesperson (or the narrowest department manager the data has); optionally the same load from wrk. The rate limit is lifted.
/// </summary>
public static class ApiBench
{
    /// <summary>Unmeasured load before each measured run.</summary>
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(5);

    public sealed record Result(string Label, long Requests, long Errors, double Seconds, double P50, double P95, double P99, double Max,
        IReadOnlyList<(string Term, int Count, double P50, double P95)> PerTerm)
    {
        public double PerSecond => Requests / Seconds;
    }

    public static async Task<IReadOnlyList<Result>> RunAsync(string dbPath, BenchData.Result data, int clients, TimeSpan duration, bool wrk)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Database:Provider"] = "Sqlite",
            ["ConnectionStrings:Crm"] = $"Data Source={dbPath};Pooling=True",
            ["Admin:Password"] = "CrmAdmin@2026",
            ["Demo:Enabled"] = "false",
            ["Api:RequestsPerMinute"] = int.MaxValue.ToString(CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Error",
            ["Logging:LogLevel:Microsoft.AspNetCore.DataProtection"] = "Error",
        };
        Console.WriteLine("api: starting the app on Kestrel over the bench database…");
        await using var app = new BenchApp(settings);
        var dbFactory = app.Services.GetRequiredService<IDbContextFactory<CrmDbContext>>();
        var narrow = await NarrowUserAsync(dbFactory, data);
        var adminToken = await TokenAsync(app, dbFactory, data.AdminUserId);
        var narrowToken = await TokenAsync(app, dbFactory, narrow.UserId);
        var terms = await TermsAsync(dbFactory);
        Console.WriteLine($"api: {app.Address}, {clients} clients × {duration.TotalSeconds:N0} s each run; terms: {string.Join(" · ", terms)}");

        var results = new List<Result>();
        foreach (var (label, token) in new[] { ("bench admin (view all)", adminToken), (narrow.Label, narrowToken) })
        {
            results.Add(await LoadAsync(label, app.Address, token, terms, clients, duration));
            Print(results[^1]);
        }

        if (wrk)
        {
            await WrkAsync(app.Address, adminToken, terms, clients, duration);
        }

        return results;
    }

    private static void Print(Result r)
    {
        Console.WriteLine();
        Console.WriteLine($"api GET /api/v1/customers?search=… as {r.Label}: {r.Requests:N0} requests in {r.Seconds:N1} s = {r.PerSecond:N1} req/s; " +
                          $"p50 {r.P50:N1} ms, p95 {r.P95:N1} ms, p99 {r.P99:N1} ms, max {r.Max:N1} ms; errors (not 200) {r.Errors:N0}");
        foreach (var t in r.PerTerm)
        {
            Console.WriteLine($"    {"'" + t.Term + "'",-22} {t.Count,7:N0} requests  p50 {t.P50,8:N1} ms  p95 {t.P95,8:N1} ms");
        }
    }

    /// <summary>
    /// A salesperson who sees only their own customers (R7.3); data generated with few users has none (every user
    /// manages a department), so then a manager of a leaf department, who sees that department's customers.
    /// </summary>
    private static async Task<(string UserId, string Label)> NarrowUserAsync(IDbContextFactory<CrmDbContext> dbFactory, BenchData.Result data)
    {
        (string Id, int Depth)? leaf = null;
        foreach (var id in data.UserIds)
        {
            var access = await CurrentUser.LoadAsync(dbFactory, id);
            if (access is null)
            {
                continue;
            }

            if (CustomerScope.LevelOf(access.Rights) == VisibilityLevel.Own)
            {
                return (id, "own-scope salesperson");
            }

            var depth = data.UserDepartments[id].Depth;
            if (CustomerScope.LevelOf(access.Rights) == VisibilityLevel.SubDepartment && (leaf is null || depth > leaf.Value.Depth))
            {
                leaf = (id, depth);
            }
        }

        return leaf is { } l
            ? (l.Id, $"leaf-department manager (no own-scope user in this data; sees one level-{l.Depth} department)")
            : throw new InvalidOperationException("The bench data has no salesperson or department manager.");
    }

    private static async Task<string> TokenAsync(BenchApp app, IDbContextFactory<CrmDbContext> dbFactory, string userId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var user = await CurrentUser.LoadAsync(dbFactory, userId) ?? throw new InvalidOperationException("No bench user " + userId);
        return await scope.ServiceProvider.GetRequiredService<AccessTokenService>().CreateAsync(user, "api bench");
    }

    /// <summary>Names without diacritics, a phone prefix, a customer code and an email fragment that exist in the data.</summary>
    private static async Task<string[]> TermsAsync(IDbContextFactory<CrmDbContext> dbFactory)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var max = await db.Customers.MaxAsync(c => c.Id);
        var email = await db.Customers.Where(c => c.Id >= max / 3 && c.Email != null).OrderBy(c => c.Id).Select(c => c.Email!).FirstAsync();
        return ["nguyen thi anh", "tran minh", "0912", CustomerCode.FromId(max / 2), email[..email.IndexOf('@', StringComparison.Ordinal)], "le van hung"];
    }

    private static async Task<Result> LoadAsync(string label, string address, string token, string[] terms, int clients, TimeSpan duration)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = new Uri(address),
            Timeout = TimeSpan.FromSeconds(60),
        };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        var paths = terms.Select(t => "/api/v1/customers?search=" + Uri.EscapeDataString(t)).ToArray();

        // Warm-up: every term once (plans, caches, JIT; a failure stops the bench), not measured.
        foreach (var path in paths)
        {
            using var warm = await http.GetAsync(path);
            if (warm.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"{path} answered {(int)warm.StatusCode} during the warm-up.");
            }
        }

        // Then the full load for a while, not measured either: the database pages of a cold file come in from disk.
        await LoopsAsync(http, paths, clients, WarmUp);
        var (all, seconds) = await LoopsAsync(http, paths, clients, duration);

        var sorted = all.Select(s => s.Ms).Order().ToArray();
        var perTerm = terms.Select((t, i) =>
        {
            var times = all.Where(s => s.Term == i).Select(s => s.Ms).Order().ToArray();
            return (t, times.Length, Percentile(times, 0.50), Percentile(times, 0.95));
        }).ToList();
        return new Result(label, all.Count, all.Count(s => !s.Ok), seconds, Percentile(sorted, 0.50), Percentile(sorted, 0.95), Percentile(sorted, 0.99),
            sorted.Length == 0 ? double.NaN : sorted[^1], perTerm);
    }

    /// <summary><paramref name="clients"/> loops, each sending its next request when the last one is answered, for <paramref name="duration"/>.</summary>
    private static async Task<(List<(int Term, double Ms, bool Ok)> Samples, double Seconds)> LoopsAsync(HttpClient http, string[] paths, int clients, TimeSpan duration)
    {
        var samples = new List<(int Term, double Ms, bool Ok)>[clients];
        var watch = Stopwatch.StartNew();
        var loops = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            var mine = samples[c] = new List<(int, double, bool)>(4096);
            for (var i = c; watch.Elapsed < duration; i++)
            {
                var term = i % paths.Length;
                var start = Stopwatch.GetTimestamp();
                bool ok;
                try
                {
                    using var response = await http.GetAsync(paths[term], HttpCompletionOption.ResponseContentRead);
                    ok = response.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    ok = false;
                }
                catch (TaskCanceledException)
                {
                    ok = false;
                }

                mine.Add((term, Stopwatch.GetElapsedTime(start).TotalMilliseconds, ok));
            }
        })).ToArray();
        await Task.WhenAll(loops);
        return (samples.SelectMany(s => s).ToList(), watch.Elapsed.TotalSeconds);
    }

    private static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(sorted.Length * q) - 1, 0, sorted.Length - 1)];

    /// <summary>The same load from wrk (out of this process), when it is installed: 2 threads, <paramref name="clients"/> connections.</summary>
    private static async Task WrkAsync(string address, string token, string[] terms, int clients, TimeSpan duration)
    {
        var script = Path.Combine(Path.GetTempPath(), $"crm-api-bench-{Guid.NewGuid():N}.lua");
        var paths = string.Join(", ", terms.Select(t => "\"/api/v1/customers?search=" + Uri.EscapeDataString(t) + "\""));
        await File.WriteAllTextAsync(script, $$"""
            local paths = { {{paths}} }
            local n = 0
            request = function()
              n = n + 1
              return wrk.format("GET", paths[(n % #paths) + 1], { ["Authorization"] = "Bearer {{token}}" })
            end
            done = function(summary, latency, requests)
              io.write(string.format("wrk summary: %d requests, %.1f req/s, p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, non-2xx %d, socket errors %d\n",
                summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(95) / 1000,
                latency:percentile(99) / 1000, summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
            end
            """);
        try
        {
            var start = new ProcessStartInfo("wrk", ["-t2", $"-c{clients}", $"-d{(int)duration.TotalSeconds}s", "--timeout", "30s", "-s", script, address])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start.");
            var output = await process.StandardOutput.ReadToEndAsync();
            var errors = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Console.WriteLine();
            Console.WriteLine($"api with wrk (-t2 -c{clients} -d{(int)duration.TotalSeconds}s, bench admin):");
            Console.WriteLine(output + errors);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Console.WriteLine("api: wrk is not installed (apt-get install -y wrk); only the in-process clients ran.");
        }
        finally
        {
            File.Delete(script);
        }
    }
}
