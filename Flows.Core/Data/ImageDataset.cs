namespace Flows.Core.Data;

/// <summary>
/// Images as raw bytes in N×C×H×W order with one integer label each (-1 when the source has no labels).
/// Conversion to floats, dequantization and the logit transform belong to the caller.
/// </summary>
public sealed class ImageDataset
{
    public ImageDataset(string name, byte[] pixels, int[] labels, int channels, int height, int width,
        IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        if (channels <= 0 || height <= 0 || width <= 0)
            throw new ArgumentOutOfRangeException(nameof(channels), $"image shape must be positive, got {channels}x{height}x{width}");
        long imageSize = (long)channels * height * width;
        if (pixels.LongLength != imageSize * labels.Length)
            throw new ArgumentException(
                $"{labels.Length} labels need {imageSize * labels.Length} pixel bytes for {channels}x{height}x{width} images, got {pixels.LongLength}");
        Name = name;
        Pixels = pixels;
        Labels = labels;
        Channels = channels;
        Height = height;
        Width = width;
        ClassNames = classNames ?? Array.Empty<string>();
    }

    public string Name { get; }

    /// <summary>All images back to back, each C×H×W, channel planes row-major.</summary>
    public byte[] Pixels { get; }

    public int[] Labels { get; }

    public int Count => Labels.Length;

    public int Channels { get; }

    public int Height { get; }

    public int Width { get; }

    /// <summary>Bytes per image: C·H·W.</summary>
    public int ImageSize => Channels * Height * Width;

    /// <summary>Class names indexed by label, when the source names them (folder names, CIFAR meta); else empty.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    public bool HasLabels => Labels.Length == 0 || Labels[0] >= 0;

    /// <summary>The bytes of image <paramref name="index"/> (C×H×W), without copying.</summary>
    public ReadOnlySpan<byte> Image(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), $"image {index} is outside 0..{Count - 1} of {Name}");
        return new ReadOnlySpan<byte>(Pixels, index * ImageSize, ImageSize);
    }

    /// <summary>The first <paramref name="count"/> images (all of them when count ≥ Count), copied.</summary>
    public ImageDataset Subset(int count) => Take(0, Math.Min(count, Count));

    /// <summary>Images start..start+count-1, copied into a new data set.</summary>
    public ImageDataset Take(int start, int count)
    {
        if (start < 0 || count < 0 || start > Count - count)
            throw new ArgumentOutOfRangeException(nameof(start), $"range {start}+{count} is outside the {Count} images of {Name}");
        var pixels = new byte[(long)count * ImageSize];
        Array.Copy(Pixels, (long)start * ImageSize, pixels, 0, pixels.LongLength);
        var labels = Labels.AsSpan(start, count).ToArray();
        return new ImageDataset(Name, pixels, labels, Channels, Height, Width, ClassNames);
    }

    public override string ToString() => $"{Name}: {Count} images {Channels}x{Height}x{Width}";
}
