using System.IO.Compression;
using System.Net;
using CrmBlazor.Data;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Comments;
using CrmBlazor.Security;
using CrmBlazor.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CrmBlazor.Tests.Integration.Comments;

/// <summary>Attachments are what their bytes say, and only images are shown inline (#20, finding 11).</summary>
public sealed class AttachmentTypeTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "crm-attach-types-" + Guid.NewGuid().ToString("N"));
    private readonly AttachmentStore _store;

    public AttachmentTypeTests() => _store = new AttachmentStore(_folder, 1024 * 1024);

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, true);
        }
    }

    internal static readonly byte[] PngBytes = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    private static readonly byte[] Exe = [(byte)'M', (byte)'Z', 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xFF, 0xFF, 0, 0, .. new byte[200]];

    private static NewAttachment File(string name, string type, byte[] bytes) => new(name, type, bytes.Length, new MemoryStream(bytes));

    private static byte[] Zip(params string[] entries)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var e in entries)
            {
                using var w = new StreamWriter(zip.CreateEntry(e).Open());
                w.Write("<x/>");
            }
        }

        return ms.ToArray();
    }

    private async Task<AttachmentRejection> RefusedAsync(NewAttachment a)
    {
        var ex = await Assert.ThrowsAsync<AttachmentRejectedException>(() => _store.SaveAsync(a, default));
        Assert.Empty(Directory.EnumerateFiles(_folder));
        return ex.Reason;
    }

    [Fact]
    public async Task A_program_sent_as_a_PDF_and_HTML_sent_as_a_PNG_are_refused()
    {
        Assert.Equal(AttachmentRejection.ContentMismatch, await RefusedAsync(File("bao-gia.pdf", "application/pdf", Exe)));
        Assert.Equal(AttachmentRejection.ContentMismatch, await RefusedAsync(File("anh.png", "image/png", "<html><script>alert(1)</script></html>"u8.ToArray())));
        Assert.Equal(AttachmentRejection.ContentMismatch, await RefusedAsync(File("anh.jpg", "image/jpeg", PngBytes)));
        Assert.Equal(AttachmentRejection.ContentMismatch, await RefusedAsync(File("ghi-chu.txt", "text/plain", Exe)));
        Assert.Equal(AttachmentRejection.ContentMismatch, await RefusedAsync(File("hop-dong.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", Zip("evil.exe"))));
        Assert.Equal(AttachmentRejection.ContentMismatch, await RefusedAsync(File("bang.xls", "application/vnd.ms-excel", Zip("a.txt"))));
        Assert.Equal(AttachmentRejection.TypeNotAllowed, await RefusedAsync(File("trang.html", "text/html", "<html></html>"u8.ToArray())));
        Assert.Equal(AttachmentRejection.TypeNotAllowed, await RefusedAsync(File("logo.svg", "image/svg+xml", "<svg onload=alert(1)/>"u8.ToArray())));
        Assert.Equal(AttachmentRejection.TypeNotAllowed, await RefusedAsync(File("setup.exe", "application/pdf", Exe)));
        Assert.Equal(AttachmentRejection.ContentMismatch, await RefusedAsync(File("rong.pdf", "application/pdf", [0])));
    }

    [Theory]
    [InlineData("anh.png", "image/png")]
    [InlineData("bao-gia.pdf", "application/pdf")]
    [InlineData("danh-sach.csv", "text/csv")]
    [InlineData("ghi-chu.txt", "text/plain")]
    [InlineData("hop-dong.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")]
    [InlineData("bang.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]
    [InlineData("cu.doc", "application/msword")]
    [InlineData("anh.gif", "image/gif")]
    [InlineData("anh.jpeg", "image/jpeg")]
    [InlineData("anh.webp", "image/webp")]
    public async Task Real_files_of_each_allowed_type_are_kept_with_the_type_their_bytes_prove(string name, string expected)
    {
        var bytes = Path.GetExtension(name) switch
        {
            ".png" => PngBytes,
            ".pdf" => "%PDF-1.7\n%âãÏÓ\n1 0 obj\n"u8.ToArray(),
            ".csv" => "Tên,Điện thoại\nAn,0912000111\n"u8.ToArray(),
            ".txt" => "Ghi chú cuộc gọi"u8.ToArray(),
            ".docx" => Zip("[Content_Types].xml", "word/document.xml"),
            ".xlsx" => Zip("[Content_Types].xml", "xl/workbook.xml"),
            ".doc" => [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, .. new byte[504]],
            ".gif" => "GIF89a\x01\0\x01\0"u8.ToArray(),
            ".jpeg" => [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F'],
            ".webp" => "RIFF\x1a\0\0\0WEBPVP8 "u8.ToArray(),
            _ => throw new InvalidOperationException(),
        };

        // The browser's claim is not trusted: octet-stream (or Excel's type for a .csv on Windows) is fine.
        var (storage, contentType) = await _store.SaveAsync(File(name, "application/octet-stream", bytes), default);
        Assert.Equal(expected, contentType);
        await using var saved = _store.Open(storage)!;
        Assert.Equal(bytes.Length, saved.Length);
    }

    /// <summary>Over HTTP: images inline, everything else as a download; nosniff and a sandboxing CSP on both.</summary>
    [Fact]
    public async Task Only_images_are_served_inline_and_everything_else_is_a_download()
    {
        await using var app = new CrmAppFactory();
        var lan = await app.CreateUserAsync("lan", "Lan@12345678", Rights.SalesDefault, "Nguyễn Thị Lan");
        var customer = await app.CreateCustomerAsync("Công ty An Phát", "0912000111", lan);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var me = (await CurrentUser.LoadAsync(app.DbFactory, lan))!;
            await scope.ServiceProvider.GetRequiredService<CommentService>().PostAsync(me, customer, "Tệp", [
                File("anh.png", "image/png", PngBytes),
                File("bao-gia.pdf", "application/pdf", "%PDF-1.7\n"u8.ToArray()),
                File("ghi-chu.txt", "text/html", "<script>alert(1)</script>"u8.ToArray()),
            ]);
        }

        Dictionary<string, long> ids;
        await using (var db = await app.DbFactory.CreateDbContextAsync())
        {
            ids = await db.CommentAttachments.ToDictionaryAsync(a => a.FileName, a => a.Id);
            Assert.Equal("text/plain", await db.CommentAttachments.Where(a => a.FileName == "ghi-chu.txt").Select(a => a.ContentType).SingleAsync());
        }

        var client = app.CreateClient(new() { AllowAutoRedirect = false });
        Assert.Equal(HttpStatusCode.Redirect, (await FormPost.SignInAsync(client, "lan", "Lan@12345678")).StatusCode);

        var image = await client.GetAsync($"/attachments/{ids["anh.png"]}");
        Assert.Equal(HttpStatusCode.OK, image.StatusCode);
        Assert.Equal("image/png", image.Content.Headers.ContentType!.MediaType);
        Assert.NotEqual("attachment", image.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("nosniff", Assert.Single(image.Headers.GetValues("X-Content-Type-Options")));

        foreach (var name in new[] { "bao-gia.pdf", "ghi-chu.txt" })
        {
            var download = await client.GetAsync($"/attachments/{ids[name]}");
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal("attachment", download.Content.Headers.ContentDisposition!.DispositionType);
            Assert.Equal(name, download.Content.Headers.ContentDisposition.FileNameStar ?? download.Content.Headers.ContentDisposition.FileName);
            Assert.Equal("nosniff", Assert.Single(download.Headers.GetValues("X-Content-Type-Options")));
            Assert.Contains("sandbox", Assert.Single(download.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        }
    }
}
