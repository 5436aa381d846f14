using CrmBlazor.Data;
using CrmBlazor.Domain.Auditing;
using CrmBlazor.Features.Audit;
using CrmBlazor.Features.Comments;
using CrmBlazor.Security;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace CrmBlazor.Features.Backup;

/// <summary>
/// Settings → Backup (issue #20): an online backup of the SQLite database and its uploads while the app runs, for users
/// with the user administration right (checked here, R7.4), recorded in the audit log. Other providers are refused with
/// <see cref="BackupNotSupportedException"/>. One backup at a time per app instance.
/// </summary>
public sealed class BackupService(IDbContextFactory<CrmDbContext> dbFactory, DatabaseInfo database, IConfiguration configuration, IHostEnvironment environment,
    TimeProvider clock)
{
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    public bool IsSupported => database.Provider == DatabaseProvider.Sqlite;

    public async Task<BackupResult> BackupAsync(UserAccess actor, string? target = null, CancellationToken ct = default)
    {
        await Admin.AdminGuard.RequireUserAdminAsync(dbFactory, actor, ct);

        if (!IsSupported)
        {
            throw new BackupNotSupportedException(database.Provider.ToString());
        }

        await OneAtATime.WaitAsync(ct);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var file = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
            var dataFolder = AttachmentStore.DataRoot(configuration, environment);
            var result = await Task.Run(() => SqliteBackup.Run(Path.GetFullPath(file), dataFolder, target, clock.GetUtcNow().UtcDateTime), ct);
            db.AddAudit(actor, AuditActions.BackupCreated, AuditTargets.Database, null, Path.GetFileName(result.File), null, AuditValues(result));
            await db.SaveChangesAsync(ct);
            return result;
        }
        finally
        {
            OneAtATime.Release();
        }
    }

    internal static Dictionary<string, object?> AuditValues(BackupResult result) =>
        AuditRecorder.Values(("file", result.File), ("bytes", result.Bytes), ("attachments", result.UploadFiles));
}

/// <summary>
/// <c>dotnet CrmBlazor.dll backup [path]</c>: the same online backup from the command line, with the app's configuration
/// (appsettings.json, environment variables), while the app runs or not. Handled before the web host is built.
/// Exit codes: 0 written, 1 failed, 2 not SQLite.
/// </summary>
public static class BackupCommand
{
    public const string Name = "backup";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var target = args.FirstOrDefault(a => !a.StartsWith('-'));
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [.. args.Where(a => a.StartsWith('-'))] });
        var configuration = builder.Configuration;
        var provider = DatabaseSetup.ProviderFrom(configuration);
        if (provider != DatabaseProvider.Sqlite)
        {
            await error.WriteLineAsync(new BackupNotSupportedException(provider.ToString()).Message);
            return 2;
        }

        try
        {
            var connectionString = configuration.GetConnectionString("Crm");
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                connectionString = DatabaseSetup.SqliteConnectionString(configuration, builder.Environment.ContentRootPath);
            }

            var file = Path.GetFullPath(new SqliteConnectionStringBuilder(connectionString).DataSource, builder.Environment.ContentRootPath);
            var dataFolder = AttachmentStore.DataRoot(configuration, builder.Environment);
            var result = SqliteBackup.Run(file, dataFolder, target, DateTime.UtcNow);
            await RecordAsync(connectionString, result, error);
            await output.WriteLineAsync($"Backup written: {result.File} ({result.Bytes} bytes); {result.UploadFiles} upload file(s)" +
                (result.UploadsFolder is null ? "." : $" in {result.UploadsFolder}."));
            return 0;
        }
        catch (Exception e) when (e is IOException or SqliteException or InvalidOperationException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"The backup failed: {e.Message}");
            return 1;
        }
    }

    /// <summary>The audit entry of a command-line backup: no user, no client address.</summary>
    private static async Task RecordAsync(string connectionString, BackupResult result, TextWriter error)
    {
        try
        {
            await using var db = new SqliteCrmDbContext(new DbContextOptionsBuilder<SqliteCrmDbContext>().UseSqlite(connectionString).Options);
            db.AuditLog.Add(new AuditEntry(DateTime.UtcNow, null, $"command line ({Environment.UserName})", null, AuditActions.BackupCreated,
                AuditTargets.Database, null, Path.GetFileName(result.File), null, BackupService.AuditValues(result)));
            await db.SaveChangesAsync();
        }
        catch (Exception e) when (e is SqliteException or DbUpdateException)
        {
            // An older database without the audit log: the backup itself is fine.
            await error.WriteLineAsync($"The backup was written but could not be recorded in the audit log: {e.Message}");
        }
    }
}

public static class BackupFeature
{
    public static IServiceCollection AddBackupFeature(this IServiceCollection services)
    {
        services.AddScoped<BackupService>();
        return services;
    }
}
