using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using CrmBlazor.Data;
using CrmBlazor.Domain.Auditing;
using CrmBlazor.Domain.Customers;
using CrmBlazor.Features.Backup;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CrmBlazor.Tests.Integration.Backup;

/// <summary>Issue #20: an online backup of the SQLite database while the app writes, restored as the database of a fresh
/// app (README "Backup and restore"), from Settings and from the command line; other providers are refused.</summary>
public sealed partial class BackupRestoreTests : IAsyncLifetime
{
    private const string NamePrefix = "Khách đồng thời ";
    private CrmAppFactory _app = null!;
    private AsyncServiceScope _scope;
    private UserAccess _admin = null!;

    public async Task InitializeAsync()
    {
        _app = new CrmAppFactory();
        _ = _app.Server;
        _scope = _app.Services.CreateAsyncScope();
        _admin = (await CurrentUser.LoadAsync(_app.DbFactory, await _app.AdminIdAsync()))! with { Address = "192.0.2.44" };
    }

    public async Task DisposeAsync()
    {
        await _scope.DisposeAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task A_backup_taken_while_customers_are_written_restores_into_a_fresh_app_as_one_consistent_point()
    {
        var attachment = Path.Combine(_app.DataFolder, "attachments", "3f2a-bao-gia.pdf");
        Directory.CreateDirectory(Path.GetDirectoryName(attachment)!);
        await File.WriteAllBytesAsync(attachment, "%PDF-1.7 báo giá"u8.ToArray());

        using var stop = new CancellationTokenSource();
        var committed = 0;
        var writer = Task.Run(() => WriteCustomersAsync(stop.Token, n => Volatile.Write(ref committed, n)));
        while (Volatile.Read(ref committed) < 20)
        {
            await Task.Delay(10);
        }

        var committedBefore = Volatile.Read(ref committed);
        var result = await _scope.ServiceProvider.GetRequiredService<BackupService>().BackupAsync(_admin);
        // A commit can land between its save and the counter's update: at most one more than counted.
        var committedAfter = Volatile.Read(ref committed) + 1;
        while (Volatile.Read(ref committed) < committedAfter + 5)
        {
            await Task.Delay(10);
        }

        await stop.CancelAsync();
        await writer;

        Assert.Equal(Path.Combine(_app.DataFolder, SqliteBackup.BackupsFolder), Path.GetDirectoryName(result.File));
        Assert.Matches(BackupName(), Path.GetFileName(result.File));
        Assert.Equal("ok", Scalar(result.File, "PRAGMA integrity_check"));
        Assert.Equal(1, result.UploadFiles);
        Assert.Equal(await File.ReadAllBytesAsync(attachment), await File.ReadAllBytesAsync(Path.Combine(result.UploadsFolder!, "attachments", "3f2a-bao-gia.pdf")));

        await using (var db = await _app.DbFactory.CreateDbContextAsync())
        {
            var entry = await db.AuditLog.SingleAsync(e => e.Action == AuditActions.BackupCreated);
            Assert.Equal((_admin.UserId, "192.0.2.44", Path.GetFileName(result.File)), (entry.ActorId, entry.Address, entry.TargetName));
            Assert.True(await db.Customers.CountAsync(c => c.Name.StartsWith(NamePrefix)) > committedAfter, "the app kept writing after the backup");
        }

        // Restore (README): the backup becomes crm.db of a data folder, its uploads beside it; a fresh app opens it.
        var restoreFolder = Path.Combine(Path.GetTempPath(), "crmblazor-tests", "restore-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(restoreFolder);
        try
        {
            File.Copy(result.File, Path.Combine(restoreFolder, "crm.db"));
            CopyFolder(result.UploadsFolder!, restoreFolder);
            await using var restored = new CrmAppFactory(settings: new Dictionary<string, string?> { ["Database:DataFolder"] = restoreFolder });
            _ = restored.Server;

            await using var db = await restored.DbFactory.CreateDbContextAsync();
            Assert.Equal("ok", Scalar(Path.Combine(restoreFolder, "crm.db"), "PRAGMA integrity_check"));
            Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
            var names = await db.Customers.Where(c => c.Name.StartsWith(NamePrefix)).Select(c => new { c.Name, c.Code }).ToListAsync();
            var count = names.Count;
            Assert.InRange(count, committedBefore, committedAfter);
            // One point in time: exactly the first N customers written, each with the code its own transaction gave it.
            Assert.Equal(Enumerable.Range(1, count).Select(Name), names.Select(n => n.Name).Order(StringComparer.Ordinal));
            Assert.All(names, n => Assert.False(string.IsNullOrEmpty(n.Code)));
            Assert.True(File.Exists(Path.Combine(restoreFolder, "attachments", "3f2a-bao-gia.pdf")));

            var client = restored.CreateClient(new() { AllowAutoRedirect = false });
            Assert.Equal(HttpStatusCode.Redirect, (await FormPost.SignInAsync(client, "admin", CrmAppFactory.AdminPassword)).StatusCode);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(restoreFolder, recursive: true);
        }
    }

    [Fact]
    public async Task The_command_line_backs_up_the_running_apps_database_and_refuses_other_providers()
    {
        await _app.CreateCustomerAsync("Khách trước sao lưu", "0912345678", await _app.AdminIdAsync());
        var target = Path.Combine(_app.DataFolder, "manual", "truoc-nang-cap.db");

        var (code, output, error) = await RunAppAsync(["backup", target], new() { ["Database__DataFolder"] = _app.DataFolder });
        Assert.True(code == 0, $"exit {code}: {error}");
        Assert.Contains(target, output, StringComparison.Ordinal);
        Assert.Equal("ok", Scalar(target, "PRAGMA integrity_check"));
        Assert.Equal("1", Scalar(target, "SELECT COUNT(*) FROM Customers WHERE Name = 'Khách trước sao lưu'"));
        await using (var db = await _app.DbFactory.CreateDbContextAsync())
        {
            var entry = await db.AuditLog.SingleAsync(e => e.Action == AuditActions.BackupCreated);
            Assert.Null(entry.ActorId);
            Assert.StartsWith("command line", entry.ActorName, StringComparison.Ordinal);
            Assert.Equal("truoc-nang-cap.db", entry.TargetName);
        }

        var (refused, _, message) = await RunAppAsync(["backup"],
            new() { ["Database__Provider"] = "Postgres", ["ConnectionStrings__Crm"] = "Host=127.0.0.1;Database=crm;Username=crm;Password=x" });
        Assert.Equal(2, refused);
        Assert.Contains("pg_dump", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settings_backup_is_refused_to_a_non_admin_and_on_other_providers()
    {
        var salesId = await _app.CreateUserAsync("sales.backup", "Không được sao lưu 2026", CrmBlazor.Domain.Organization.Rights.SalesDefault);
        var sales = (await CurrentUser.LoadAsync(_app.DbFactory, salesId))!;
        await Assert.ThrowsAsync<AccessDeniedException>(() => _scope.ServiceProvider.GetRequiredService<BackupService>().BackupAsync(sales));

        var postgres = new BackupService(_app.DbFactory, new DatabaseInfo(DatabaseProvider.Postgres), _app.Services.GetRequiredService<IConfiguration>(),
            _app.Services.GetRequiredService<IHostEnvironment>(), TimeProvider.System);
        Assert.False(postgres.IsSupported);
        var e = await Assert.ThrowsAsync<BackupNotSupportedException>(() => postgres.BackupAsync(_admin));
        Assert.Contains("pg_dump", e.Message, StringComparison.Ordinal);

        Assert.False(Directory.Exists(Path.Combine(_app.DataFolder, SqliteBackup.BackupsFolder)));
        await using var db = await _app.DbFactory.CreateDbContextAsync();
        Assert.Equal(0, await db.AuditLog.CountAsync());
    }

    private static string Name(int n) => $"{NamePrefix}{n:D5}";

    /// <summary>Customers 1, 2, 3… each in a transaction of its own (created, then given its code), until stopped.</summary>
    private async Task WriteCustomersAsync(CancellationToken stop, Action<int> committed)
    {
        int relationship;
        await using (var db = await _app.DbFactory.CreateDbContextAsync())
        {
            relationship = await db.Relationships.Where(r => r.IsDefault).Select(r => r.Id).FirstAsync();
        }

        for (var n = 1; !stop.IsCancellationRequested; n++)
        {
            await using var db = await _app.DbFactory.CreateDbContextAsync();
            await using var tx = await db.Database.BeginTransactionAsync();
            var customer = Customer.Create(new CustomerDetails { Name = Name(n), Phone = $"090{n:D7}" }, relationship, _admin.UserId, _admin.UserId, DateTime.UtcNow);
            db.Customers.Add(customer);
            await db.SaveChangesAsync();
            customer.AssignGeneratedCode();
            await db.SaveChangesAsync();
            await tx.CommitAsync();
            committed(n);
        }
    }

    private static async Task<(int Code, string Output, string Error)> RunAppAsync(string[] args, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepoRoot.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(RepoRoot.Path, "bin", "Release", "net10.0", "CrmBlazor.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["Database__Provider"] = "Sqlite";
        start.Environment["ConnectionStrings__Crm"] = string.Empty;
        foreach (var (k, v) in environment)
        {
            start.Environment[k] = v;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    private static string? Scalar(string file, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={file};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void CopyFolder(string from, string into)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(into, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }
    }

    [GeneratedRegex(@"^crm-\d{8}-\d{6}Z\.db$")]
    private static partial Regex BackupName();
}
