using System.Net;
using CrmBlazor.Domain.Organization;
using CrmBlazor.Features.Customers;
using CrmBlazor.Live;
using CrmBlazor.Security;
using CrmBlazor.Tests.EndToEnd.Customers;
using CrmBlazor.Tests.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using SkiaSharp;

namespace CrmBlazor.Tests.Integration.Customers;

/// <summary>Test images made with SkiaSharp.</summary>
internal static class TestImages
{
    /// <summary>A picture whose left half is red and right half blue.</summary>
    public static byte[] Encode(int width, int height, SKEncodedImageFormat format = SKEncodedImageFormat.Png, int quality = 100)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.Blue);
            using var red = new SKPaint { Color = SKColors.Red };
            canvas.DrawRect(0, 0, width / 2f, height, red);
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, quality);
        return data.ToArray();
    }

    /// <summary>A JPEG carrying an EXIF orientation (6: the camera was turned; the picture stands up when turned 90° clockwise).</summary>
    public static byte[] JpegWithOrientation(int width, int height, ushort orientation)
    {
        var jpeg = Encode(width, height, SKEncodedImageFormat.Jpeg);
        byte[] tiff =
        [
            0x4D, 0x4D, 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08, // big-endian TIFF header, first IFD at 8
            0x00, 0x01, // one entry
            0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, (byte)(orientation >> 8), (byte)orientation, 0x00, 0x00, // Orientation, SHORT, 1
            0x00, 0x00, 0x00, 0x00, // no next IFD
        ];
        var exif = "Exif\0\0"u8.ToArray().Concat(tiff).ToArray();
        var length = exif.Length + 2;
        byte[] app1 = [0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. exif];
        return [.. jpeg[..2], .. app1, .. jpeg[2..]];
    }

    public static SKBitmap Decode(byte[] bytes) => SKBitmap.Decode(bytes) ?? throw new InvalidOperationException("not an image");

    public static bool IsRed(SKColor c) => c.Red > 180 && c.Blue < 90;

    public static bool IsBlue(SKColor c) => c.Blue > 180 && c.Red < 90;
}

/// <summary>
/// R1.1 avatars: only a real image of at most 5 MB, from a user who may edit the customer (R7.4), stored at most 256×256
/// and upright, through the one write path (version, log, live event), the replaced file removed.
/// </summary>
public sealed class AvatarTests : IAsyncLifetime
{
    private GridWorld _w = null!;
    private string _folder = null!;
    private CustomerService _service = null!;

    public async Task InitializeAsync()
    {
        _w = await GridWorld.CreateAsync();
        _folder = Path.Combine(Path.GetTempPath(), "crm-avatars-" + Guid.NewGuid().ToString("N"));
        _service = new CustomerService(_w.Db.Factory, TimeProvider.System, _w.Bus, null, NullLogger<CustomerService>.Instance, new AvatarStore(_folder));
    }

    public async Task DisposeAsync()
    {
        await _w.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private async Task<(string? Url, int Version)> CustomerAsync(int id)
    {
        await using var db = await _w.Db.Factory.CreateDbContextAsync();
        var c = await db.Customers.SingleAsync(x => x.Id == id);
        return (c.AvatarUrl, c.Version);
    }

    private Task<FieldSaveResult> UploadAsync(UserAccess user, int id, byte[] bytes, int version) =>
        _service.SetAvatarAsync(user, id, new MemoryStream(bytes), version);

    private string[] Files() => Directory.GetFiles(_folder).Select(Path.GetFileName).OfType<string>().ToArray();

    [Fact]
    public async Task A_picture_is_stored_scaled_to_fit_256_logged_and_published_and_a_new_one_replaces_its_file()
    {
        var (_, version) = await CustomerAsync(_w.LanCustomer);
        var saved = await UploadAsync(_w.Lan, _w.LanCustomer, TestImages.Encode(600, 400), version);

        Assert.Equal(SaveStatus.Saved, saved.Status);
        var (url, newVersion) = await CustomerAsync(_w.LanCustomer);
        Assert.Equal(version + 1, newVersion);
        var file = Assert.Single(Files());
        Assert.Equal($"customers/{_w.LanCustomer}/avatar/{file}", url);
        Assert.EndsWith(".webp", file, StringComparison.Ordinal);
        using (var stored = TestImages.Decode(await File.ReadAllBytesAsync(Path.Combine(_folder, file))))
        {
            Assert.Equal((256, 171), (stored.Width, stored.Height));
            Assert.True(TestImages.IsRed(stored.GetPixel(20, 85)));
            Assert.True(TestImages.IsBlue(stored.GetPixel(236, 85)));
        }

        await using (var db = await _w.Db.Factory.CreateDbContextAsync())
        {
            var log = await db.ChangeLog.SingleAsync(l => l.CustomerId == _w.LanCustomer);
            Assert.Equal(("AvatarUrl", (string?)null, url, "detail"), (log.Field, log.OldValue, log.NewValue, log.Origin));
        }

        var e = Assert.IsType<CustomerChanged>(Assert.Single(_w.Bus.Events));
        Assert.Equal((_w.LanCustomer, CustomerChange.Details, newVersion), (e.CustomerId, e.Changes, e.Version));
        // The board's card shows it too.
        var board = new CrmBlazor.Features.Board.BoardService(_w.Db.Factory, _service, TimeProvider.System,
            new CrmBlazor.Features.Relationships.RelationshipService(_w.Db.Factory, new RecordingBus(), TimeProvider.System));
        Assert.Equal(url, (await board.FindCardAsync(_w.Lan, new CrmBlazor.Features.Board.BoardFilter(), _w.LanCustomer))?.AvatarUrl);

        // A second picture (a small one: never scaled up) replaces the first, whose file goes.
        var again = await UploadAsync(_w.Lan, _w.LanCustomer, TestImages.Encode(100, 50, SKEncodedImageFormat.Jpeg), newVersion);
        Assert.Equal(SaveStatus.Saved, again.Status);
        var second = Assert.Single(Files());
        Assert.NotEqual(file, second);
        using var small = TestImages.Decode(await File.ReadAllBytesAsync(Path.Combine(_folder, second)));
        Assert.Equal((100, 50), (small.Width, small.Height));
    }

    [Fact]
    public async Task A_phone_photo_taken_upright_is_stored_upright()
    {
        var (_, version) = await CustomerAsync(_w.LanCustomer);
        // Stored 40×20 (red left, blue right) with orientation 6: shown turned 90° clockwise, 20×40, red on top.
        Assert.Equal(SaveStatus.Saved, (await UploadAsync(_w.Lan, _w.LanCustomer, TestImages.JpegWithOrientation(40, 20, 6), version)).Status);

        using var stored = TestImages.Decode(await File.ReadAllBytesAsync(Path.Combine(_folder, Assert.Single(Files()))));
        Assert.Equal((20, 40), (stored.Width, stored.Height));
        Assert.True(TestImages.IsRed(stored.GetPixel(10, 5)), stored.GetPixel(10, 5).ToString());
        Assert.True(TestImages.IsBlue(stored.GetPixel(10, 35)), stored.GetPixel(10, 35).ToString());
    }

    [Fact]
    public async Task A_file_that_is_not_an_image_or_is_over_5_MB_is_refused_and_nothing_is_kept()
    {
        var (_, version) = await CustomerAsync(_w.LanCustomer);

        var text = await UploadAsync(_w.Lan, _w.LanCustomer, "<svg onload=alert(1)></svg> not really a png"u8.ToArray(), version);
        Assert.Equal((SaveStatus.Invalid, AvatarCodes.NotAnImage), (text.Status, text.ErrorCode));
        // A PNG's signature followed by garbage is not an image either.
        var broken = TestImages.Encode(50, 50)[..40];
        Assert.Equal(AvatarCodes.NotAnImage, (await UploadAsync(_w.Lan, _w.LanCustomer, broken, version)).ErrorCode);

        var big = new byte[AvatarStore.MaxUploadBytes + 1];
        TestImages.Encode(50, 50).CopyTo(big, 0);
        var tooLarge = await UploadAsync(_w.Lan, _w.LanCustomer, big, version);
        Assert.Equal((SaveStatus.Invalid, AvatarCodes.TooLarge), (tooLarge.Status, tooLarge.ErrorCode));

        Assert.Empty(Files());
        Assert.Equal((null, version), await CustomerAsync(_w.LanCustomer));
        Assert.Empty(_w.Bus.Events);
    }

    [Fact]
    public async Task Only_a_user_who_may_edit_the_customer_sets_it_and_a_stale_version_keeps_nothing()
    {
        var (_, version) = await CustomerAsync(_w.LanCustomer);
        var png = TestImages.Encode(64, 64);

        Assert.Equal(SaveStatus.Denied, (await UploadAsync(_w.Viewer, _w.LanCustomer, png, version)).Status);
        Assert.Equal(SaveStatus.NotFound, (await UploadAsync(_w.Minh, _w.LanCustomer, png, version)).Status);
        Assert.Equal(SaveStatus.Saved, (await UploadAsync(_w.Lan, _w.LanCustomer, png, version)).Status);
        var kept = Assert.Single(Files());
        Assert.Equal(SaveStatus.Conflict, (await UploadAsync(_w.Admin, _w.LanCustomer, png, version)).Status);
        Assert.Equal([kept], Files());
    }

    [Fact]
    public async Task Purging_the_customer_removes_its_avatar_file()
    {
        var (_, version) = await CustomerAsync(_w.LanCustomer);
        Assert.Equal(SaveStatus.Saved, (await UploadAsync(_w.Lan, _w.LanCustomer, TestImages.Encode(64, 64), version)).Status);
        Assert.Single(Files());

        Assert.True(await _service.DeleteAsync(_w.Lan, _w.LanCustomer));
        Assert.Single(Files());
        Assert.Equal(1, (await _service.PurgeAsync(_w.Admin, [_w.LanCustomer])).Changed);
        Assert.Empty(Files());
    }
}

/// <summary>GET /customers/{id}/avatar/{file} through the real app: only to users who may see the customer (R7.3).</summary>
public sealed class AvatarEndpointTests : IDisposable
{
    private readonly CrmAppFactory _app = new();

    public void Dispose() => _app.Dispose();

    private HttpClient Client() => _app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    [Fact]
    public async Task The_avatar_is_served_to_those_who_see_the_customer_and_to_nobody_else()
    {
        var lan = await CustomerGridAppData.AddUserAsync(_app, "lan", "Nguyễn Thị Lan", Rights.SalesDefault);
        await CustomerGridAppData.AddUserAsync(_app, "minh", "Đỗ Văn Minh", Rights.SalesDefault);
        var customer = await CustomerGridAppData.AddCustomerAsync(_app, "Công ty Ảnh Đẹp", "0912345670", lan);
        string url;
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var me = (await CurrentUser.LoadAsync(_app.DbFactory, lan))!;
            var service = scope.ServiceProvider.GetRequiredService<CustomerService>();
            var row = (await service.RowAsync(me, customer))!;
            Assert.Equal(SaveStatus.Saved, (await service.SetAvatarAsync(me, customer, new MemoryStream(TestImages.Encode(300, 300)), row.Version)).Status);
            await using var db = await _app.DbFactory.CreateDbContextAsync();
            url = "/" + (await db.Customers.SingleAsync(c => c.Id == customer)).AvatarUrl;
        }

        Assert.NotEqual(HttpStatusCode.OK, (await Client().GetAsync(url)).StatusCode);

        var owner = Client();
        await FormPost.SignInAsync(owner, "lan", CustomerGridAppData.Password);
        var response = await owner.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/webp", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("private", response.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        using (var image = TestImages.Decode(await response.Content.ReadAsByteArrayAsync()))
        {
            Assert.Equal((256, 256), (image.Width, image.Height));
        }

        // Another file name, or this file under another customer's address: not found.
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync($"/customers/{customer}/avatar/{Guid.NewGuid():N}.webp")).StatusCode);
        var other = await CustomerGridAppData.AddCustomerAsync(_app, "Khách khác", "0912345671", lan);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync(url.Replace($"/customers/{customer}/", $"/customers/{other}/", StringComparison.Ordinal))).StatusCode);

        var outsider = Client();
        await FormPost.SignInAsync(outsider, "minh", CustomerGridAppData.Password);
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync(url)).StatusCode);
    }
}
