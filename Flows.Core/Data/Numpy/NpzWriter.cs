using System.IO.Compression;

namespace Flows.Core.Data.Numpy;

/// <summary>
/// Writes an .npz archive as numpy does: a zip whose entries are KEY.npy. Deflated is np.savez_compressed,
/// stored is np.savez. Entry times are fixed (1980-01-01, zip's epoch) so that the same arrays give the same bytes.
/// </summary>
public sealed class NpzWriter : IDisposable
{
    private static readonly DateTimeOffset FixedTime = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly ZipArchive _zip;
    private readonly bool _compressed;
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);

    public NpzWriter(Stream stream, bool compressed, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen);
        _compressed = compressed;
    }

    public void Write(string key, ReadOnlySpan<float> data, ReadOnlySpan<int> shape)
    {
        using var entry = Open(key);
        NpyWriter.Write(entry, data, shape);
    }

    public void Write(string key, ReadOnlySpan<long> data, ReadOnlySpan<int> shape)
    {
        using var entry = Open(key);
        NpyWriter.Write(entry, data, shape);
    }

    public void Write(string key, ReadOnlySpan<int> data, ReadOnlySpan<int> shape)
    {
        using var entry = Open(key);
        NpyWriter.Write(entry, data, shape);
    }

    public void Write(string key, ReadOnlySpan<byte> data, ReadOnlySpan<int> shape)
    {
        using var entry = Open(key);
        NpyWriter.Write(entry, data, shape);
    }

    /// <summary>Writes the zip's central directory; the archive is incomplete until then.</summary>
    public void Dispose() => _zip.Dispose();

    private Stream Open(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (!_keys.Add(key))
            throw new ArgumentException($"key '{key}' is already in the archive", nameof(key));
        var entry = _zip.CreateEntry(key + ".npy", _compressed ? CompressionLevel.Optimal : CompressionLevel.NoCompression);
        entry.LastWriteTime = FixedTime;
        return entry.Open();
    }
}
