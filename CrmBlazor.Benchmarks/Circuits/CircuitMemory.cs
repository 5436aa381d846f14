using System.Globalization;

namespace CrmBlazor.Benchmarks.Circuits;

/// <summary>
/// circuit-memory: what one idle circuit holds, page by page. The app in its own process on the demo data; for each page,
/// N circuits of admin are opened and left idle, and the managed heap held after a full collection (POST /health/collect)
/// is compared with the heap before they opened. Prints KB per circuit; asserts nothing.
/// </summary>
public static class CircuitMemory
{
    public static async Task RunAsync(int circuits)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(30));
        var ct = cts.Token;
        var (app, db) = await CircuitApps.StartSqliteAsync("memory");
        await using var _ = app;
        using var admin = await BlazorCircuitClient.SignInAsync(app.BaseAddress, "admin", CircuitApps.AdminPassword, ct);
        using var writer = new ApiWriter(app.BaseAddress, await CircuitApps.TokenAsync(db, "admin"));
        var customer = (await writer.FirstPageAsync(1, ct))[0];
        var pages = new[] { "/updates", "/settings", "/customers", "/board", $"/customers/{customer.Id}" };
        Console.WriteLine($"circuit-memory: {circuits} idle circuits per page, admin, {app.BaseAddress}");
        Console.WriteLine($"{"page",-24} {"KB per circuit (held heap)",28} {"KB first render received",26}");
        foreach (var page in pages)
        {
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
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }

            await Task.Delay(TimeSpan.FromSeconds(2), ct);
        }
    }
}
