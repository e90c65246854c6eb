using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Flows.Core.Checkpoints;

/// <summary>
/// Writes the safetensors format (https://github.com/huggingface/safetensors), so PyTorch users can open
/// our checkpoints with <c>safetensors.torch.load_file</c>:
/// <code>
/// [8 bytes: header length N, little-endian u64]
/// [N bytes: UTF-8 JSON {"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [begin, end]}, ...},
///           padded with spaces so the data starts at a multiple of 8]
/// [data: each array's little-endian bytes, back to back; offsets count from the start of this block]
/// </code>
/// Arrays are stored in the order given, without gaps, as the reference reader requires.
/// </summary>
public static class SafeTensorsWriter
{
    public const string MetadataKey = "__metadata__";

    /// <summary>
    /// Writes <paramref name="tensors"/> and <paramref name="metadata"/> to <paramref name="path"/> atomically:
    /// if anything fails (including the enumeration of <paramref name="tensors"/>), an existing file at
    /// <paramref name="path"/> is left as it was and no temporary file remains.
    /// </summary>
    public static void Write(string path, IEnumerable<NamedArray> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        try
        {
            // The temporary file is opened before the arrays are enumerated, so an unwritable folder
            // fails fast, and an enumerator that fails midway is cleaned up like any other failure.
            AtomicFile.Write(path, stream => WriteTo(stream, tensors.ToList(), metadata));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException(path,
                $"Cannot write checkpoint '{path}': {e.Message} Check that the folder exists, is writable and has free space.", e);
        }
    }

    /// <summary>Writes the whole file content to a stream (used by <see cref="Write"/>; handy for in-memory tests).</summary>
    public static void WriteTo(Stream stream, IReadOnlyList<NamedArray> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        byte[] header = BuildHeader(tensors, metadata);
        Span<byte> size = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(size, (ulong)header.Length);
        stream.Write(size);
        stream.Write(header);
        foreach (var t in tensors) t.WriteLittleEndian(stream);
    }

    /// <summary>The JSON header, space-padded so that 8 + its length is a multiple of 8.</summary>
    internal static byte[] BuildHeader(IReadOnlyList<NamedArray> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata)
                {
                    ArgumentNullException.ThrowIfNull(value, $"metadata[{key}]");
                    json.WriteString(key, value);
                }
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var t in tensors)
            {
                ArgumentNullException.ThrowIfNull(t, nameof(tensors));
                if (t.Name == MetadataKey)
                    throw new ArgumentException($"An array may not be named '{MetadataKey}'.", nameof(tensors));
                if (!seen.Add(t.Name))
                    throw new ArgumentException($"Two arrays are named '{t.Name}'; names in a checkpoint must be unique.", nameof(tensors));
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", t.DType.HeaderName());
                json.WriteStartArray("shape");
                foreach (long d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + t.ByteLength);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += t.ByteLength;
            }
            json.WriteEndObject();
        }
        int length = (int)buffer.Length;
        int padded = (length + 7) / 8 * 8;
        while (buffer.Length < padded) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }
}
