namespace CrmBlazor.Features.Comments;

/// <summary>
/// Comment attachments on disk, outside wwwroot (under the data folder), under random names; they are served only
/// through the attachment endpoint, which checks the customer's visibility.
/// </summary>
public sealed class AttachmentStore
{
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

    /// <summary>Size and name, before anything is written; the content is checked while it is saved.</summary>
    public void Validate(NewAttachment a)
    {
        if (a.Size <= 0 || a.Size > MaxBytes)
        {
            throw TooLarge(a);
        }

        if (AttachmentTypes.ForFileName(a.FileName) is null)
        {
            throw new AttachmentRejectedException(a.FileName, AttachmentRejection.TypeNotAllowed, $"'{a.FileName}' is not an image or a document.");
        }
    }

    /// <summary>
    /// Writes the file under a random name and returns that name with the content type the file really has: its first
    /// bytes must be the signature of the type its name claims (<see cref="AttachmentTypes"/>), a text file must hold no
    /// NUL byte, an Office file must be an Office package. A refused file leaves nothing behind.
    /// </summary>
    public async Task<(string StorageName, string ContentType)> SaveAsync(NewAttachment a, CancellationToken ct)
    {
        Validate(a);
        var kind = AttachmentTypes.ForFileName(a.FileName)!;
        var name = Guid.NewGuid().ToString("N") + Path.GetExtension(a.FileName).ToLowerInvariant();
        var path = Path.Combine(_folder, name);
        try
        {
            await using (var file = File.Create(path))
            {
                var buffer = new byte[81920];
                long total = 0;
                var head = await ReadHeadAsync(a.Content, buffer, ct);
                if (head == 0 || !kind.Matches(buffer.AsSpan(0, Math.Min(head, AttachmentTypes.HeadLength))))
                {
                    throw Mismatch(a);
                }

                var read = head;
                do
                {
                    total += read;
                    if (total > MaxBytes)
                    {
                        throw TooLarge(a);
                    }

                    if (kind.IsText && buffer.AsSpan(0, read).Contains((byte)0))
                    {
                        throw Mismatch(a);
                    }

                    await file.WriteAsync(buffer.AsMemory(0, read), ct);
                }
                while ((read = await a.Content.ReadAsync(buffer, ct)) > 0);
            }

            if (kind.OfficeFolder is { } folder && !AttachmentTypes.IsOfficeZip(path, folder))
            {
                throw Mismatch(a);
            }

            return (name, kind.ContentType);
        }
        catch
        {
            Delete(name);
            throw;
        }
    }

    /// <summary>Fills the buffer with up to <see cref="AttachmentTypes.HeadLength"/> bytes (a stream may give fewer a read).</summary>
    private static async Task<int> ReadHeadAsync(Stream content, byte[] buffer, CancellationToken ct)
    {
        var filled = 0;
        int read;
        while (filled < AttachmentTypes.HeadLength && (read = await content.ReadAsync(buffer.AsMemory(filled, buffer.Length - filled), ct)) > 0)
        {
            filled += read;
        }

        return filled;
    }

    private AttachmentRejectedException TooLarge(NewAttachment a) =>
        new(a.FileName, AttachmentRejection.TooLarge, $"'{a.FileName}' is larger than {MaxBytes / (1024 * 1024)} MB.");

    private static AttachmentRejectedException Mismatch(NewAttachment a) =>
        new(a.FileName, AttachmentRejection.ContentMismatch, $"'{a.FileName}' is not what its name says: its content is not a {Path.GetExtension(a.FileName).TrimStart('.').ToUpperInvariant()} file.");

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
