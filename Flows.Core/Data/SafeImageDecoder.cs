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

    /// <summary>Decodes an image as 8-bit RGB, or throws a DataException that says why it cannot.</summary>
    public Image<Rgb24> LoadRgb(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 14);
            if (stream.Length > Limits.MaxFileBytes)
                throw new DataException($"{path}: {stream.Length} bytes is over the {Limits.MaxFileBytes}-byte limit for an image file");
            var info = Image.Identify(Configuration, stream)
                ?? throw new DataException($"{path} is not a PNG, JPEG or BMP image");
            if ((long)info.Width * info.Height > Limits.MaxPixels || info.Width <= 0 || info.Height <= 0)
                throw new DataException($"{path}: its header says {info.Width}x{info.Height} pixels, over the limit of {Limits.MaxPixels}");
            stream.Position = 0;
            return Image.Load<Rgb24>(Configuration, stream);
        }
        catch (Exception e) when (e is ImageFormatException or UnknownImageFormatException or InvalidImageContentException
                                      or InvalidMemoryOperationException or NotSupportedException or IOException or UnauthorizedAccessException)
        {
            throw new DataException($"{path} cannot be decoded ({e.Message})", e);
        }
    }
}
