using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;

namespace Flows.Core.Data;

/// <summary>
/// Decodes user-supplied image files within limits: only single-frame formats (PNG, JPEG, BMP) are enabled, the
/// file size and the header's width×height are checked before decoding, and ImageSharp's allocator is capped.
/// </summary>
public sealed class SafeImageDecoder
{
    public SafeImageDecoder(ImageDecodeLimits limits)
    {
        Limits = limits;
        // Animated formats (GIF, and APNG in later ImageSharp versions) are left out, so frame counts cannot explode.
        Configuration = new Configuration(new PngConfigurationModule(), new JpegConfigurationModule(), new BmpConfigurationModule())
        {
            MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions { AllocationLimitMegabytes = limits.AllocationLimitMegabytes }),
            MaxDegreeOfParallelism = 1, // callers decode many files in parallel
        };
    }

    public ImageDecodeLimits Limits { get; }

    public Configuration Configuration { get; }

    /// <summary>File extensions this decoder reads.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".jpg", ".jpeg", ".bmp"];

    public static bool IsImageFile(string path) =>
        Extensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    /// <summary>Decodes an image file as 8-bit RGB, or throws a DataException that says why it cannot.</summary>
    public Image<Rgb24> LoadRgb(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 14);
            return LoadRgb(stream, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataException($"{path} cannot be decoded ({e.Message})", e);
        }
    }

    /// <summary>
    /// Decodes an encoded image (PNG, JPEG or BMP bytes) held in a seekable stream as 8-bit RGB, within the limits;
    /// <paramref name="label"/> names it in the DataException that says why it cannot be decoded.
    /// </summary>
    public Image<Rgb24> LoadRgb(Stream stream, string label)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            if (stream.Length > Limits.MaxFileBytes)
                throw new DataException($"{label}: {stream.Length} bytes is over the {Limits.MaxFileBytes}-byte limit for an image file");
            long start = stream.Position;
            if (ImageHeaderCheck.Problem(stream) is { } problem)
                throw new DataException($"{label} cannot be decoded: {problem}");
            var info = Image.Identify(Configuration, stream)
                ?? throw new DataException($"{label} is not a PNG, JPEG or BMP image");
            if ((long)info.Width * info.Height > Limits.MaxPixels || info.Width <= 0 || info.Height <= 0)
                throw new DataException($"{label}: its header says {info.Width}x{info.Height} pixels, over the limit of {Limits.MaxPixels}");
            stream.Position = start;
            return Image.Load<Rgb24>(Configuration, stream);
        }
        catch (Exception e) when (e is ImageFormatException or UnknownImageFormatException or InvalidImageContentException
                                      or InvalidMemoryOperationException or NotSupportedException or IOException or UnauthorizedAccessException
                                      // ImageSharp meets some forged fields with general exceptions; the file is still the cause.
                                      or InvalidOperationException or ArgumentException or ArithmeticException or IndexOutOfRangeException
                                      // ...and its JPEG decoder some damaged scans with a NullReferenceException of its own.
                                      || (e is NullReferenceException && e.TargetSite?.Module.Assembly == typeof(Image).Assembly))
        {
            throw new DataException($"{label} cannot be decoded ({e.Message})", e);
        }
    }
}
