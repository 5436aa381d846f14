namespace CrmBlazor.Features.Comments;

/// <summary>
/// Comment attachments on disk, outside wwwroot (under the data folder), under random names; they are served only
/// through the attachment endpoint, which checks the customer's visibility.
/// </summary>
public sealed class AttachmentStore
{
    private static readonly HashSet<string> AllowedTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain", "text/csv",
        "application/msword", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-powerpoint", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    };

    private readonly string _folder;

    public AttachmentStore(IConfiguration configuration, IHostEnvironment environment)
        : this(Path.Combine(DataRoot(configuration, environment), "attachments"), configuration.GetValue("Comments:MaxAttachmentBytes", 10L * 1024 * 1024))
    {
    }

    public AttachmentStore(string folder, long maxBytes)
    {
        _folder = folder;
        MaxBytes = maxBytes;
        Directory.CreateDirectory(_folder);
    }

    /// <summary>The data folder (Database:DataFolder, else data/ under the content root): uploads live under it.</summary>
    internal static string DataRoot(IConfiguration configuration, IHostEnvironment environment)
    {
        var data = configuration["Database:DataFolder"];
        return string.IsNullOrWhiteSpace(data) ? Path.Combine(environment.ContentRootPath, "data") : Path.GetFullPath(data, environment.ContentRootPath);
    }

    public long MaxBytes { get; }

    public void Validate(NewAttachment a)
    {
        if (a.Size <= 0 || a.Size > MaxBytes)
        {
            throw new ArgumentException($"'{a.FileName}' is larger than {MaxBytes / (1024 * 1024)} MB.");
        }

        if (!AllowedTypes.Contains(a.ContentType))
        {
            throw new ArgumentException($"'{a.FileName}' is not an image or a document.");
        }
    }

    public async Task<string> SaveAsync(NewAttachment a, CancellationToken ct)
    {
        var name = Guid.NewGuid().ToString("N") + Path.GetExtension(a.FileName).ToLowerInvariant();
        await using var file = File.Create(Path.Combine(_folder, name));
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await a.Content.ReadAsync(buffer, ct)) > 0)
        {
            total += read;
            if (total > MaxBytes)
            {
                file.Close();
                Delete(name);
                throw new ArgumentException($"'{a.FileName}' is larger than {MaxBytes / (1024 * 1024)} MB.");
            }

            await file.WriteAsync(buffer.AsMemory(0, read), ct);
        }

        return name;
    }

    public Stream? Open(string storageName)
    {
        var path = Path.Combine(_folder, Path.GetFileName(storageName));
        return File.Exists(path) ? File.OpenRead(path) : null;
    }

    public void Delete(string storageName)
    {
        var path = Path.Combine(_folder, Path.GetFileName(storageName));
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }
}
