using System.Diagnostics;
using CrmBlazor.Data;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Features.Customers;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Benchmarks;

/// <summary>
/// The duplicate finder (#22, R6.4) on the bench database with 5% of customers given their neighbour's phone: the first
/// page (p95) and a full scan through every page, each beside its floor — the same grouping in the sqlite3 shell on the
/// same file, in the same run.
/// </summary>
public static class DuplicateBench
{
    public static async Task<List<(string Name, Stats Stats)>> RunAsync(IDbContextFactory<CrmDbContext> factory, string dbPath, UserAccess admin, int runs,
        Func<int, Func<Task<int>>, Task<Stats>> measure)
    {
        await using (var db = await factory.CreateDbContextAsync())
        {
            // Every 20th customer takes the phone of the one before it: 5% duplicates (idempotent).
            await db.Database.ExecuteSqlRawAsync(
                "UPDATE Customers SET Phone = (SELECT p.Phone FROM Customers p WHERE p.Id = Customers.Id - 1) WHERE Id % 20 = 0 AND Id > 1");
        }

        var service = new CustomerService(factory, TimeProvider.System);
        var results = new List<(string, Stats)>
        {
            ("duplicates: first page of 20 groups by phone (view all)", await measure(runs, async () => (await service.DuplicateGroupsAsync(admin, DuplicateKind.Phone)).Groups.Count)),
        };
        var scans = Math.Max(1, Math.Min(runs, 3));
        results.Add(("duplicates: full scan, every page of 200 groups by phone", await measure(scans, async () =>
        {
            string? after = null;
            var groups = 0;
            do
            {
                var page = await service.DuplicateGroupsAsync(admin, DuplicateKind.Phone, after, CustomerService.MaxPageSize);
                groups += page.Groups.Count;
                after = page.NextAfter;
            }
            while (after is not null);
            return groups;
        })));
        const string group = "SELECT Phone, COUNT(*) FROM Customers WHERE NOT IsDeleted AND Phone IS NOT NULL GROUP BY Phone HAVING COUNT(*) > 1 ORDER BY Phone";
        Console.WriteLine($"floor, sqlite3 same file: first page {Sqlite3Ms(dbPath, group + " LIMIT 21;"):N1} ms; full grouping {Sqlite3Ms(dbPath, "SELECT COUNT(*) FROM (" + group + ");"):N1} ms");
        return results;
    }

    /// <summary>Wall time of one query in the sqlite3 shell (its own ".timer" real time).</summary>
    private static double Sqlite3Ms(string dbPath, string sql)
    {
        // Through stdin: the shell times statements it reads, not those given as arguments.
        var start = new ProcessStartInfo("sqlite3", [dbPath]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("sqlite3 did not start (apt-get install sqlite3).");
        process.StandardInput.WriteLine(".timer on");
        process.StandardInput.WriteLine(sql);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var line = output.Split('\n').LastOrDefault(l => l.StartsWith("Run Time:", StringComparison.Ordinal)) ?? "Run Time: real -1";
        var real = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3];
        return double.Parse(real, System.Globalization.CultureInfo.InvariantCulture) * 1000;
    }
}
