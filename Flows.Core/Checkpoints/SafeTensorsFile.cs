using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Flows.Core.Checkpoints;

/// <summary>
/// A safetensors file read into memory: its <c>__metadata__</c> strings and its arrays, in the order the
/// header lists them. Every way the file can be damaged ends in a <see cref="CheckpointException"/> that
/// names the file and the fix.
/// </summary>
public sealed class SafeTensorsFile
{
    /// <summary>Headers larger than this are refused as corrupt (the reference implementation uses the same limit).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private readonly Dictionary<string, NamedArray> _byName;

    public string Path { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The arrays in header order.</summary>
    public IReadOnlyList<NamedArray> Tensors { get; }

    public IEnumerable<string> Names => Tensors.Select(t => t.Name);

    private SafeTensorsFile(string path, IReadOnlyDictionary<string, string> metadata, IReadOnlyList<NamedArray> tensors)
    {
        Path = path;
        Metadata = metadata;
        Tensors = tensors;
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    public bool Contains(string name) => _byName.ContainsKey(name);

    public bool TryGet(string name, out NamedArray array) => _byName.TryGetValue(name, out array!);

    /// <summary>The array called <paramref name="name"/>; a missing one is a <see cref="CheckpointException"/>.</summary>
    public NamedArray this[string name] =>
        _byName.TryGetValue(name, out var a)
            ? a
            : throw new CheckpointException(Path,
                $"Checkpoint '{Path}' has no array '{name}'; it was written by a different model or version. " +
                "Pick a checkpoint of the same model configuration.");

    public static SafeTensorsFile Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
            throw new CheckpointException(path, $"Checkpoint '{path}' is a folder, not a file; pass the .safetensors file inside it.");
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (FileNotFoundException e)
        {
            throw new CheckpointException(path, $"Checkpoint '{path}' does not exist; check the path or train a model first.", e);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new CheckpointException(path, $"Checkpoint '{path}' does not exist (its folder is missing); check the path.", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CheckpointException(path, $"Checkpoint '{path}' cannot be opened (permission denied); fix its permissions.", e);
        }
        using (stream)
        {
            return Read(stream, path);
        }
    }

    private static SafeTensorsFile Read(FileStream stream, string path)
    {
        long fileLength = stream.Length;
        if (fileLength < 8)
            throw Corrupt(path, $"it is only {fileLength} bytes long, shorter than the 8-byte header size; the file is truncated");

        Span<byte> eight = stackalloc byte[8];
        stream.ReadExactly(eight);
        ulong headerSize = BinaryPrimitives.ReadUInt64LittleEndian(eight);
        if (headerSize > MaxHeaderBytes)
            throw Corrupt(path, $"its header size field says {headerSize} bytes, more than the {MaxHeaderBytes} allowed; it is not a safetensors file or is damaged");
        if ((long)headerSize > fileLength - 8)
            throw Corrupt(path, $"its header size field says {headerSize} bytes but only {fileLength - 8} follow; the file is truncated");

        var headerBytes = new byte[headerSize];
        stream.ReadExactly(headerBytes);
        long dataStart = 8 + (long)headerSize;
        long dataLength = fileLength - dataStart;

        var entries = ParseHeader(path, headerBytes, out var metadata);
        CheckOffsets(path, entries, dataLength);

        var tensors = new List<NamedArray>(entries.Count);
        foreach (var e in entries)
        {
            stream.Position = dataStart + e.Begin;
            tensors.Add(NamedArray.ReadLittleEndian(stream, e.Name, e.Shape, e.DType, e.Count));
        }
        return new SafeTensorsFile(path, metadata, tensors);
    }

    private sealed record Entry(string Name, SafeTensorDType DType, long[] Shape, long Count, long Begin, long End);

    private static List<Entry> ParseHeader(string path, byte[] headerBytes, out IReadOnlyDictionary<string, string> metadata)
    {
        JsonDocument doc;
        try
        {
            // Strict UTF-8: a damaged header should fail here rather than yield odd names.
            _ = new UTF8Encoding(false, throwOnInvalidBytes: true).GetCharCount(headerBytes);
            doc = JsonDocument.Parse(headerBytes, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (Exception e) when (e is JsonException or DecoderFallbackException)
        {
            throw Corrupt(path, $"its header is not valid UTF-8 JSON ({e.Message}); it is not a safetensors file or is damaged", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw Corrupt(path, $"its header is a JSON {doc.RootElement.ValueKind}, not an object; it is not a safetensors file or is damaged");

            var meta = new Dictionary<string, string>(StringComparer.Ordinal);
            var entries = new List<Entry>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (!names.Add(prop.Name))
                    throw Corrupt(path, $"its header lists '{prop.Name}' twice; the file is damaged");
                if (prop.Name == SafeTensorsWriter.MetadataKey)
                {
                    ReadMetadata(path, prop.Value, meta);
                    continue;
                }
                entries.Add(ReadEntry(path, prop.Name, prop.Value));
            }
            metadata = meta;
            return entries;
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> into)
    {
        if (value.ValueKind == JsonValueKind.Null) return;
        if (value.ValueKind != JsonValueKind.Object)
            throw Corrupt(path, $"its {SafeTensorsWriter.MetadataKey} is a JSON {value.ValueKind}, not an object of strings; the file is damaged");
        foreach (var m in value.EnumerateObject())
        {
            if (m.Value.ValueKind != JsonValueKind.String)
                throw Corrupt(path, $"metadata '{m.Name}' is a JSON {m.Value.ValueKind}, not a string; the file is damaged");
            into[m.Name] = m.Value.GetString()!;
        }
    }

    private static Entry ReadEntry(string path, string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Corrupt(path, $"its header entry '{name}' is a JSON {value.ValueKind}, not an object; the file is damaged");
        if (!value.TryGetProperty("dtype", out var dtypeEl) || dtypeEl.ValueKind != JsonValueKind.String)
            throw Corrupt(path, $"array '{name}' has no dtype string; the file is damaged");
        string dtypeText = dtypeEl.GetString()!;
        if (!SafeTensorDTypeExtensions.TryParse(dtypeText, out var dtype))
            throw new CheckpointException(path,
                $"Checkpoint '{path}': array '{name}' has dtype '{dtypeText}', which this library does not read (it reads F32, F64, I64). " +
                "Convert the checkpoint to float32 (e.g. in PyTorch: {k: v.float() for k, v in state.items()}) and save it again.");

        long[] shape = ReadInts(path, name, value, "shape", expectedLength: null);
        long count = 1;
        foreach (long d in shape)
        {
            if (d < 0) throw Corrupt(path, $"array '{name}' has a negative dimension in its shape; the file is damaged");
            // Tensors index with int32; even an empty array with such a side cannot become a tensor.
            if (d > int.MaxValue)
                throw Corrupt(path, $"array '{name}' has dimension {d} in shape [{string.Join(", ", shape)}], beyond the int32 a tensor side can be; the file is damaged");
            try { count = checked(count * d); }
            catch (OverflowException) { throw Corrupt(path, $"array '{name}' has an absurd shape; the file is damaged"); }
        }
        if (count > Array.MaxLength)
            throw Corrupt(path, $"array '{name}' has {count} elements, more than a .NET array can hold; the file is damaged");

        long[] offsets = ReadInts(path, name, value, "data_offsets", expectedLength: 2);
        long begin = offsets[0], end = offsets[1];
        if (begin < 0 || end < begin)
            throw Corrupt(path, $"array '{name}' has data offsets [{begin}, {end}], which are not an increasing pair; the file is damaged");
        long expectedBytes = count * dtype.ElementSize();
        if (end - begin != expectedBytes)
            throw Corrupt(path,
                $"array '{name}' has shape [{string.Join(", ", shape)}] {dtypeText} = {expectedBytes} bytes but its offsets [{begin}, {end}] span {end - begin}; the file is damaged");
        return new Entry(name, dtype, shape, count, begin, end);
    }

    private static long[] ReadInts(string path, string name, JsonElement entry, string field, int? expectedLength)
    {
        if (!entry.TryGetProperty(field, out var arr) || arr.ValueKind != JsonValueKind.Array)
            throw Corrupt(path, $"array '{name}' has no '{field}' list; the file is damaged");
        var result = new long[arr.GetArrayLength()];
        if (expectedLength is int n && result.Length != n)
            throw Corrupt(path, $"array '{name}' has {result.Length} '{field}' values instead of {n}; the file is damaged");
        int i = 0;
        foreach (var el in arr.EnumerateArray())
        {
            if (el.ValueKind != JsonValueKind.Number || !el.TryGetInt64(out long v))
                throw Corrupt(path, $"array '{name}' has a '{field}' value that is not an integer; the file is damaged");
            result[i++] = v;
        }
        return result;
    }

    private static void CheckOffsets(string path, List<Entry> entries, long dataLength)
    {
        foreach (var e in entries)
        {
            if (e.End > dataLength)
                throw Corrupt(path,
                    $"array '{e.Name}' needs bytes up to {e.End} of the data block but only {dataLength} are present; the file is truncated");
        }
        // Sorted by start, an array overlaps an earlier one exactly when it starts before the furthest
        // end seen so far, and leaves a gap when it starts after it. Zero-length arrays occupy no bytes and
        // may sit anywhere in the block. The arrays must fill the data block exactly, as the reference reader demands.
        Entry? furthest = null;
        foreach (var e in entries.Where(e => e.End > e.Begin).OrderBy(e => e.Begin))
        {
            long expectedBegin = furthest?.End ?? 0;
            if (e.Begin < expectedBegin)
                throw Corrupt(path,
                    $"arrays '{furthest!.Name}' [{furthest.Begin}, {furthest.End}] and '{e.Name}' [{e.Begin}, {e.End}] overlap in the data block; the file is damaged");
            if (e.Begin > expectedBegin)
                throw Corrupt(path,
                    $"array '{e.Name}' starts at byte {e.Begin} of the data block, leaving a gap of {e.Begin - expectedBegin} unused bytes after " +
                    (furthest is null ? "the header" : $"'{furthest.Name}' (which ends at {furthest.End})") + "; the file is damaged");
            furthest = e;
        }
        long used = furthest?.End ?? 0;
        if (used != dataLength)
            throw Corrupt(path,
                $"{dataLength - used} bytes follow after the last array's data (the arrays use {used} of the {dataLength}-byte data block); the file is damaged or was appended to");
    }

    private static CheckpointException Corrupt(string path, string what, Exception? inner = null) =>
        new(path, $"Checkpoint '{path}' is not a valid safetensors file: {what}. Re-run training or pick another checkpoint.", inner);
}
