using System.IO.Compression;

namespace CrmBlazor.Features.Comments;

/// <summary>Why an attachment was refused; the comment box says it in the user's language.</summary>
public enum AttachmentRejection
{
    TooLarge,
    /// <summary>The file name's extension is not on the allow-list.</summary>
    TypeNotAllowed,
    /// <summary>The first bytes are not those of the type the name claims (an .exe named .pdf, HTML named .png).</summary>
    ContentMismatch,
}

public sealed class AttachmentRejectedException(string fileName, AttachmentRejection reason, string message) : ArgumentException(message)
{
    public string FileName { get; } = fileName;
    public AttachmentRejection Reason { get; } = reason;
}

/// <summary>
/// The attachment allow-list (#20, finding 11). A file is accepted when its extension is on the list and its first bytes
/// are that type's signature; the browser's claimed content type is not trusted, the stored one is the list's:
/// <list type="bullet">
/// <item>images .png, .jpg/.jpeg, .gif, .webp: their magic numbers; the only types served inline;</item>
/// <item>.pdf: "%PDF-" within the first 1,024 bytes (as readers accept it);</item>
/// <item>.docx, .xlsx, .pptx: a ZIP ("PK\x03\x04") that holds [Content_Types].xml and the word/, xl/ or ppt/ part;</item>
/// <item>.doc, .xls, .ppt: an OLE compound file (D0 CF 11 E0 A1 B1 1A E1);</item>
/// <item>.txt, .csv: text, i.e. no NUL byte anywhere (UTF-16 text is refused; save it as UTF-8).</item>
/// </list>
/// SVG and HTML are never accepted (they carry scripts); everything but the images is served as a download.
/// </summary>
public static class AttachmentTypes
{
    public sealed record Kind(string ContentType, bool IsImage, bool IsText, string? OfficeFolder, Func<ReadOnlySpan<byte>, bool> Matches);

    /// <summary>Bytes read before deciding.</summary>
    public const int HeadLength = 1024;

    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF];
    private static readonly byte[] Ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    private static readonly byte[] Zip = [0x50, 0x4B, 0x03, 0x04];

    private static readonly Kind PngKind = new("image/png", true, false, null, h => h.StartsWith(Png));
    private static readonly Kind JpegKind = new("image/jpeg", true, false, null, h => h.StartsWith(Jpeg));
    private static readonly Kind GifKind = new("image/gif", true, false, null, h => h.StartsWith("GIF87a"u8) || h.StartsWith("GIF89a"u8));
    private static readonly Kind WebpKind = new("image/webp", true, false, null, h => h.Length >= 12 && h.StartsWith("RIFF"u8) && h[8..12].SequenceEqual("WEBP"u8));
    private static readonly Kind PdfKind = new("application/pdf", false, false, null, h => h.IndexOf("%PDF-"u8) >= 0);
    private static readonly Kind TextKind = new("text/plain", false, true, null, h => !h.Contains((byte)0));
    private static readonly Kind CsvKind = new("text/csv", false, true, null, h => !h.Contains((byte)0));

    private static Kind Office(string contentType, string folder) => new(contentType, false, false, folder, h => h.StartsWith(Zip));

    private static Kind LegacyOffice(string contentType) => new(contentType, false, false, null, h => h.StartsWith(Ole));

    private static readonly Dictionary<string, Kind> ByExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        [".png"] = PngKind,
        [".jpg"] = JpegKind,
        [".jpeg"] = JpegKind,
        [".gif"] = GifKind,
        [".webp"] = WebpKind,
        [".pdf"] = PdfKind,
        [".docx"] = Office("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "word/"),
        [".xlsx"] = Office("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xl/"),
        [".pptx"] = Office("application/vnd.openxmlformats-officedocument.presentationml.presentation", "ppt/"),
        [".doc"] = LegacyOffice("application/msword"),
        [".xls"] = LegacyOffice("application/vnd.ms-excel"),
        [".ppt"] = LegacyOffice("application/vnd.ms-powerpoint"),
        [".txt"] = TextKind,
        [".csv"] = CsvKind,
    };

    /// <summary>Content types served inline (shown in the page); every other attachment is a download.</summary>
    public static readonly IReadOnlySet<string> InlineContentTypes = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "image/png", "image/jpeg", "image/gif", "image/webp",
    };

    public static IEnumerable<string> Extensions => ByExtension.Keys;

    /// <summary>The kind a file name claims, or null when its extension is not allowed.</summary>
    public static Kind? ForFileName(string fileName) => ByExtension.GetValueOrDefault(Path.GetExtension(fileName ?? string.Empty));

    /// <summary>An OOXML file (already on disk): a ZIP with [Content_Types].xml and the application's folder.</summary>
    public static bool IsOfficeZip(string path, string folder)
    {
        try
        {
            using var zip = ZipFile.OpenRead(path);
            return zip.GetEntry("[Content_Types].xml") is not null
                && zip.Entries.Any(e => e.FullName.StartsWith(folder, StringComparison.OrdinalIgnoreCase));
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }
}
