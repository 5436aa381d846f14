using System.Globalization;
using Microsoft.Data.Sqlite;

namespace CrmBlazor.Features.Backup;

/// <summary>What a backup wrote: the database copy, its size, and the folder with the copied uploads (when there were any).</summary>
public sealed record BackupResult(string File, long Bytes, int UploadFiles, string? UploadsFolder);

/// <summary>The provider has no built-in online backup here (PostgreSQL, SQL Server): use the server's own tools.</summary>
public sealed class BackupNotSupportedException(string provider)
    : NotSupportedException($"Online backup is built in for SQLite only; this app uses {provider}. Back it up with the database server's own tools " +
        "(PostgreSQL: pg_dump -Fc; SQL Server: BACKUP DATABASE). See the README, \"Backup and restore\".");

/// <summary>
/// An online backup of the SQLite database (issue #20) with SQLite's backup API (<see cref="SqliteConnection.BackupDatabase(SqliteConnection)"/>):
/// the copy is one consistent snapshot of the database — every transaction committed before it, none after — taken while
/// the app keeps reading and writing (in WAL mode writers are not blocked by the backup's read). The uploads beside the
/// database (comment attachments, customer avatars) are copied after it into a folder next to the copy: files are written
/// once under random names, so every file the copied database names is there.
/// </summary>
public static class SqliteBackup
{
    public const string BackupsFolder = "backups";

    /// <summary>Upload folders under the data folder that a backup copies.</summary>
    public static readonly string[] UploadFolders = ["attachments", "avatars"];

    /// <param name="databaseFile">The live database file.</param>
    /// <param name="dataFolder">The data folder: its uploads are copied, and its <c>backups/</c> is the default target.</param>
    /// <param name="target">A file, or an existing folder (a timestamped name is made in it); null: <c>backups/</c> in the data folder.</param>
    public static BackupResult Run(string databaseFile, string dataFolder, string? target, DateTime utcNow)
    {
        if (!File.Exists(databaseFile))
        {
            throw new FileNotFoundException($"There is no database at {databaseFile}.", databaseFile);
        }

        var file = TargetFile(dataFolder, target, utcNow);
        if (File.Exists(file))
        {
            throw new IOException($"{file} exists already; choose another name.");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var source = new SqliteConnectionStringBuilder { DataSource = databaseFile, Mode = SqliteOpenMode.ReadWrite, Pooling = false };
        var destination = new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false };
        using (var from = new SqliteConnection(source.ConnectionString))
        using (var to = new SqliteConnection(destination.ConnectionString))
        {
            from.Open();
            to.Open();
            from.BackupDatabase(to);
            // A single self-contained file: no -wal/-shm beside it to forget when it is copied somewhere.
            Execute(to, "PRAGMA journal_mode=DELETE");
            var check = Execute(to, "PRAGMA integrity_check");
            if (!string.Equals(check, "ok", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The backup {file} failed its integrity check: {check}");
            }
        }

        var (uploads, count) = CopyUploads(dataFolder, file);
        return new BackupResult(file, new FileInfo(file).Length, count, uploads);
    }

    /// <summary>crm-20261202-081500.db (UTC) in the given folder or the data folder's backups/.</summary>
    public static string TargetFile(string dataFolder, string? target, DateTime utcNow)
    {
        var name = $"crm-{utcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}Z.db";
        if (string.IsNullOrWhiteSpace(target))
        {
            return Path.Combine(dataFolder, BackupsFolder, name);
        }

        var full = Path.GetFullPath(target);
        return Directory.Exists(full) || target.EndsWith(Path.DirectorySeparatorChar) || target.EndsWith(Path.AltDirectorySeparatorChar)
            ? Path.Combine(full, name)
            : full;
    }

    /// <summary>The uploads' copy of a backup file: crm-…Z.db → crm-…Z.files/.</summary>
    public static string UploadsFolderOf(string backupFile) => Path.ChangeExtension(backupFile, ".files");

    private static (string? Folder, int Count) CopyUploads(string dataFolder, string backupFile)
    {
        var into = UploadsFolderOf(backupFile);
        var count = 0;
        foreach (var name in UploadFolders)
        {
            var from = Path.Combine(dataFolder, name);
            if (!Directory.Exists(from))
            {
                continue;
            }

            foreach (var source in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            {
                var copy = Path.Combine(into, name, Path.GetRelativePath(from, source));
                Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
                try
                {
                    File.Copy(source, copy, overwrite: false);
                    count++;
                }
                catch (FileNotFoundException)
                {
                    // Deleted since it was listed: the copied database no longer needs it either.
                }
            }
        }

        return (Directory.Exists(into) ? into : null, count);
    }

    private static string? Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
