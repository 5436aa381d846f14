using System.Globalization;
using CrmBlazor.Domain.Common;
using SkiaSharp;

namespace CrmBlazor.Features.Customers;

/// <summary>Stable codes of the avatar rules (R1.1), localised by the page.</summary>
public static class AvatarCodes
{
    public const string NotAnImage = "avatar.not-an-image";
    public const string TooLarge = "avatar.too-large";
    public const string TooManyPixels = "avatar.too-many-pixels";
}

/// <summary>
/// Customer avatars (R1.1) on disk under the data folder (avatars/), outside wwwroot, under random names. A customer's
/// <see cref="Domain.Customers.Customer.AvatarUrl"/> is then "customers/{id}/avatar/{file}", served only by that address's
/// endpoint, which checks that the reader may see the customer (like a comment's attachments).
/// </summary>
public sealed class AvatarStore
{
    /// <summary>The largest upload accepted.</summary>
    public const long MaxUploadBytes = 5 * 1024 * 1024;

    /// <summary>The stored image fits in a square of this side.</summary>
    public const int MaxSide = 256;

    /// <summary>An image of more pixels is refused before decoding (a small file can declare a huge canvas).</summary>
    public const long MaxPixels = 50_000_000;

    private readonly string _folder;

    public AvatarStore(IConfiguration configuration, IHostEnvironment environment)
        : this(Path.Combine(Comments.AttachmentStore.DataRoot(configuration, environment), "avatars"))
    {
    }

    public AvatarStore(string folder)
    {
        _folder = folder;
        Directory.CreateDirectory(_folder);
    }

    /// <summary>The address a stored avatar of a customer is served at.</summary>
    public static string UrlOf(int customerId, string file) => $"customers/{customerId.ToString(CultureInfo.InvariantCulture)}/avatar/{file}";

    /// <summary>The stored file behind <paramref name="avatarUrl"/> when it is one of this customer's uploads, else null.</summary>
    public static string? FileOf(int customerId, string? avatarUrl)
    {
        var prefix = UrlOf(customerId, string.Empty);
        if (avatarUrl is null || !avatarUrl.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var file = avatarUrl[prefix.Length..];
        return file.Length > 0 && file == Path.GetFileName(file) ? file : null;
    }

    /// <summary>
    /// Reads an upload (at most <see cref="MaxUploadBytes"/>), decodes it — so only a real image passes, whatever its name or
    /// declared type — turns it upright (a phone photo's EXIF orientation), scales it down to fit <see cref="MaxSide"/>
    /// (never up) and encodes it as WebP. Throws <see cref="DomainException"/> with an <see cref="AvatarCodes"/> code.
    /// </summary>
    public static async Task<byte[]> PrepareAsync(Stream upload, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await upload.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxUploadBytes)
            {
                throw new DomainException(AvatarCodes.TooLarge, $"An avatar may be at most {MaxUploadBytes / (1024 * 1024)} MB.");
            }

            buffer.Write(chunk, 0, read);
        }

        return Prepare(buffer.ToArray());
    }

    private static byte[] Prepare(byte[] bytes)
    {
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data) ?? throw NotAnImage();
        var info = codec.Info;
        if (info.Width <= 0 || info.Height <= 0)
        {
            throw NotAnImage();
        }

        if ((long)info.Width * info.Height > MaxPixels)
        {
            throw new DomainException(AvatarCodes.TooManyPixels, $"The image has more than {MaxPixels / 1_000_000} million pixels.");
        }

        // Decode at the smallest size the codec offers at or above the target (JPEG decodes at 1/2, 1/4, 1/8 for free).
        var scale = Math.Min(1f, (float)MaxSide / Math.Max(info.Width, info.Height));
        var decodeSize = codec.GetScaledDimensions(scale);
        if (decodeSize.Width < 1 || decodeSize.Height < 1)
        {
            decodeSize = new SKSizeI(info.Width, info.Height);
        }

        using var decoded = new SKBitmap(new SKImageInfo(decodeSize.Width, decodeSize.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var result = codec.GetPixels(decoded.Info, decoded.GetPixels());
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
        {
            throw NotAnImage();
        }

        var upright = Orient(decoded, codec.EncodedOrigin);
        try
        {
            var fit = Math.Min(1d, (double)MaxSide / Math.Max(upright.Width, upright.Height));
            var width = Math.Max(1, (int)Math.Round(upright.Width * fit));
            var height = Math.Max(1, (int)Math.Round(upright.Height * fit));
            using var resized = upright.Resize(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul),
                new SKSamplingOptions(SKCubicResampler.Mitchell)) ?? throw NotAnImage();
            using var image = SKImage.FromBitmap(resized);
            using var webp = image.Encode(SKEncodedImageFormat.Webp, 85) ?? throw NotAnImage();
            return webp.ToArray();
        }
        finally
        {
            if (!ReferenceEquals(upright, decoded))
            {
                upright.Dispose();
            }
        }
    }

    /// <summary>The bitmap turned as its EXIF orientation says (the same bitmap when it is upright already).</summary>
    private static SKBitmap Orient(SKBitmap source, SKEncodedOrigin origin)
    {
        if (origin is SKEncodedOrigin.TopLeft or SKEncodedOrigin.Default)
        {
            return source;
        }

        var swap = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var target = new SKBitmap(new SKImageInfo(swap ? source.Height : source.Width, swap ? source.Width : source.Height, source.ColorType, source.AlphaType));
        using var canvas = new SKCanvas(target);
        var (w, h) = (source.Width, source.Height);
        switch (origin)
        {
            case SKEncodedOrigin.TopRight: // mirrored horizontally
                canvas.Scale(-1, 1, w / 2f, 0);
                break;
            case SKEncodedOrigin.BottomRight: // turned 180°
                canvas.RotateDegrees(180, w / 2f, h / 2f);
                break;
            case SKEncodedOrigin.BottomLeft: // mirrored vertically
                canvas.Scale(1, -1, 0, h / 2f);
                break;
            case SKEncodedOrigin.LeftTop: // mirrored along the main diagonal: (x, y) → (y, x)
                canvas.RotateDegrees(90);
                canvas.Scale(1, -1);
                break;
            case SKEncodedOrigin.RightTop: // turned 90° clockwise to stand up: (x, y) → (h - y, x)
                canvas.Translate(h, 0);
                canvas.RotateDegrees(90);
                break;
            case SKEncodedOrigin.RightBottom: // mirrored along the other diagonal: (x, y) → (h - y, w - x)
                canvas.Translate(h, w);
                canvas.RotateDegrees(90);
                canvas.Scale(-1, 1);
                break;
            case SKEncodedOrigin.LeftBottom: // turned 90° counter-clockwise to stand up: (x, y) → (y, w - x)
                canvas.Translate(0, w);
                canvas.RotateDegrees(270);
                break;
        }

        using var image = SKImage.FromBitmap(source);
        canvas.DrawImage(image, 0, 0, new SKSamplingOptions(SKFilterMode.Nearest), null);
        return target;
    }

    private static DomainException NotAnImage() => new(AvatarCodes.NotAnImage, "The file is not an image (JPEG, PNG, GIF, WebP…).");

    /// <summary>Stores a prepared avatar under a new random name; returns the name.</summary>
    public async Task<string> SaveAsync(byte[] webp, CancellationToken ct)
    {
        var name = Guid.NewGuid().ToString("N") + ".webp";
        await File.WriteAllBytesAsync(Path.Combine(_folder, name), webp, ct);
        return name;
    }

    public Stream? Open(string file)
    {
        var path = Path.Combine(_folder, Path.GetFileName(file));
        return File.Exists(path) ? File.OpenRead(path) : null;
    }

    public void Delete(string? file)
    {
        if (string.IsNullOrEmpty(file))
        {
            return;
        }

        var path = Path.Combine(_folder, Path.GetFileName(file));
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }
}
