using System.Globalization;

namespace CrmBlazor.Benchmarks.Circuits;

/// <summary>
/// circuit-memory: what one idle circuit holds, page by page. The app in its own process on the demo data; for each page,
/// one circuit is opened and closed (the page's one-time costs), then N circuits of admin are opened and left idle, and the
/// managed heap held after a full collection (POST /health/collect) is compared with the heap before they opened. Prints
/// KB per circuit; asserts nothing.
/// </summary>
public static class CircuitMemory
{
    public static async Task RunAsync(int circuits, IReadOnlyList<string>? only = null, int holdSeconds = 0)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(30));
        var ct = cts.Token;
        var (app, db) = await CircuitApps.StartSqliteAsync("memory");
        await using var _ = app;
        using var admin = await BlazorCircuitClient.SignInAsync(app.BaseAddress, "admin", CircuitApps.AdminPassword, ct);
        using var writer = new ApiWriter(app.BaseAddress, await CircuitApps.TokenAsync(db, "admin"));
        var customer = (await writer.FirstPageAsync(1, ct))[0];
        var pages = new[] { "/updates", "/settings", "/customers", "/board", $"/customers/{customer.Id}" }
            .Where(p => only is null || only.Contains(p.StartsWith("/customers/", StringComparison.Ordinal) ? "detail" : p)).ToList();
        Console.WriteLine($"circuit-memory: {circuits} idle circuits per page, admin, {app.BaseAddress}");
        Console.WriteLine($"{"page",-24} {"KB per circuit (held heap)",28} {"KB first render received",26}");
        foreach (var page in pages)
        {
            // One circuit of the page first, closed again: what the first visit of a page costs the process once (code
            // compiled, query plans, interop type metadata) is not any circuit's to hold.
            await using (var warm = await BlazorCircuitClient.ConnectAsync(admin, page, $"{page} warm-up", ct))
            {
                await warm.WaitForQuietAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), ct);
            }

            await Task.Delay(TimeSpan.FromSeconds(2), ct);
            var before = await app.HeldHeapBytesAsync(ct) ?? throw new InvalidOperationException("The app does not offer /health/collect.");
            var clients = new List<BlazorCircuitClient>();
            for (var i = 0; i < circuits; i++)
            {
                var client = await BlazorCircuitClient.ConnectAsync(admin, page, $"{page} #{i}", ct);
                await client.WaitForQuietAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), ct);
                clients.Add(client);
            }

            await Task.Delay(TimeSpan.FromSeconds(2), ct);
            var after = await app.HeldHeapBytesAsync(ct) ?? 0;
            var received = clients.Average(c => c.BytesReceived) / 1024;
            Console.WriteLine($"{page,-24} {((after - before) / 1024.0 / circuits).ToString("N0", CultureInfo.InvariantCulture),28} {received.ToString("N0", CultureInfo.InvariantCulture),26}");
            using (var census = await app.ComponentCensusAsync(ct))
            {
                PrintCensus(census);
            }

            if (holdSeconds > 0)
            {
                Console.WriteLine($"holding {page} for {holdSeconds} s (dotnet-dump collect -p <app pid>)");
                await Task.Delay(TimeSpan.FromSeconds(holdSeconds), ct);
            }

            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }

            await Task.Delay(TimeSpan.FromSeconds(2), ct);
        }
    }

    /// <summary>The components one circuit of the page holds, most render-tree frames first: where its memory goes.</summary>
    private static void PrintCensus(System.Text.Json.JsonDocument? census)
    {
        var n = census?.RootElement.GetProperty("circuits").GetInt32() ?? 0;
        if (census is null || n == 0)
        {
            return;
        }

        var components = census.RootElement.GetProperty("components").EnumerateArray().ToList();
        Console.WriteLine($"    {components.Sum(c => c.GetProperty("count").GetInt32()) / (double)n,6:N0} components, {components.Sum(c => c.GetProperty("frames").GetInt64()) / (double)n,8:N0} frames per circuit; the most frames:");
        foreach (var c in components.Take(12))
        {
            var count = c.GetProperty("count").GetInt32();
            Console.WriteLine($"    {c.GetProperty("type").GetString(),-40} {count / (double)n,6:N1} × {c.GetProperty("frames").GetInt64() / (double)n,8:N0} frames held, {c.GetProperty("used").GetInt64() / (double)count,6:N0} used each");
        }
    }
}
