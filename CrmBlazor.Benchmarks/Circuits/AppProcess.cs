using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace CrmBlazor.Benchmarks.Circuits;

/// <summary>
/// The real app in a process of its own (<c>dotnet bin/Release/net10.0/CrmBlazor.dll --urls http://127.0.0.1:PORT</c>
/// from the repository root, the solution's Release build), so its working set and CPU time are its own
/// (/proc/PID/status VmRSS, /proc/PID/stat utime+stime). Output goes to a log file. Every started process is killed
/// when the bench exits, even on failure or Ctrl+C.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private static readonly List<Process> Started = [];
    private static bool _hooked;
    private readonly Process _process;
    private readonly StreamWriter _log;

    private AppProcess(Process process, Uri baseAddress, string name, string logPath, StreamWriter log)
    {
        _process = process;
        BaseAddress = baseAddress;
        Name = name;
        LogPath = logPath;
        _log = log;
    }

    public Uri BaseAddress { get; }

    public string Name { get; }

    public string LogPath { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The folder holding CrmBlazor.sln (the app's content root: appsettings.json, wwwroot).</summary>
    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CrmBlazor.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("CrmBlazor.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>The app as the solution's Release build leaves it, or a copy of it named by CRM_BENCH_APP (so the tree can be
    /// built again while a long bench runs).</summary>
    public static string AppDll => Environment.GetEnvironmentVariable("CRM_BENCH_APP") is { Length: > 0 } copy
        ? copy
        : Path.Combine(RepoRoot, "bin", "Release", "net10.0", "CrmBlazor.dll");

    /// <summary>Starts the app with <paramref name="environment"/> (on top of this process's) and waits until /health answers.</summary>
    public static async Task<AppProcess> StartAsync(string name, IReadOnlyDictionary<string, string> environment, string logFolder, TimeSpan startTimeout)
    {
        if (!File.Exists(AppDll))
        {
            throw new InvalidOperationException($"{AppDll} is missing: build first (dotnet build CrmBlazor.sln -c Release).");
        }

        HookExit();
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(AppDll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        foreach (var (k, v) in environment)
        {
            if (v.Length > 0)
            {
                start.Environment[k] = v;
            }
        }

        Directory.CreateDirectory(logFolder);
        var logPath = Path.Combine(logFolder, name + ".log");
        var log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        lock (Started)
        {
            Started.Add(process);
        }

        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var app = new AppProcess(process, new Uri($"http://127.0.0.1:{port}/"), name, logPath, log);
        try
        {
            await app.WaitHealthyAsync(startTimeout);
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>VmRSS of the process in KiB (resident memory: what "working set" means on Linux).</summary>
    public long RssKib()
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    /// <summary>The component census of the open circuits (GET /health/components), or null when the app does not offer it.</summary>
    public async Task<System.Text.Json.JsonDocument?> ComponentCensusAsync(CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        using var response = await http.GetAsync("health/components", ct);
        return response.IsSuccessStatusCode ? System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)) : null;
    }

    /// <summary>The garbage collector's totals so far (GET /health/gc), or null when the app does not offer them.</summary>
    public async Task<GcTotals?> GcAsync(CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        using var response = await http.GetAsync("health/gc", ct);
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        var root = json.RootElement;
        return new GcTotals(root.GetProperty("allocatedBytes").GetInt64(), root.GetProperty("pauseMs").GetDouble(), root.GetProperty("collections").GetInt32());
    }

    /// <summary>The app's managed heap after a full, compacting collection (POST /health/collect), or null when the app
    /// does not offer it.</summary>
    public async Task<long?> HeldHeapBytesAsync(CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        using var response = await http.PostAsync("health/collect", null, ct);
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        return json.RootElement.GetProperty("heapBytes").GetInt64();
    }

    /// <summary>User + system CPU time of the process so far, in seconds (clock ticks of 1/100 s).</summary>
    public double CpuSeconds()
    {
        var stat = File.ReadAllText($"/proc/{Pid}/stat");
        // The command name (field 2) is in parentheses and may hold spaces: fields are counted after its ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
        var stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
        return (utime + stime) / 100.0;
    }

    /// <summary>The last lines of the app's log, for error messages.</summary>
    public string LogTail(int lines = 20)
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    /// <summary>SIGTERM (a clean shutdown: SQLite checkpoints its WAL), then SIGKILL after 20 s.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", Pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
                {
                    if (kill is not null)
                    {
                        await kill.WaitForExitAsync();
                    }
                }

                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                try
                {
                    await _process.WaitForExitAsync(cts.Token);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync();
                }
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
        finally
        {
            lock (Started)
            {
                Started.Remove(_process);
            }

            _process.Dispose();
            lock (_log)
            {
                _log.Dispose();
            }
        }
    }

    private async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} while starting:\n{LogTail()}");
            }

            try
            {
                using var response = await http.GetAsync("/health");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet (migrations, demo data).
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"{Name} did not answer /health within {timeout.TotalSeconds:N0} s:\n{LogTail()}");
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            if (log.BaseStream is not null)
            {
                try
                {
                    log.WriteLine(line);
                }
                catch (ObjectDisposedException)
                {
                    // The last lines after the log was closed.
                }
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Kills every app process still running when the bench ends (normally, by an exception, or Ctrl+C).</summary>
    private static void HookExit()
    {
        lock (Started)
        {
            if (_hooked)
            {
                return;
            }

            _hooked = true;
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        Console.CancelKeyPress += (_, _) => KillAll();
    }

    private static void KillAll()
    {
        Process[] all;
        lock (Started)
        {
            all = [.. Started];
        }

        foreach (var p in all)
        {
            try
            {
                if (!p.HasExited)
                {
                    p.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }
    }
}

/// <summary>Bytes allocated, time paused for collections and collections made by one app process since it started.</summary>
public sealed record GcTotals(long AllocatedBytes, double PauseMs, int Collections)
{
    public static GcTotals operator -(GcTotals a, GcTotals b) => new(a.AllocatedBytes - b.AllocatedBytes, a.PauseMs - b.PauseMs, a.Collections - b.Collections);

    public static GcTotals operator +(GcTotals a, GcTotals b) => new(a.AllocatedBytes + b.AllocatedBytes, a.PauseMs + b.PauseMs, a.Collections + b.Collections);
}
