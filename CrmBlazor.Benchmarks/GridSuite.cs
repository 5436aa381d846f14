using System.Diagnostics;
using CrmBlazor.Features.Customers;
using CrmBlazor.Security;
using MiniExcelLibs;

namespace CrmBlazor.Benchmarks;

/// <summary>
/// The "grid" suite (issue 4): quick search first page, a deep page sorted by name, the three counters, for an admin
/// (view all) and a salesperson (own scope); and an export of 100,000 rows (time and peak memory).
/// </summary>
internal static class GridSuite
{
    public static async Task RunAsync(CustomerService service, UserAccess admin, UserAccess seller, int runs,
        Func<int, Func<Task<object>>, Task<Stats>> measure, List<(string Name, Stats Stats)> results)
    {
        results.Add(("grid: search 'nguyen' first page (all)", await measure(runs, async () => await service.ListAsync(admin, new CustomerListQuery { Search = "nguyen", PageSize = 25 }))));
        results.Add(("grid: search 'nguyen thi anh' first page (all)", await measure(runs, async () => await service.ListAsync(admin, new CustomerListQuery { Search = "nguyen thi anh", PageSize = 25 }))));
        results.Add(("grid: search '0912' first page (all)", await measure(runs, async () => await service.ListAsync(admin, new CustomerListQuery { Search = "0912", PageSize = 25 }))));
        results.Add(("grid: search 'nguyen' first page (own)", await measure(runs, async () => await service.ListAsync(seller, new CustomerListQuery { Search = "nguyen", PageSize = 25 }))));
        results.Add(("grid: page 1,000 by name (all)", await measure(runs, async () => await service.ListAsync(admin, new CustomerListQuery { Page = 999, PageSize = 25 }))));
        results.Add(("grid: page 1,000 by name desc (all)", await measure(runs, async () => await service.ListAsync(admin, new CustomerListQuery { Page = 999, PageSize = 25, Descending = true }))));
        results.Add(("grid: three counters (all)", await measure(runs, async () => await service.CountersAsync(admin))));
        results.Add(("grid: three counters (own)", await measure(runs, async () => await service.CountersAsync(seller))));

        var path = Path.Combine(Path.GetTempPath(), $"bench-export-{Guid.NewGuid():N}.xlsx");
        GC.Collect();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var before = process.WorkingSet64;
        long peak = before;
        using var sampler = new Timer(_ =>
        {
            process.Refresh();
            peak = Math.Max(peak, process.WorkingSet64);
        }, null, 0, 20);
        var start = Stopwatch.GetTimestamp();
        await Task.Run(() => MiniExcel.SaveAs(path, service.ExportRows(admin, new CustomerListQuery()).Take(100_000), excelType: ExcelType.XLSX, overwriteFile: true));
        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        var size = new FileInfo(path).Length;
        File.Delete(path);
        Console.WriteLine($"grid: export 100,000 rows to .xlsx: {elapsed:N0} ms, file {size / 1024.0 / 1024.0:N1} MB, working set before {before / 1048576.0:N0} MB, peak during {peak / 1048576.0:N0} MB (+{(peak - before) / 1048576.0:N0} MB)");
    }
}
