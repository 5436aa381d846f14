using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using CrmBlazor.Data;
using CrmBlazor.Data.Seeding;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Comments;
using CrmBlazor.Live;
using CrmBlazor.Security;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CrmBlazor.Benchmarks;

/// <summary>
/// Live delivery benchmark (issue "detail and live"): N hub clients watch one customer; M comments are posted through
/// the comment service; each client records when each "commentPosted" event arrives. Reports p50/p95/p99 of
/// post→delivery and how many deliveries were lost, on one instance and on two instances sharing PostgreSQL and Redis.
/// </summary>
public static partial class HubBench
{
    private const string Password = "Bench@123456";

    public static async Task<(double P50, double P95, double P99, long Lost, long Delivered)> RunAsync(int clients, int comments, string? postgres, string? redis)
    {
        var folder = Path.Combine(Path.GetTempPath(), "crm-hubbench-" + Guid.NewGuid().ToString("N"));
        var settings = new Dictionary<string, string?> { ["Database:DataFolder"] = folder, ["Admin:Password"] = "CrmAdmin@2026", ["Logging:LogLevel:Default"] = "Warning" };
        string? database = null;
        if (postgres is not null)
        {
            database = "crm_hubbench_" + Guid.NewGuid().ToString("N")[..8];
            settings["Database:Provider"] = "Postgres";
            settings["ConnectionStrings:Crm"] = postgres + ";Database=" + database;
        }

        if (redis is not null)
        {
            settings["Redis:Connection"] = redis;
        }

        await using var one = new BenchApp(settings);
        await using var two = redis is null ? null : new BenchApp(settings);
        var poster = one;
        var watched = two ?? one;

        // A user who owns the customer and may comment.
        string userId;
        int customerId;
        await using (var scope = one.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<AppUser>>();
            await using var db = await one.Services.GetRequiredService<IDbContextFactory<CrmDbContext>>().CreateDbContextAsync();
            var dept = await db.Departments.Select(d => d.Id).FirstAsync();
            var group = new PermissionGroup("Bench hub", Rights.SalesDefault);
            db.PermissionGroups.Add(group);
            await db.SaveChangesAsync();
            userId = (await StaffAccounts.CreateAsync(users, db, "hub.bench", "Hub Bench", null, Password, dept, group.Id, default)).Id;
            var rel = await db.Relationships.Where(r => r.IsDefault).Select(r => r.Id).FirstAsync();
            var c = Customer.Create(new CustomerDetails { Name = "Khách theo dõi", Phone = "0912345678" }, rel, userId, userId, DateTime.UtcNow);
            db.Customers.Add(c);
            await db.SaveChangesAsync();
            customerId = c.Id;
        }

        var cookies = await SignInAsync(watched.Address, "hub.bench", Password);
        var posted = new ConcurrentDictionary<long, long>();
        var receipts = new ConcurrentBag<(long CommentId, long At)>();
        long delivered = 0;
        var connections = new List<HubConnection>();
        for (var i = 0; i < clients; i++)
        {
            var connection = new HubConnectionBuilder()
                .WithUrl(watched.Address + CrmHub.Path, o => { o.Cookies = cookies; o.Transports = HttpTransportType.WebSockets; o.SkipNegotiation = true; })
                .Build();
            connection.On<CommentPosted>("commentPosted", e =>
            {
                // Latencies are computed at the end: a delivery can arrive before PostAsync has returned the id.
                receipts.Add((e.CommentId, Stopwatch.GetTimestamp()));
                Interlocked.Increment(ref delivered);
            });
            await connection.StartAsync();
            await connection.InvokeAsync("JoinCustomer", customerId);
            connections.Add(connection);
        }

        var service = poster.Services.CreateScope().ServiceProvider.GetRequiredService<CommentService>();
        var user = await CurrentUser.LoadAsync(poster.Services.GetRequiredService<IDbContextFactory<CrmDbContext>>(), userId) ?? throw new InvalidOperationException();
        for (var i = 0; i < comments; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var id = await service.PostAsync(user, customerId, $"Bình luận số {i}");
            posted[id] = start;
            await Task.Delay(5);
        }

        var expected = (long)clients * comments;
        var deadline = Stopwatch.StartNew();
        while (Interlocked.Read(ref delivered) < expected && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100);
        }

        foreach (var c in connections)
        {
            await c.DisposeAsync();
        }

        if (database is not null)
        {
            await using var db = await one.Services.GetRequiredService<IDbContextFactory<CrmDbContext>>().CreateDbContextAsync();
            await db.Database.EnsureDeletedAsync();
        }

        var sorted = receipts.Where(r => posted.ContainsKey(r.CommentId))
            .Select(r => Stopwatch.GetElapsedTime(posted[r.CommentId], r.At).TotalMilliseconds).OrderBy(x => x).ToArray();
        double P(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(sorted.Length * q) - 1)];
        return (P(0.50), P(0.95), P(0.99), expected - Interlocked.Read(ref delivered), Interlocked.Read(ref delivered));
    }

    private static async Task<CookieContainer> SignInAsync(string address, string login, string password)
    {
        var cookies = new CookieContainer();
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = new Uri(address) };
        var page = await http.GetStringAsync("/account/login");
        var token = TokenPattern().Match(page).Groups[1].Value;
        var response = await http.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
            ["_handler"] = "login",
            ["Form.UserName"] = login,
            ["Form.Password"] = password,
        }));
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException("Sign-in failed for the bench user.");
        }

        return cookies;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
