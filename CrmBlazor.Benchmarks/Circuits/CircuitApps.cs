using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CrmBlazor.Data;
using CrmBlazor.Data.Seeding;
using CrmBlazor.Features.Api;
using CrmBlazor.Live;
using CrmBlazor.Security;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Benchmarks.Circuits;

/// <summary>
/// App processes for the circuit suites: the demo data (5,000 customers, 12 staff users and admin) seeded once into a
/// SQLite template under bench-data/circuits/ and copied for every run, or a PostgreSQL database seeded by the first
/// instance and reused; a personal access token written straight into the database.
/// </summary>
public static class CircuitApps
{
    public const string AdminPassword = "CrmAdmin@2026";
    public const int DemoCustomers = 5000;

    public static string DataRoot => Path.Combine(AppProcess.RepoRoot, "bench-data", "circuits");

    public static string LogFolder => Path.Combine(DataRoot, "logs");

    /// <summary>The environment every app instance gets: production settings, quiet logs, no API rate limit, demo data.</summary>
    public static Dictionary<string, string> BaseEnvironment() => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["DOTNET_ENVIRONMENT"] = "Production",
        ["Admin__Password"] = AdminPassword,
        ["Demo__Enabled"] = "true",
        ["Demo__Customers"] = DemoCustomers.ToString(CultureInfo.InvariantCulture),
        ["Api__RequestsPerMinute"] = "10000000",
        ["Logging__LogLevel__Default"] = "Warning",
        ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
        ["Logging__LogLevel__Microsoft.EntityFrameworkCore"] = "Error",
        ["Logging__LogLevel__Microsoft.AspNetCore.DataProtection"] = "Error",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        // POST /health/collect: a full collection, then the heap really held (per-circuit memory without the garbage).
        ["Diagnostics__AllowCollect"] = "true",
        // As README says to run a server with many open pages (see CollectorBudget); a value set for the bench wins.
        [CollectorBudget.Variable] = Environment.GetEnvironmentVariable(CollectorBudget.Variable) is { Length: > 0 } set ? set : CollectorBudget.Recommended,
    };

    /// <summary>A fresh copy of the seeded SQLite template (seeding it first if there is none) in a new folder.</summary>
    public static async Task<string> SqliteCopyAsync(string name)
    {
        var template = Path.Combine(DataRoot, $"template-{DemoCustomers}");
        if (!File.Exists(Path.Combine(template, "crm.db")))
        {
            Console.WriteLine($"circuits: seeding the demo data ({DemoCustomers:N0} customers) into {template} once; this takes a while…");
            var seeding = template + ".seeding";
            if (Directory.Exists(seeding))
            {
                Directory.Delete(seeding, recursive: true);
            }

            var env = BaseEnvironment();
            env["Database__Provider"] = "Sqlite";
            env["Database__DataFolder"] = seeding;
            var started = DateTime.UtcNow;
            await using (await AppProcess.StartAsync("seed", env, LogFolder, TimeSpan.FromMinutes(20)))
            {
            }

            Directory.Move(seeding, template);
            Console.WriteLine($"circuits: seeded in {(DateTime.UtcNow - started).TotalSeconds:N0} s.");
        }

        var folder = Path.Combine(DataRoot, "runs", name);
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(template))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        return folder;
    }

    /// <summary>Starts the app on a fresh copy of the SQLite demo database.</summary>
    public static async Task<(AppProcess App, IDbContextFactory<CrmDbContext> Db)> StartSqliteAsync(string name)
    {
        var folder = await SqliteCopyAsync(name);
        var env = BaseEnvironment();
        env["Database__Provider"] = "Sqlite";
        env["Database__DataFolder"] = folder;
        var app = await AppProcess.StartAsync(name, env, LogFolder, TimeSpan.FromMinutes(5));
        return (app, new SqliteFactory(Path.Combine(folder, "crm.db")));
    }

    /// <summary>The environment of an instance on PostgreSQL with the Redis live bus (scale-out).</summary>
    public static Dictionary<string, string> PostgresEnvironment(string connectionString, string redis)
    {
        var env = BaseEnvironment();
        env["Database__Provider"] = "Postgres";
        env["ConnectionStrings__Crm"] = connectionString;
        env["Redis__Connection"] = redis;
        return env;
    }

    /// <summary>A personal access token of <paramref name="userName"/>, written through the app's own token service.</summary>
    public static async Task<string> TokenAsync(IDbContextFactory<CrmDbContext> db, string userName)
    {
        await using var context = await db.CreateDbContextAsync();
        var id = await context.StaffProfiles.Where(p => p.UserName == userName).Select(p => p.Id).SingleAsync();
        var user = await CurrentUser.LoadAsync(db, id) ?? throw new InvalidOperationException("No user " + userName);
        return await new AccessTokenService(db, TimeProvider.System, new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build()).CreateAsync(user, "circuit bench");
    }

    /// <summary>The users the viewers sign in as: admin (sees all) and the two sales managers whose scope holds the north team's customers.</summary>
    public static readonly (string UserName, string Password)[] ViewerUsers =
        [(DatabaseInitializer.AdminUserName, AdminPassword), ("truongkd", DemoDataSeeder.DemoPassword), ("mienbac.lead", DemoDataSeeder.DemoPassword)];

    /// <summary>Owners whose customers every viewer user may see (the north sales team).</summary>
    public static readonly string[] NorthTeam = ["lan.nguyen", "minh.do", "huong.vu"];
}

/// <summary>The REST API as the writer uses it (personal access token): read a customer's version, change its phone.</summary>
public sealed class ApiWriter(Uri baseAddress, string token) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
    {
        BaseAddress = baseAddress,
        Timeout = TimeSpan.FromMinutes(10),
        DefaultRequestHeaders = { Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token) },
    };

    public sealed record Customer(int Id, string? Code, string Name, string? Phone, string? OwnerId, int RelationshipId, int Version);

    public async Task<Customer> GetAsync(int id, CancellationToken ct)
    {
        using var response = await _http.GetAsync($"/api/v1/customers/{id}", ct);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<Customer>(JsonSerializerOptions.Web, ct) ?? throw new InvalidOperationException("Empty customer.");
    }

    /// <summary>The first page of the grid's default order (by name) as the token's user sees it.</summary>
    public async Task<IReadOnlyList<Customer>> FirstPageAsync(int pageSize, CancellationToken ct)
    {
        using var response = await _http.GetAsync($"/api/v1/customers?pageSize={pageSize}", ct);
        response.EnsureSuccessStatusCode();
        var page = await response.Content.ReadFromJsonAsync<JsonElement>(JsonSerializerOptions.Web, ct);
        return page.GetProperty("items").Deserialize<List<Customer>>(JsonSerializerOptions.Web) ?? [];
    }

    public async Task<IReadOnlyDictionary<string, string>> UserNamesAsync(CancellationToken ct)
    {
        var users = await _http.GetFromJsonAsync<List<JsonElement>>("/api/v1/users", JsonSerializerOptions.Web, ct) ?? [];
        return users.ToDictionary(u => u.GetProperty("id").GetString()!, u => u.GetProperty("userName").GetString()!);
    }

    /// <summary>PUT the new phone with the version read; the status code (200, or 409 when someone else saved meanwhile) and
    /// the time the app says it spent on it (its Server-Timing header; null without one).</summary>
    public async Task<(HttpStatusCode Status, double? ServerMs)> PutPhoneAsync(int id, string phone, int version, CancellationToken ct)
    {
        using var response = await _http.PutAsJsonAsync($"/api/v1/customers/{id}", new { phone, version }, ct);
        double? serverMs = null;
        if (response.Headers.TryGetValues("Server-Timing", out var timings)
            && timings.FirstOrDefault() is { } timing && timing.IndexOf("dur=", StringComparison.Ordinal) is var at and >= 0
            && double.TryParse(timing[(at + 4)..], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var ms))
        {
            serverMs = ms;
        }

        return (response.StatusCode, serverMs);
    }

    /// <summary>The live bus counters of GET /health (<c>live.delivered</c> …), or null when the app does not report them.</summary>
    public async Task<LiveCounters?> LiveAsync(CancellationToken ct)
    {
        try
        {
            var health = await _http.GetFromJsonAsync<JsonElement>("/health", ct);
            if (health.ValueKind == JsonValueKind.Object && health.TryGetProperty("live", out var live) && live.ValueKind == JsonValueKind.Object)
            {
                long Read(string name) => live.TryGetProperty(name, out var v) && v.TryGetInt64(out var n) ? n : -1;
                return new LiveCounters(Read("published"), Read("delivered"), Read("dropped"), Read("subscriptions"));
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or NotSupportedException)
        {
            // Not there: reported as n/a.
        }

        return null;
    }

    public void Dispose() => _http.Dispose();

    public sealed record LiveCounters(long Published, long Delivered, long Dropped, long Subscriptions);
}
