using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace Flows.Core.Evaluation;

/// <summary>
/// PNG through ImageSharp at <see cref="PngCompressionLevel.BestCompression"/> (zlib level 9, adaptive filters),
/// 8-bit grayscale for one channel and 8-bit RGB for three, no ancillary chunks. The length is the whole file:
/// it includes the container (signature, IHDR, IDAT framing, IEND, zlib header and checksums), a near-constant
/// overhead of about 70 bytes (<see cref="OverheadBits"/> measures it) that shifts every complexity score by
/// the same amount per image size and so changes no ranking.
/// </summary>
public sealed class PngCompressor : IImageCompressor
{
    /// <summary>The command-line name.</summary>
    public const string CompressorName = "png";

    private static readonly PngEncoder Grayscale = Encoder(PngColorType.Grayscale);
    private static readonly PngEncoder Rgb = Encoder(PngColorType.Rgb);

    /// <inheritdoc/>
    public string Name => CompressorName;

    /// <inheritdoc/>
    public long CompressedBits(ReadOnlySpan<byte> pixels, int channels, int height, int width)
    {
        if (channels is not (1 or 3)) throw new ArgumentException($"PNG complexity takes 1 or 3 channels, got {channels}", nameof(channels));
        if (height < 1 || width < 1 || pixels.Length != channels * height * width)
            throw new ArgumentException($"{pixels.Length} bytes are not an image of {channels}x{height}x{width}", nameof(pixels));
        using var stream = new MemoryStream();
        if (channels == 1)
        {
            using var image = Image.LoadPixelData<L8>(pixels, width, height);
            image.Save(stream, Grayscale);
        }
        else
        {
            // C×H×W planes to interleaved RGB.
            var rgb = new byte[pixels.Length];
            int plane = height * width;
            for (int i = 0; i < plane; i++)
                for (int c = 0; c < 3; c++) rgb[i * 3 + c] = pixels[c * plane + i];
            using var image = Image.LoadPixelData<Rgb24>(rgb, width, height);
            image.Save(stream, Rgb);
        }
        return stream.Length * 8;
    }

    /// <summary>The bits of a blank (all-zero) image of this size: the container and the least a PNG can hold.</summary>
    public long OverheadBits(int channels, int height, int width) =>
        CompressedBits(new byte[channels * height * width], channels, height, width);

    private static PngEncoder Encoder(PngColorType color) => new()
    {
        CompressionLevel = PngCompressionLevel.BestCompression,
        ColorType = color,
        BitDepth = PngBitDepth.Bit8,
        ChunkFilter = PngChunkFilter.ExcludeAll,
    };
}
