namespace Flows.Core.Data;

/// <summary>
/// Bounds checked before an image is decoded (file size, then width×height from the header alone) and while it
/// is (ImageSharp's allocation limit), so a forged header cannot make the decoder allocate gigabytes.
/// </summary>
public sealed record ImageDecodeLimits(long MaxFileBytes, long MaxPixels, int AllocationLimitMegabytes)
{
    /// <summary>64 MiB files, 16 megapixels, 256 MB per decoder buffer: far above any data set used here.</summary>
    public static ImageDecodeLimits Default { get; } = new(64L << 20, 4096L * 4096, 256);
}
