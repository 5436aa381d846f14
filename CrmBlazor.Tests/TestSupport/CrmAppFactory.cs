using CrmBlazor.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CrmBlazor.Tests.TestSupport;

/// <summary>
/// Hosts the real app (real Identity, real EF Core) on a fresh SQLite file of its own; optionally on Kestrel with a
/// random port so a real browser can reach it.
/// </summary>
public class CrmAppFactory : WebApplicationFactory<Program>
{
    public const string AdminPassword = "Admin@Test123";

    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    /// <param name="services">Registrations added after the app's own (test seams, replaced services).</param>
    public CrmAppFactory(bool kestrel = false, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        _services = services;
        DataFolder = Path.Combine(Path.GetTempPath(), "crmblazor-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataFolder);
        _settings = new Dictionary<string, string?>
        {
            ["Database:Provider"] = "Sqlite",
            ["Database:DataFolder"] = DataFolder,
            ["ConnectionStrings:Crm"] = string.Empty,
            ["Admin:Password"] = AdminPassword,
            ["Demo:Enabled"] = "false",
            // Tests sign in many times from one address; SignInThrottleTests sets its own small limit.
            ["SignIn:AttemptsPerIpPerMinute"] = "1000",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            _settings[k] = v;
        }

        if (kestrel)
        {
            UseKestrel(0);
        }
    }

    public string DataFolder { get; }

    /// <summary>The address of the Kestrel server (after <see cref="WebApplicationFactory{T}.StartServer"/>).</summary>
    public string ServerAddress
    {
        get
        {
            var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
            return addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal);
        }
    }

    public IDbContextFactory<CrmDbContext> DbFactory => Services.GetRequiredService<IDbContextFactory<CrmDbContext>>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseContentRoot(RepoRoot.Path);
        builder.UseEnvironment("Testing");
        foreach (var (k, v) in _settings)
        {
            builder.UseSetting(k, v);
        }

        if (_services is not null)
        {
            builder.ConfigureTestServices(_services);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(DataFolder, recursive: true);
            }
            catch (IOException)
            {
                // A file still open on a slow machine; the temp folder is cleaned by the OS.
            }
        }
    }
}

public static class RepoRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "CrmBlazor.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("CrmBlazor.sln not found above " + AppContext.BaseDirectory);
    }
}
