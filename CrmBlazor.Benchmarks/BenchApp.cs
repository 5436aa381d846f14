using CrmBlazor.Live;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CrmBlazor.Benchmarks;

/// <summary>
/// The real app in this process on Kestrel (a free port on 127.0.0.1), configured by <paramref name="settings"/>
/// (connection string, provider, limits). Any type of the app's assembly names its entry point (the bench has a
/// Program of its own).
/// </summary>
internal sealed class BenchApp : WebApplicationFactory<CrmHub>
{
    private readonly Dictionary<string, string?> _settings;

    public BenchApp(Dictionary<string, string?> settings)
    {
        _settings = settings;
        UseKestrel(0);
        StartServer();
    }

    public string Address =>
        Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()
            .Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CrmBlazor.sln")))
        {
            dir = dir.Parent;
        }

        builder.UseContentRoot(dir!.FullName);
        builder.UseEnvironment("Benchmark");
        foreach (var (k, v) in _settings)
        {
            builder.UseSetting(k, v);
        }
    }
}
