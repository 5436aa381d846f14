using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CrmBlazor.Data;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
    SqlServer,
}

/// <summary>Chooses the database provider from configuration ("Database:Provider", "ConnectionStrings:Crm").</summary>
public static class DatabaseSetup
{
    public static DatabaseProvider ProviderFrom(IConfiguration configuration)
    {
        var text = configuration["Database:Provider"];
        if (string.IsNullOrWhiteSpace(text))
        {
            return DatabaseProvider.Sqlite;
        }

        return text.Trim().ToLowerInvariant() switch
        {
            "sqlite" => DatabaseProvider.Sqlite,
            "postgres" or "postgresql" or "npgsql" => DatabaseProvider.Postgres,
            "sqlserver" or "mssql" => DatabaseProvider.SqlServer,
            _ => throw new InvalidOperationException($"Unknown Database:Provider '{text}'. Use Sqlite, Postgres or SqlServer."),
        };
    }

    /// <summary>The SQLite default: a file under the app's data folder, created on first start.</summary>
    public static string SqliteConnectionString(IConfiguration configuration, string contentRoot)
    {
        var folder = configuration["Database:DataFolder"];
        folder = string.IsNullOrWhiteSpace(folder) ? Path.Combine(contentRoot, "data") : Path.GetFullPath(folder, contentRoot);
        Directory.CreateDirectory(folder);
        return $"Data Source={Path.Combine(folder, "crm.db")};Pooling=True";
    }

    public static IServiceCollection AddCrmDatabase(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        var provider = ProviderFrom(configuration);
        var connectionString = configuration.GetConnectionString("Crm");
        switch (provider)
        {
            case DatabaseProvider.Sqlite:
                var sqlite = string.IsNullOrWhiteSpace(connectionString) ? SqliteConnectionString(configuration, contentRoot) : connectionString;
                Register<SqliteCrmDbContext>(services, o => o.UseSqlite(sqlite, s => s.MigrationsHistoryTable("__EFMigrationsHistory")).AddInterceptors(new SqlitePragmas()));
                break;
            case DatabaseProvider.Postgres:
                Register<PostgresCrmDbContext>(services, o => o.UseNpgsql(Require(connectionString, provider)));
                break;
            case DatabaseProvider.SqlServer:
                Register<SqlServerCrmDbContext>(services, o => o.UseSqlServer(Require(connectionString, provider)));
                break;
        }

        services.AddSingleton(new DatabaseInfo(provider));
        return services;
    }

    private static void Register<TContext>(IServiceCollection services, Action<DbContextOptionsBuilder> configure)
        where TContext : CrmDbContext
    {
        // Pooled: every list page, live refresh and save opens a short-lived context, and building one (a service scope,
        // its services, the options compared against EF's cache) cost more than many of the queries it then ran. A
        // returned context is reset by EF (change tracker, transaction, timeouts); CrmDbContext keeps no state of its own.
        services.AddPooledDbContextFactory<TContext>(o =>
        {
            configure(o);
            o.AddInterceptors(TextLengthGuard.Instance);
            // Capped counts (Take(n).Count()) are unordered on purpose: no warning for them on every list request.
            o.ConfigureWarnings(w => w.Ignore(CoreEventId.RowLimitingOperationWithoutOrderByWarning));
        });
        services.AddSingleton<IDbContextFactory<CrmDbContext>>(sp => new UpcastFactory<TContext>(sp.GetRequiredService<IDbContextFactory<TContext>>()));
        // Identity's EF stores take a scoped context.
        services.AddScoped<CrmDbContext>(sp => sp.GetRequiredService<IDbContextFactory<TContext>>().CreateDbContext());
    }

    private static string Require(string? connectionString, DatabaseProvider provider) =>
        string.IsNullOrWhiteSpace(connectionString)
            ? throw new InvalidOperationException($"ConnectionStrings:Crm must be set for {provider} (environment variable ConnectionStrings__Crm).")
            : connectionString;

    private sealed class UpcastFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<CrmDbContext>
        where TContext : CrmDbContext
    {
        public CrmDbContext CreateDbContext() => inner.CreateDbContext();

        public async Task<CrmDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default) =>
            await inner.CreateDbContextAsync(cancellationToken);
    }
}

public sealed record DatabaseInfo(DatabaseProvider Provider);
