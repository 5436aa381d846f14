using System.Globalization;
using CrmBlazor.Components;
using CrmBlazor.Data;
using CrmBlazor.Data.Seeding;
using CrmBlazor.Features.Account;
using CrmBlazor.Features.Api;
using CrmBlazor.Features.Comments;
using CrmBlazor.Features.Board;
using CrmBlazor.Features.Catalog;
using CrmBlazor.Features.Admin;
using CrmBlazor.Features.Audit;
using CrmBlazor.Features.Backup;
using CrmBlazor.Features.Customers;
using CrmBlazor.Features.Import;
using CrmBlazor.Features.Reports;
using CrmBlazor.Live;
using CrmBlazor.Localization;
using CrmBlazor.Security;
using CrmBlazor.Security.Passwords;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using MudBlazor.Services;

// `dotnet CrmBlazor.dll backup [path]`: an online backup of the SQLite database, without starting the web host (issue #20).
if (args is [BackupCommand.Name, ..])
{
    Environment.ExitCode = await BackupCommand.RunAsync(args[1..], Console.Out, Console.Error);
    return;
}

var builder = WebApplication.CreateBuilder(args);
builder.AddHttpHardening();

// Serve package assets (MudBlazor, blazor.web.js) when running from a build in any environment; a no-op once published.
builder.WebHost.UseStaticWebAssets();

builder.Services.AddRazorComponents().AddInteractiveServerComponents();
builder.Services.AddMudServices(o =>
{
    // Messages at the bottom: at the top right they covered the page's own buttons (edit, trash, import) for seconds.
    o.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomRight;
});
// MudBlazor's own texts (pager, "select row", "required"…) in Vietnamese too.
builder.Services.AddTransient<MudBlazor.MudLocalizer, CrmMudLocalizer>();
builder.Services.AddLocalization();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddHttpContextAccessor();
if (builder.Configuration.GetValue("Diagnostics:AllowCollect", false))
{
    builder.Services.AddScoped<Microsoft.AspNetCore.Components.Server.Circuits.CircuitHandler, CrmBlazor.Live.CircuitCensus>();
}

builder.Services.AddCrmDatabase(builder.Configuration, builder.Environment.ContentRootPath);
// Every instance sharing the database decrypts the same cookies (scale-out behind a load balancer).
builder.Services.AddDataProtection().SetApplicationName("CrmBlazor").PersistKeysToDbContext<CrmDbContext>();

builder.Services.AddCascadingAuthenticationState();
builder.Services.AddAuthentication(o =>
{
    o.DefaultScheme = IdentityConstants.ApplicationScheme;
    o.DefaultSignInScheme = IdentityConstants.ExternalScheme;
}).AddIdentityCookies();
builder.Services.AddAuthorization();
builder.Services.AddCrmPolicies();
builder.Services.AddIdentityCore<AppUser>(o =>
    {
        // Staff accounts are created by administrators (R7); lock an account after 5 wrong passwords.
        o.SignIn.RequireConfirmedAccount = false;
        o.User.RequireUniqueEmail = false;
        o.Lockout.MaxFailedAccessAttempts = 5;
        o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
        o.Lockout.AllowedForNewUsers = true;
    })
    .AddEntityFrameworkStores<CrmDbContext>()
    .AddSignInManager()
    .AddClaimsPrincipalFactory<CrmClaimsPrincipalFactory>()
    .AddDefaultTokenProviders()
    .AddCrmPasswordPolicy();
builder.Services.ConfigureApplicationCookie(o =>
{
    o.LoginPath = "/account/login";
    o.LogoutPath = "/account/logout";
    o.AccessDeniedPath = "/access-denied";
    o.Cookie.Name = "crm.auth";
    o.SlidingExpiration = true;
    o.ExpireTimeSpan = TimeSpan.FromHours(12);
});

builder.Services.AddClientAddress();
builder.Services.AddScoped<CurrentUser>();
builder.Services.AddAccountFeature();
builder.Services.AddCrmLive(builder.Configuration);
builder.Services.AddSingleton<DatabaseInitializer>();
builder.Services.AddCommentsFeature();
builder.Services.AddBoardFeature();
builder.Services.AddCatalogFeature();
builder.Services.AddCustomersFeature();
builder.Services.AddSingleton<UserTime>();
builder.Services.AddAdminFeature();
builder.Services.AddAuditFeature();
builder.Services.AddReportsFeature();
builder.Services.AddBackupFeature();
builder.Services.AddApiFeature(builder.Configuration);
builder.Services.AddImportFeature();

var app = builder.Build();

await app.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync();

if (app.Configuration.GetValue("Diagnostics:AllowCollect", false))
{
    // Benchmarks only: how long the server itself spent on a request (Server-Timing), so a client measuring from a loaded
    // process can tell its own delays from the app's.
    app.Use(async (context, next) =>
    {
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        context.Response.OnStarting(() =>
        {
            var ms = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            context.Response.Headers["Server-Timing"] = $"app;dur={ms.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)}";
            return Task.CompletedTask;
        });
        await next();
    });
}

// Forwarded headers, HSTS, HTTPS redirect, CSP, nosniff, Referrer-Policy: first, so that every response has them.
app.UseHttpHardening();
// The live endpoints (hub, Blazor circuits) refuse pages of other origins that would borrow the user's cookie (#20).
app.UseRealtimeOriginCheck();

if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/error", createScopeForErrors: true);
}

var cultures = new[] { new CultureInfo("vi-VN"), new CultureInfo("en") };
app.UseRequestLocalization(o =>
{
    o.DefaultRequestCulture = new Microsoft.AspNetCore.Localization.RequestCulture("vi-VN");
    o.SupportedCultures = cultures;
    o.SupportedUICultures = cultures;
    // The user's choice (cookie) wins; the browser's Accept-Language is not consulted: Vietnamese is the default.
    o.RequestCultureProviders = [new Microsoft.AspNetCore.Localization.CookieRequestCultureProvider()];
});
// The API speaks the request's Accept-Language (vi or en), and answers every error with problem+json (issue 21).
app.UseApiProblems();

// An unknown address opened in a browser answers 404 with a page of the app, not the browser's bare error; API clients
// and scripts keep their plain status codes.
app.UseWhen(
    context => HttpMethods.IsGet(context.Request.Method) && !context.Request.Path.StartsWithSegments("/api")
        && context.Request.Headers.Accept.Any(a => a?.Contains("text/html", StringComparison.OrdinalIgnoreCase) == true),
    browser => browser.UseStatusCodePagesWithReExecute("/status/{0}", createScopeForStatusCodePages: true));
// Routing after the status pages, so that a re-executed request is routed again (to the status page).
app.UseRouting();
app.UseStaticFiles();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
// After authentication: tokens are bound to the signed-in user.
app.UseAntiforgery();

app.MapStaticAssets();
// The CSP (HttpHardening) carries frame-ancestors 'self' itself: Blazor's own header would be a second policy.
app.MapRazorComponents<App>().AddInteractiveServerRenderMode(o => o.ContentSecurityFrameAncestorsPolicy = null);
app.MapAccountEndpoints();
app.MapHub<CrmHub>(CrmHub.Path);
app.MapCommentEndpoints();
app.MapApi();
app.MapImportEndpoints();
app.MapCustomerEndpoints();
app.MapReportEndpoints();
// The live bus's counters (events handed over, delivered to subscriptions, dropped from full queues): the circuits bench
// reads events delivered per save from here; they say nothing about anyone's data.
app.MapGet("/health", (ILiveEventBus live) => Results.Ok(new { status = "ok", live = live.Stats })).AllowAnonymous();
if (app.Configuration.GetValue("Diagnostics:AllowCollect", false))
{
    // Benchmarks only (off unless configured): a full, compacting collection, then the memory that is really held — what a
    // circuit keeps, without the garbage a working set also counts.
    app.MapPost("/health/collect", () =>
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return Results.Ok(new { heapBytes = GC.GetGCMemoryInfo(GCKind.FullBlocking).HeapSizeBytes, totalBytes = GC.GetTotalMemory(false) });
    }).AllowAnonymous().DisableAntiforgery();
    app.MapGet("/health/components", () => Results.Ok(CrmBlazor.Live.CircuitCensus.Take())).AllowAnonymous();
    // What the live refreshes cost the collector (the circuits bench prints it per save): a collection pauses every
    // request, the writer's too.
    app.MapGet("/health/gc", () => Results.Ok(new
    {
        allocatedBytes = GC.GetTotalAllocatedBytes(),
        pauseMs = GC.GetTotalPauseDuration().TotalMilliseconds,
        collections = GC.CollectionCount(0),
    })).AllowAnonymous();
}

if (CollectorBudget.Advice() is { } budget)
{
    app.Logger.LogWarning("This machine does not report its CPU cache, so the garbage collector collects every few megabytes and many open pages slow every request down; start the app with {Variable}={Budget} (see README, Configuration).",
        CollectorBudget.Variable, budget);
}

if (app.Configuration.GetValue("Demo:Enabled", false))
{
    app.Lifetime.ApplicationStarted.Register(() =>
    {
        foreach (var url in app.Urls)
        {
            Console.WriteLine($"CrmBlazor is running at {url} — sign in as '{DatabaseInitializer.AdminUserName}' or a demo user (password {DemoDataSeeder.DemoPassword}).");
        }
    });
}

app.Run();

/// <summary>Entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
