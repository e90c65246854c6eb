using System.Buffers.Binary;
using System.Text;

namespace Flows.Core.Data;

/// <summary>
/// Reads named numeric arrays from a MATLAB level 5 MAT-file (the format of SVHN's *_32x32.mat): a 128-byte
/// header, then data elements (8-byte tag: type, byte count), each a miMATRIX or a miCOMPRESSED zlib stream
/// that holds one. Every declared size is checked against what the file can hold before it is allocated.
/// </summary>
public static class MatFileReader
{
    /// <summary>The arrays in <paramref name="wanted"/> (by name) that the file holds; others are skipped unread.</summary>
    public static IReadOnlyDictionary<string, MatMatrix> Read(string path, IReadOnlySet<string> wanted)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataException($"cannot open MAT-file {path}: {e.Message}; check the path and its permissions", e);
        }
        using (file)
        {
            bool bigEndian = ReadHeader(file, path);
            var found = new Dictionary<string, MatMatrix>(StringComparer.Ordinal);
            long length = file.Length;
            Span<byte> tag = stackalloc byte[8];
            for (long pos = MatFormat.HeaderBytes; length - pos >= 8;)
            {
                file.Position = pos;
                DataStreams.ReadHeader(file, tag, path, "data element tag");
                int type = (int)U32(tag, bigEndian);
                long nbytes = U32(tag[4..], bigEndian);
                if (nbytes > length - pos - 8)
                    throw new DataException(
                        $"{path} is truncated: the data element at byte {pos} declares {nbytes} bytes but only {length - pos - 8} follow; download it again");
                if (type == MatFormat.MiCompressed)
                {
                    using var inflated = CheckedInflateStream.OpenZlib(file, pos + 8, nbytes, path, $"the compressed element at byte {pos}");
                    ReadCompressedMatrix(inflated, nbytes, path, pos, bigEndian, wanted, found);
                    pos += 8 + nbytes; // MATLAB does not pad compressed elements
                }
                else
                {
                    if (type == MatFormat.MiMatrix)
                        ReadMatrix(new ElementReader(file, path, bigEndian, nbytes), wanted, found);
                    pos += 8 + nbytes + MatFormat.Padding(nbytes);
                }
            }
            return found;
        }
    }

    private static bool ReadHeader(FileStream file, string path)
    {
        Span<byte> header = stackalloc byte[MatFormat.HeaderBytes];
        DataStreams.ReadHeader(file, header, path, "128-byte MAT-file header");
        var text = Encoding.ASCII.GetString(header[..116]);
        if (text.StartsWith("MATLAB 7.3", StringComparison.Ordinal))
            throw new DataException(
                $"{path} is a MATLAB 7.3 (HDF5) file, which is not supported; use SVHN's official *_32x32.mat (level 5) or re-save it with save(..., '-v7')");
        if (!text.StartsWith("MATLAB 5.0 MAT-file", StringComparison.Ordinal))
            throw new DataException($"{path} is not a MATLAB level 5 MAT-file (its header does not start with 'MATLAB 5.0 MAT-file'); check the path");
        if (header[126] == (byte)'I' && header[127] == (byte)'M')
            return false;
        if (header[126] == (byte)'M' && header[127] == (byte)'I')
            return true;
        throw new DataException($"{path}: unknown byte-order mark 0x{header[126]:X2}{header[127]:X2} in the MAT header (expected 'IM' or 'MI'); the file is corrupt");
    }

    private static void ReadCompressedMatrix(Stream inflated, long compressedBytes, string path, long pos, bool bigEndian,
        IReadOnlySet<string> wanted, Dictionary<string, MatMatrix> found)
    {
        Span<byte> tag = stackalloc byte[8];
        DataStreams.ReadHeader(inflated, tag, path, $"tag of the compressed element at byte {pos}");
        int type = (int)U32(tag, bigEndian);
        long nbytes = U32(tag[4..], bigEndian);
        DataStreams.CheckCompressedBound(nbytes, compressedBytes, path, $"the compressed element at byte {pos}");
        long consumed = 0;
        // Compressed non-matrix elements do not occur in practice; they are inflated only to check them.
        if (type == MatFormat.MiMatrix)
        {
            var body = new ElementReader(inflated, path, bigEndian, nbytes);
            ReadMatrix(body, wanted, found);
            consumed = body.Consumed;
        }
        // Inflate to the end (unwanted variables too), where the Adler-32 is checked; nothing may follow the element.
        long rest = nbytes - consumed;
        long extra = DataStreams.Drain(inflated, rest, path) - rest;
        if (extra > 0)
            throw new DataException(
                $"{path}: the compressed element at byte {pos} inflates to more than the {nbytes + 8} bytes its inner tag declares; the file is corrupt, download it again");
        if (extra < 0)
            throw new DataException(
                $"{path} is truncated: the compressed element at byte {pos} declares {nbytes} bytes inside but inflates to {nbytes + extra}; download it again");
    }

    // A miMATRIX body: array flags, dimensions, name, then the real part (and an imaginary part, not supported).
    private static void ReadMatrix(ElementReader body, IReadOnlySet<string> wanted, Dictionary<string, MatMatrix> found)
    {
        var (flagsType, flags) = body.ReadSmallElement("array flags", 8);
        if (flagsType != MatFormat.MiUInt32 || flags.Length < 4)
            throw body.Corrupt("array flags are missing");
        int flagWord = (int)U32(flags, body.BigEndian);
        int arrayClass = flagWord & 0xFF;
        bool complex = (flagWord & 0x0800) != 0;

        var (dimsType, dimBytes) = body.ReadSmallElement("dimensions", 4 * 32);
        if (dimsType != MatFormat.MiInt32 || dimBytes.Length < 8 || dimBytes.Length % 4 != 0)
            throw body.Corrupt("the dimensions are not an int32 array of at least 2 entries");
        var dims = new int[dimBytes.Length / 4];
        long elements = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            dims[i] = (int)U32(dimBytes.AsSpan(i * 4), body.BigEndian);
            if (dims[i] < 0)
                throw body.Corrupt($"dimension {i} is negative");
            elements *= dims[i];
            if (elements > Array.MaxLength)
                throw body.Corrupt($"dimensions {string.Join('x', dims[..(i + 1)])} are absurd");
        }

        var (_, nameBytes) = body.ReadSmallElement("array name", 256);
        var name = Encoding.ASCII.GetString(nameBytes);
        if (!wanted.Contains(name))
            return;
        if (!MatFormat.IsNumericClass(arrayClass) || complex)
            throw new DataException(
                $"{body.Path}: variable '{name}' is not a real numeric array (class {arrayClass}{(complex ? ", complex" : "")}); the file is not in the expected layout");

        var (storedType, nbytes, inline) = body.ReadTagOnly("real part of " + name);
        int size = MatFormat.ElementSize(storedType);
        if (size == 0 || nbytes != elements * size)
            throw body.Corrupt($"variable '{name}' has {nbytes} data bytes of type {storedType}, but its dimensions {string.Join('x', dims)} need {elements} elements");
        var data = inline ?? body.ReadPayload(nbytes, $"variable '{name}'");
        found[name] = new MatMatrix(name, dims, arrayClass, storedType, body.BigEndian, data);
    }

    private static uint U32(ReadOnlySpan<byte> bytes, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt32LittleEndian(bytes);

    /// <summary>Reads the sub-elements of one miMATRIX, never past the bytes it declared.</summary>
    private sealed class ElementReader(Stream stream, string path, bool bigEndian, long limit)
    {
        private long _consumed;

        public string Path => path;

        /// <summary>How many of the declared bytes have been read.</summary>
        public long Consumed => _consumed;

        public bool BigEndian => bigEndian;

        public DataException Corrupt(string problem) =>
            new($"{path}: a matrix element is corrupt ({problem}); download the file again");

        /// <summary>A tag and its (small) data, padding skipped; small elements pack up to 4 bytes into the tag.</summary>
        public (int Type, byte[] Data) ReadSmallElement(string what, int maxBytes)
        {
            Span<byte> tag = stackalloc byte[8];
            Read(tag, what);
            uint first = U32(tag, bigEndian);
            if (first >> 16 != 0)
            {
                int smallBytes = (int)(first >> 16);
                if (smallBytes > 4)
                    throw Corrupt($"{what} claims {smallBytes} bytes in a small element");
                return ((int)(first & 0xFFFF), tag.Slice(4, smallBytes).ToArray());
            }
            long n = U32(tag[4..], bigEndian);
            if (n > maxBytes)
                throw Corrupt($"{what} claims {n} bytes");
            var data = new byte[n];
            Read(data, what);
            SkipPadding(n, what);
            return ((int)first, data);
        }

        /// <summary>
        /// The tag of a possibly large element. Its data is read with <see cref="ReadPayload"/>, unless it is
        /// small (up to 4 bytes packed into the tag), when it comes back as Inline.
        /// </summary>
        public (int Type, long Bytes, byte[]? Inline) ReadTagOnly(string what)
        {
            Span<byte> tag = stackalloc byte[8];
            Read(tag, what);
            uint first = U32(tag, bigEndian);
            if (first >> 16 != 0)
            {
                int smallBytes = (int)(first >> 16);
                if (smallBytes > 4)
                    throw Corrupt($"{what} claims {smallBytes} bytes in a small element");
                return ((int)(first & 0xFFFF), smallBytes, tag.Slice(4, smallBytes).ToArray());
            }
            return ((int)first, U32(tag[4..], bigEndian), null);
        }

        public byte[] ReadPayload(long n, string what)
        {
            if (n > limit - _consumed)
                throw Corrupt($"{what} claims {n} bytes but its matrix element has {limit - _consumed} left");
            var data = DataStreams.ReadPayload(stream, n, path, what);
            _consumed += n;
            return data;
        }

        private void SkipPadding(long n, string what)
        {
            Span<byte> pad = stackalloc byte[8];
            Read(pad[..MatFormat.Padding(n)], what);
        }

        private void Read(Span<byte> buffer, string what)
        {
            if (buffer.Length > limit - _consumed)
                throw Corrupt($"{what} runs past the end of its matrix element");
            DataStreams.ReadHeader(stream, buffer, path, what);
            _consumed += buffer.Length;
        }
    }
}
