using System.Diagnostics;
using System.Net;
using CrmBlazor.Domain.Common;

namespace CrmBlazor.Benchmarks.Circuits;

/// <summary>
/// circuit-smoke: the app in its own process on a fresh copy of the demo database; admin opens /customers in a
/// headless circuit (then /board and that customer's detail page in two more); a customer of the first page gets a new
/// phone through the REST API; prints how long until each circuit received a render batch showing the new phone in
/// display form. Asserts nothing; a failure says where.
/// </summary>
public static class CircuitSmoke
{
    public static async Task RunAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(30));
        var ct = cts.Token;
        Console.WriteLine("circuit-smoke: starting the app (separate process, SQLite demo data)…");
        var (app, db) = await CircuitApps.StartSqliteAsync("smoke");
        await using var _ = app;
        Console.WriteLine($"circuit-smoke: app pid {app.Pid} at {app.BaseAddress} (log {app.LogPath})");

        using var admin = await BlazorCircuitClient.SignInAsync(app.BaseAddress, "admin", CircuitApps.AdminPassword, ct);
        var connecting = Stopwatch.StartNew();
        await using var client = await BlazorCircuitClient.ConnectAsync(admin, "/customers", "admin /customers", ct);
        Console.WriteLine($"circuit-smoke: circuit started in {connecting.Elapsed.TotalMilliseconds:N0} ms");
        var quiet = await client.WaitForQuietAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), ct);
        Console.WriteLine($"circuit-smoke: page loaded{(quiet ? "" : " (still rendering after 30 s)")}: {client.Batches} batches, {client.BytesReceived:N0} bytes, {client.JsCalls} JS calls answered");

        using var writer = new ApiWriter(app.BaseAddress, await CircuitApps.TokenAsync(db, "admin"));
        var page = await writer.FirstPageAsync(25, ct);
        var target = page.FirstOrDefault(c => c.Phone is not null && client.HasSeen(PhoneNormalizer.ToDisplay(c.Phone)))
            ?? throw new InvalidOperationException("No customer of the first page shows its phone in the circuit's render batches: " +
                                                   string.Join(", ", page.Take(5).Select(c => $"{c.Name} {PhoneNormalizer.ToDisplay(c.Phone)}")));
        Console.WriteLine($"circuit-smoke: the circuit shows {target.Name} ({target.Code}) with {PhoneNormalizer.ToDisplay(target.Phone)} " +
                          $"(also the name in UTF-8: {client.HasSeen(target.Name)})");
        client.StopRecording();

        // The same customer on the board and on its detail page, in two more circuits.
        await using var board = await BlazorCircuitClient.ConnectAsync(admin, "/board", "admin /board", ct);
        await using var detail = await BlazorCircuitClient.ConnectAsync(admin, $"/customers/{target.Id}", $"admin /customers/{target.Id}", ct);
        await Task.WhenAll(board.WaitForQuietAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), ct), detail.WaitForQuietAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), ct));
        var viewers = new List<BlazorCircuitClient> { client };
        foreach (var other in new[] { board, detail })
        {
            var shows = other.HasSeen(PhoneNormalizer.ToDisplay(target.Phone));
            Console.WriteLine($"circuit-smoke: {other.Label}: {other.Batches} batches, {other.BytesReceived:N0} bytes; shows the phone: {shows}");
            if (shows)
            {
                viewers.Add(other);
            }

            other.StopRecording();
        }

        var current = await writer.GetAsync(target.Id, ct);
        var phone = "0390" + (Environment.TickCount64 % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        var display = PhoneNormalizer.ToDisplay(phone);
        var shown = viewers.Select(v => v.WaitForTextAsync(display, ct)).ToList();
        var start = Stopwatch.GetTimestamp();
        var (status, _) = await writer.PutPhoneAsync(target.Id, phone, current.Version, ct);
        var saveMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        Console.WriteLine($"circuit-smoke: PUT /api/v1/customers/{target.Id} phone {phone} → {(int)status} in {saveMs:N1} ms");
        if (status != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"The save answered {(int)status}.");
        }

        for (var i = 0; i < viewers.Count; i++)
        {
            try
            {
                var at = await shown[i].WaitAsync(TimeSpan.FromSeconds(60), ct);
                Console.WriteLine($"circuit-smoke: {viewers[i].Label} showed '{display}' {Stopwatch.GetElapsedTime(start, at).TotalMilliseconds:N1} ms after the save started " +
                                  $"({viewers[i].Batches} batches, {viewers[i].BytesReceived:N0} bytes received in all)");
            }
            catch (TimeoutException)
            {
                Console.WriteLine($"circuit-smoke: MISSED — {viewers[i].Label} received no render batch showing '{display}' within 60 s. Errors: {string.Join("; ", viewers[i].Errors)}");
            }
        }

        Console.WriteLine("circuit-smoke: JS calls answered (with a result): " +
                          string.Join(", ", BlazorCircuitClient.JsIdentifiers.OrderByDescending(p => p.Value).Select(p => $"{p.Key} ×{p.Value}")));
        foreach (var v in viewers.Where(v => v.Errors.Count > 0))
        {
            Console.WriteLine($"circuit-smoke: {v.Label} errors: {string.Join("; ", v.Errors)}");
        }
    }
}
