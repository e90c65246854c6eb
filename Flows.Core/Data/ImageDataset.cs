namespace Flows.Core.Data;

/// <summary>
/// Images as raw bytes in N×C×H×W order with one integer label each (-1 when the source has no labels).
/// Conversion to floats, dequantization and the logit transform belong to the caller.
/// </summary>
/// <remarks>
/// The bytes live in one or more chunks of whole images (<see cref="PixelChunks"/>): one .NET array holds at most
/// 2 GiB, and the ImageNet 64×64 train split is 15.7 GB (docs/MODELS.md §3.1). Every chunk but the last holds the
/// same number of images, so image i is found by one division. Read pixels through <see cref="Image"/>,
/// <see cref="CopyImages"/> or <see cref="PixelChunks"/>; a set is never changed in place.
/// </remarks>
public sealed class ImageDataset
{
    /// <summary>Bytes per chunk that <see cref="ImagePixelWriter"/> aims at: well under the 2 GiB of one array.</summary>
    internal const long DefaultChunkBytes = 1L << 28;

    private readonly byte[][] _chunks;
    private readonly int _imagesPerChunk;

    /// <summary>A set over one array of pixels (taken, not copied).</summary>
    public ImageDataset(string name, byte[] pixels, int[] labels, int channels, int height, int width,
        IReadOnlyList<string>? classNames = null)
        : this(name, [pixels ?? throw new ArgumentNullException(nameof(pixels))], Math.Max(1, labels?.Length ?? 0),
            labels!, channels, height, width, classNames)
    {
    }

    /// <summary>
    /// A set over <paramref name="chunks"/> (taken, not copied): each holds <paramref name="imagesPerChunk"/> whole
    /// images except the last, which holds 1 to that many.
    /// </summary>
    internal ImageDataset(string name, byte[][] chunks, int imagesPerChunk, int[] labels, int channels, int height, int width,
        IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(chunks);
        ArgumentNullException.ThrowIfNull(labels);
        if (channels <= 0 || height <= 0 || width <= 0)
            throw new ArgumentOutOfRangeException(nameof(channels), $"image shape must be positive, got {channels}x{height}x{width}");
        if (imagesPerChunk <= 0)
            throw new ArgumentOutOfRangeException(nameof(imagesPerChunk), $"a chunk holds at least one image, got {imagesPerChunk}");
        long imageSize = (long)channels * height * width;
        long total = chunks.Sum(c => (c ?? throw new ArgumentNullException(nameof(chunks))).LongLength);
        if (total != imageSize * labels.Length)
            throw new ArgumentException(
                $"{labels.Length} labels need {imageSize * labels.Length} pixel bytes for {channels}x{height}x{width} images, got {total}");
        for (int i = 0; i < chunks.Length - 1; i++)
            if (chunks[i].LongLength != imageSize * imagesPerChunk)
                throw new ArgumentException($"pixel chunk {i} holds {chunks[i].LongLength} bytes where {imagesPerChunk} images of {imageSize} bytes are expected");
        if (chunks.Length > 0 && (chunks[^1].LongLength == 0 && labels.Length > 0 || chunks[^1].LongLength > imageSize * imagesPerChunk))
            throw new ArgumentException($"the last pixel chunk holds {chunks[^1].LongLength} bytes, not 1 to {imagesPerChunk} images of {imageSize} bytes");
        Name = name;
        _chunks = chunks;
        _imagesPerChunk = imagesPerChunk;
        Labels = labels;
        Channels = channels;
        Height = height;
        Width = width;
        ClassNames = classNames ?? Array.Empty<string>();
    }

    public string Name { get; }

    public int[] Labels { get; }

    public int Count => Labels.Length;

    public int Channels { get; }

    public int Height { get; }

    public int Width { get; }

    /// <summary>Bytes per image: C·H·W.</summary>
    public int ImageSize => Channels * Height * Width;

    /// <summary>All the pixel bytes: Count·ImageSize (may exceed what one array holds).</summary>
    public long PixelBytes => (long)Count * ImageSize;

    /// <summary>The pixel storage in order: the images back to back, each C×H×W, channel planes row-major.</summary>
    public IEnumerable<ReadOnlyMemory<byte>> PixelChunks => _chunks.Select(c => (ReadOnlyMemory<byte>)c);

    /// <summary>Class names indexed by label, when the source names them (folder names, CIFAR meta); else empty.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    public bool HasLabels => Labels.Length == 0 || Labels[0] >= 0;

    /// <summary>The bytes of image <paramref name="index"/> (C×H×W), without copying.</summary>
    public ReadOnlySpan<byte> Image(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), $"image {index} is outside 0..{Count - 1} of {Name}");
        int chunk = index / _imagesPerChunk;
        return new ReadOnlySpan<byte>(_chunks[chunk], (index - chunk * _imagesPerChunk) * ImageSize, ImageSize);
    }

    /// <summary>Copies images start..start+count-1, back to back, into <paramref name="destination"/> (count·ImageSize bytes).</summary>
    public void CopyImages(int start, int count, Span<byte> destination)
    {
        CheckRange(start, count);
        if (destination.Length != (long)count * ImageSize)
            throw new ArgumentException($"{count} images of {ImageSize} bytes need {(long)count * ImageSize} bytes, the destination holds {destination.Length}", nameof(destination));
        int size = ImageSize;
        while (count > 0)
        {
            int chunk = start / _imagesPerChunk, first = start - chunk * _imagesPerChunk;
            int n = Math.Min(count, _imagesPerChunk - first);
            _chunks[chunk].AsSpan(first * size, n * size).CopyTo(destination);
            destination = destination[(n * size)..];
            start += n;
            count -= n;
        }
    }

    /// <summary>All pixels in one new array (tests, small sets); a set over 2 GiB cannot be one array.</summary>
    public byte[] CopyPixels()
    {
        if (PixelBytes > Array.MaxLength)
            throw new InvalidOperationException($"{Name} holds {PixelBytes} pixel bytes, more than one array can; read it with Image or CopyImages");
        var pixels = new byte[PixelBytes];
        CopyImages(0, Count, pixels);
        return pixels;
    }

    /// <summary>The same images and labels under another name; the pixels are shared, not copied.</summary>
    public ImageDataset Renamed(string name) => new(name, _chunks, _imagesPerChunk, Labels, Channels, Height, Width, ClassNames);

    /// <summary>The first <paramref name="count"/> images (all of them when count ≥ Count).</summary>
    public ImageDataset Subset(int count) => Take(0, Math.Min(count, Count));

    /// <summary>
    /// Images start..start+count-1 as a new data set with its own labels. The whole set shares its pixels (they are
    /// never changed in place, and copying 15.7 GB would double the memory); a part is copied.
    /// </summary>
    public ImageDataset Take(int start, int count)
    {
        CheckRange(start, count);
        var labels = Labels.AsSpan(start, count).ToArray();
        if (start == 0 && count == Count)
            return new ImageDataset(Name, _chunks, _imagesPerChunk, labels, Channels, Height, Width, ClassNames);
        var writer = new ImagePixelWriter(ImageSize, ChunkImagesFor(ImageSize, DefaultChunkBytes));
        while (count > 0)
        {
            int chunk = start / _imagesPerChunk, first = start - chunk * _imagesPerChunk;
            int n = Math.Min(count, _imagesPerChunk - first);
            writer.Append(_chunks[chunk].AsSpan(first * ImageSize, n * ImageSize), last: n == count);
            start += n;
            count -= n;
        }
        return writer.ToDataset(Name, labels, Channels, Height, Width, ClassNames);
    }

    /// <summary>Whole images of <paramref name="imageSize"/> bytes that fit in <paramref name="chunkBytes"/> (at least one).</summary>
    internal static int ChunkImagesFor(int imageSize, long chunkBytes) =>
        (int)Math.Clamp(chunkBytes / imageSize, 1, Array.MaxLength / imageSize);

    private void CheckRange(int start, int count)
    {
        if (start < 0 || count < 0 || start > Count - count)
            throw new ArgumentOutOfRangeException(nameof(start), $"range {start}+{count} is outside the {Count} images of {Name}");
    }

    public override string ToString() => $"{Name}: {Count} images {Channels}x{Height}x{Width}";
}
