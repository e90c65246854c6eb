namespace Flows.Core.Evaluation;

/// <summary>
/// A lossless image compressor for the input-complexity score (<see cref="ComplexityScore"/>): the length in bits
/// of one image's compressed encoding. Named so that <c>--compressor NAME</c> can choose one (<see cref="ImageCompressors"/>).
/// </summary>
public interface IImageCompressor
{
    /// <summary>The name on the command line and in reports (e.g. "png").</summary>
    string Name { get; }

    /// <summary>Length in bits of the losslessly compressed image; pixels are bytes C×H×W (C = 1 or 3).</summary>
    long CompressedBits(ReadOnlySpan<byte> pixels, int channels, int height, int width);
}

/// <summary>The compressors known by name.</summary>
public static class ImageCompressors
{
    /// <summary>Every name <see cref="Create"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = [PngCompressor.CompressorName];

    /// <summary>The compressor called <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">No compressor has that name.</exception>
    public static IImageCompressor Create(string name) => name.ToLowerInvariant() switch
    {
        PngCompressor.CompressorName => new PngCompressor(),
        _ => throw new ArgumentException($"unknown compressor '{name}'; known: {string.Join(", ", Names)}"),
    };
}
