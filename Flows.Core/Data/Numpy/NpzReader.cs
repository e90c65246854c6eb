using System.IO.Compression;

namespace Flows.Core.Data.Numpy;

/// <summary>
/// Reads arrays from an .npz archive (np.savez / np.savez_compressed): a zip whose entries are KEY.npy, stored or
/// deflated. A key is the entry name without ".npy", as np.load's NpzFile.files lists them.
/// </summary>
public sealed class NpzReader : IDisposable
{
    // Deflate cannot expand data by more than about 1032:1, so an entry that claims more than this times its
    // compressed size is lying, and no more than that is ever believed before the data has actually arrived.
    private const long MaxDeflateRatio = 1032;

    private readonly ZipArchive _zip;
    private readonly string _source;
    private readonly long _archiveLength;

    /// <summary>Opens an archive read from <paramref name="stream"/>; <paramref name="source"/> names it in errors.</summary>
    public NpzReader(Stream stream, string source, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _source = source ?? throw new ArgumentNullException(nameof(source));
        _archiveLength = stream.CanSeek ? stream.Length : long.MaxValue;
        try
        {
            _zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen);
            // The central directory is read lazily, on the first look at the entries: its damage surfaces here.
            Keys = _zip.Entries.Select(e => KeyOf(e.FullName)).ToList();
        }
        catch (InvalidDataException e)
        {
            _zip?.Dispose();
            throw new DataException($"{source}: not a readable .npz (zip) archive: {e.Message}", e);
        }
    }

    /// <summary>The arrays' names, in archive order.</summary>
    public IReadOnlyList<string> Keys { get; }

    /// <summary>Opens the .npz file at <paramref name="path"/>.</summary>
    public static NpzReader Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
            throw new DataException($"no file at {Path.GetFullPath(path)}; check the path");
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            return new NpzReader(stream, path);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    public bool Contains(string key) => Keys.Contains(key, StringComparer.Ordinal);

    /// <summary>The float array under <paramref name="key"/> (float64 and float16 converted to float32).</summary>
    public NpyArray<float> ReadFloat32(string key) => Read(key, (s, name, available) => NpyReader.ReadFloat32(s, name, available));

    /// <summary>The integer or bool array under <paramref name="key"/>, as int32 with a range check.</summary>
    public NpyArray<int> ReadInt32(string key) => Read(key, (s, name, available) => NpyReader.ReadInt32(s, name, available));

    /// <summary>The uint8 array under <paramref name="key"/> (pixels), unconverted.</summary>
    public NpyArray<byte> ReadUInt8(string key) => Read(key, (s, name, available) => NpyReader.ReadUInt8(s, name, available));

    public void Dispose() => _zip.Dispose();

    private NpyArray<T> Read<T>(string key, Func<Stream, string, long, NpyArray<T>> read)
    {
        var entry = _zip.Entries.FirstOrDefault(e => KeyOf(e.FullName) == key)
            ?? throw new DataException($"{_source}: has no array '{key}'; its keys are {(Keys.Count == 0 ? "none (empty archive)" : string.Join(", ", Keys.Select(k => $"'{k}'")))}");
        var name = $"{_source}[{key}]";
        // A stored entry holds at most its bytes in the archive; a deflated one at most MaxDeflateRatio times them.
        long compressed = Math.Min(entry.CompressedLength, _archiveLength);
        long expandable = compressed > long.MaxValue / MaxDeflateRatio - 64 ? long.MaxValue : compressed * MaxDeflateRatio + 64;
        long bound = Math.Min(entry.Length, entry.CompressedLength == entry.Length ? compressed : expandable);
        try
        {
            using var stream = entry.Open();
            return read(stream, name, bound);
        }
        catch (InvalidDataException e)
        {
            throw new DataException($"{name}: the zip entry is corrupt: {e.Message}", e);
        }
    }

    private static string KeyOf(string entryName) =>
        entryName.EndsWith(".npy", StringComparison.Ordinal) ? entryName[..^4] : entryName;
}
