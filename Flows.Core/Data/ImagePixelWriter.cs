namespace Flows.Core.Data;

/// <summary>
/// Collects whole images into the chunks of an <see cref="ImageDataset"/> as a reader appends them, so that a set
/// larger than one array (2 GiB) loads without a second full copy: each appended batch is copied once into place.
/// </summary>
internal sealed class ImagePixelWriter
{
    private readonly List<byte[]> _chunks = [];
    private readonly int _imageSize;
    private readonly int _imagesPerChunk;
    private int _filled; // images in the last chunk

    public ImagePixelWriter(int imageSize, int imagesPerChunk)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imageSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imagesPerChunk);
        if ((long)imageSize * imagesPerChunk > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(imagesPerChunk), $"{imagesPerChunk} images of {imageSize} bytes do not fit one array");
        _imageSize = imageSize;
        _imagesPerChunk = imagesPerChunk;
    }

    /// <summary>Images appended so far.</summary>
    public int Count { get; private set; }

    /// <summary>
    /// Appends whole images. With <paramref name="last"/> the writer knows how many images remain and sizes the
    /// last chunk exactly; otherwise <see cref="ToDataset"/> trims it (one copy of at most one chunk).
    /// </summary>
    public void Append(ReadOnlySpan<byte> images, bool last = false)
    {
        if (images.Length % _imageSize != 0)
            throw new ArgumentException($"{images.Length} bytes are not whole images of {_imageSize} bytes", nameof(images));
        int n = images.Length / _imageSize;
        if (n > int.MaxValue - Count)
            throw new DataException($"more than {int.MaxValue} images do not fit one data set; load fewer");
        while (n > 0)
        {
            if (_chunks.Count == 0 || _filled == _chunks[^1].Length / _imageSize)
            {
                if (_chunks.Count > 0 && _filled < _imagesPerChunk)
                    throw new InvalidOperationException("images were appended after the one marked last");
                _chunks.Add(new byte[(long)(last ? Math.Min(n, _imagesPerChunk) : _imagesPerChunk) * _imageSize]);
                _filled = 0;
            }
            int room = _chunks[^1].Length / _imageSize - _filled, k = Math.Min(room, n);
            images[..(k * _imageSize)].CopyTo(_chunks[^1].AsSpan(_filled * _imageSize));
            images = images[(k * _imageSize)..];
            _filled += k;
            Count += k;
            n -= k;
        }
    }

    /// <summary>The data set over the chunks written; the writer must not be used after.</summary>
    public ImageDataset ToDataset(string name, int[] labels, int channels, int height, int width, IReadOnlyList<string>? classNames)
    {
        if (_chunks.Count > 0 && _filled < _chunks[^1].Length / _imageSize)
            _chunks[^1] = _chunks[^1].AsSpan(0, _filled * _imageSize).ToArray();
        return new ImageDataset(name, [.. _chunks], _imagesPerChunk, labels, channels, height, width, classNames);
    }
}
