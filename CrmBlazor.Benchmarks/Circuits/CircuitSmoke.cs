using System.Diagnostics;
using System.Net;
using CrmBlazor.Domain.Common;

namespace CrmBlazor.Benchmarks.Circuits;

/// <summary>
/// circuit-smoke: the app in its own process on a fresh copy of the demo database; admin opens /customers in a
/// headless circuit; a customer of the first page gets a new phone through the REST API; prints how long until the
/// circuit received a render batch showing the new phone in display form. Asserts nothing; a failure says where.
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

        var current = await writer.GetAsync(target.Id, ct);
        var phone = "0390" + (Environment.TickCount64 % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        var display = PhoneNormalizer.ToDisplay(phone);
        var shown = client.WaitForTextAsync(display, ct);
        var start = Stopwatch.GetTimestamp();
        var status = await writer.PutPhoneAsync(target.Id, phone, current.Version, ct);
        var saveMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        Console.WriteLine($"circuit-smoke: PUT /api/v1/customers/{target.Id} phone {phone} → {(int)status} in {saveMs:N1} ms");
        if (status != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"The save answered {(int)status}.");
        }

        try
        {
            var at = await shown.WaitAsync(TimeSpan.FromSeconds(60), ct);
            Console.WriteLine($"circuit-smoke: the circuit showed '{display}' {Stopwatch.GetElapsedTime(start, at).TotalMilliseconds:N1} ms after the save started " +
                              $"({client.Batches} batches, {client.BytesReceived:N0} bytes received in all)");
        }
        catch (TimeoutException)
        {
            Console.WriteLine($"circuit-smoke: MISSED — no render batch showed '{display}' within 60 s. Circuit errors: {string.Join("; ", client.Errors)}");
        }

        if (client.Errors.Count > 0)
        {
            Console.WriteLine($"circuit-smoke: circuit errors: {string.Join("; ", client.Errors)}");
        }
    }
}
