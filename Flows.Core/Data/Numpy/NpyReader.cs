using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Flows.Core.Data.Numpy;

/// <summary>
/// Reads numpy .npy arrays (format versions 1.0, 2.0 and 3.0 of numpy's format.py): the magic "\x93NUMPY", the
/// version bytes, a little-endian u16 (1.0) or u32 (2.0, 3.0) header length, the header dict (latin-1; UTF-8 in
/// 3.0), then the raw elements. Floats come back as float32 (float64 and float16 converted), integers and bools
/// as int32 with a range check. Big-endian ('&gt;') arrays are byte-swapped. Fortran-order arrays of rank 1 and 2
/// are returned in C order (a 2-D one transposed); higher ranks in Fortran order are refused.
/// Every problem is one DataException naming the source and what is wrong, and nothing is allocated for more
/// data than the stream really holds: the header's claim is checked against the bytes left before allocating.
/// </summary>
public static class NpyReader
{
    /// <summary>"\x93NUMPY", the first six bytes of every .npy file.</summary>
    public static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    // numpy itself refuses headers over 10,000 bytes unless told to trust the file; the largest header a real
    // array needs is far below this cap, which only keeps a corrupt length from allocating much.
    private const int MaxHeaderBytes = 1 << 20;

    private const int ChunkBytes = 1 << 20;

    /// <summary>Reads a float array (f2, f4, f8) from the file at <paramref name="path"/>.</summary>
    public static NpyArray<float> ReadFloat32(string path) => WithFile(path, s => ReadFloat32(s, path));

    /// <summary>Reads an integer or bool array as int32 from the file at <paramref name="path"/>.</summary>
    public static NpyArray<int> ReadInt32(string path) => WithFile(path, s => ReadInt32(s, path));

    /// <summary>
    /// Reads a float array from <paramref name="stream"/> at its current position. <paramref name="available"/> is
    /// how many bytes can be present from here (null: the rest of a seekable stream, else unknown).
    /// </summary>
    public static NpyArray<float> ReadFloat32(Stream stream, string source, long? available = null)
    {
        var header = ReadHeader(stream, source, ref available);
        if (header.DType.Kind != NpyKind.Float)
            throw new DataException($"{source}: holds {header.DType.Descr} values where floats (f4 or f8) are expected");
        return ReadData<float>(stream, header, available, source, ConvertFloats);
    }

    /// <summary>Reads an integer or bool array as int32 (values outside int32 are a DataException).</summary>
    public static NpyArray<int> ReadInt32(Stream stream, string source, long? available = null)
    {
        var header = ReadHeader(stream, source, ref available);
        if (header.DType.Kind == NpyKind.Float)
            throw new DataException($"{source}: holds {header.DType.Descr} floats where integers (labels) are expected");
        return ReadData<int>(stream, header, available, source, ConvertInts);
    }

    /// <summary>Reads a uint8 array ('|u1', images' pixels) as it is; any other type is a DataException.</summary>
    public static NpyArray<byte> ReadUInt8(Stream stream, string source, long? available = null)
    {
        var header = ReadHeader(stream, source, ref available);
        if (header.DType is not { Kind: NpyKind.UInt, ItemSize: 1 })
            throw new DataException($"{source}: holds {header.DType.Descr} values where uint8 pixels (|u1) are expected");
        return ReadData<byte>(stream, header, available, source, static (_, src, dst, _, _) => src.CopyTo(dst));
    }

    /// <summary>Reads the magic, version and header, leaving the stream at the first data byte.</summary>
    public static NpyHeader ReadHeader(Stream stream, string source, long? available = null) => ReadHeader(stream, source, ref available);

    private static NpyHeader ReadHeader(Stream stream, string source, ref long? available)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(source);
        if (available is null && stream.CanSeek)
            available = stream.Length - stream.Position;
        Span<byte> prefix = stackalloc byte[12];
        int got = stream.ReadAtLeast(prefix[..10], 10, throwOnEndOfStream: false);
        if (got < 6 || !prefix[..6].SequenceEqual(Magic))
            throw new DataException($"{source}: not a numpy .npy file (it does not start with \\x93NUMPY)");
        if (got < 10)
            throw new DataException($"{source}: the .npy file ends inside its {got}-byte prefix; it is truncated");
        int major = prefix[6], minor = prefix[7];
        if (major is not (1 or 2 or 3) || minor != 0)
            throw new DataException($"{source}: .npy format version {major}.{minor} is not supported (only 1.0, 2.0 and 3.0 exist)");
        long headerLength;
        int prefixLength;
        if (major == 1)
        {
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(prefix[8..10]);
            prefixLength = 10;
        }
        else
        {
            if (stream.ReadAtLeast(prefix[10..12], 2, throwOnEndOfStream: false) < 2)
                throw new DataException($"{source}: the .npy file ends inside its header length; it is truncated");
            headerLength = BinaryPrimitives.ReadUInt32LittleEndian(prefix[8..12]);
            prefixLength = 12;
        }
        long left = available is long a ? a - prefixLength : long.MaxValue;
        if (headerLength > left)
            throw new DataException($"{source}: the .npy header claims {headerLength} bytes, past the end of the file ({Math.Max(0, left)} bytes left); it is truncated or corrupt");
        if (headerLength > MaxHeaderBytes)
            throw new DataException($"{source}: the .npy header claims {headerLength} bytes, far more than any array needs; the file is corrupt");
        var bytes = new byte[headerLength];
        int read = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        if (read < bytes.Length)
            throw new DataException($"{source}: the .npy file ends inside its header ({read} of {headerLength} bytes); it is truncated");
        string text;
        try
        {
            // 1.0 and 2.0 headers are latin-1; 3.0 (numpy ≥ 1.17) is UTF-8 for field names outside latin-1.
            text = major == 3 ? new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes) : Encoding.Latin1.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new DataException($"{source}: the version 3.0 .npy header is not valid UTF-8; the file is corrupt");
        }
        if (available is long av)
            available = av - prefixLength - headerLength;
        return NpyHeader.Parse(text, source) with { Major = major, DataOffset = prefixLength + headerLength };
    }

    private delegate void Converter<T>(NpyDType type, ReadOnlySpan<byte> source, Span<T> destination, long firstIndex, string name);

    private static NpyArray<T> ReadData<T>(Stream stream, NpyHeader header, long? available, string source, Converter<T> convert)
    {
        var shapeText = NpyHeader.ShapeRepr(header.Shape);
        if (header.FortranOrder && header.Shape.Length > 2)
            throw new DataException($"{source}: a Fortran-order array of shape {shapeText} is not supported; save it with np.ascontiguousarray");
        long count = header.Count;
        if (count > Array.MaxLength || header.Shape.Any(d => d > int.MaxValue))
            throw new DataException($"{source}: an array of shape {shapeText} has more elements than one .NET array can hold");
        int item = header.DType.ItemSize;
        long bytes = count * item;
        if (available is long left && bytes > left)
            throw new DataException(
                $"{source}: shape {shapeText} of {header.DType.Descr} needs {bytes} data bytes but only {Math.Max(0, left)} are present; the file is truncated or its header is corrupt");

        // A seekable stream's length was checked above, so the full array can be allocated; a stream of unknown
        // length (a zip entry) grows its array as data arrives, so a lying header cannot allocate more than twice
        // what is really there.
        bool exact = available is not null && stream.CanSeek;
        var data = new T[exact ? count : Math.Min(count, ChunkBytes / item)];
        var buffer = new byte[(int)Math.Min(Math.Max(bytes, item), ChunkBytes / item * item)];
        long done = 0;
        while (done < count)
        {
            int n = (int)Math.Min(count - done, buffer.Length / item);
            int want = n * item;
            int got = stream.ReadAtLeast(buffer.AsSpan(0, want), want, throwOnEndOfStream: false);
            if (got < want)
                throw new DataException(
                    $"{source}: the data ends after {done * item + got} of {bytes} bytes (shape {shapeText} of {header.DType.Descr}); the file is truncated");
            if (done + n > data.LongLength)
                Array.Resize(ref data, (int)Math.Min(count, Math.Max(done + n, 2 * data.LongLength)));
            convert(header.DType, buffer.AsSpan(0, want), data.AsSpan((int)done, n), done, source);
            done += n;
        }
        var shape = header.Shape.Select(d => (int)d).ToArray();
        if (header.FortranOrder && shape.Length == 2)
            data = Transpose(data, rows: shape[0], cols: shape[1]);
        return new NpyArray<T>(data, shape);
    }

    // Fortran order stores element (i, j) of an r×c array at j*r + i.
    private static T[] Transpose<T>(T[] fortran, int rows, int cols)
    {
        var c = new T[fortran.Length];
        for (int j = 0; j < cols; j++)
            for (int i = 0; i < rows; i++)
                c[(long)i * cols + j] = fortran[(long)j * rows + i];
        return c;
    }

    private static void ConvertFloats(NpyDType type, ReadOnlySpan<byte> src, Span<float> dst, long firstIndex, string name)
    {
        bool big = type.BigEndian;
        switch (type.ItemSize)
        {
            case 4 when !big && BitConverter.IsLittleEndian:
                MemoryMarshal.Cast<byte, float>(src).CopyTo(dst);
                break;
            case 4:
                for (int i = 0; i < dst.Length; i++)
                    dst[i] = big ? BinaryPrimitives.ReadSingleBigEndian(src[(4 * i)..]) : BinaryPrimitives.ReadSingleLittleEndian(src[(4 * i)..]);
                break;
            case 8:
                for (int i = 0; i < dst.Length; i++)
                    dst[i] = (float)(big ? BinaryPrimitives.ReadDoubleBigEndian(src[(8 * i)..]) : BinaryPrimitives.ReadDoubleLittleEndian(src[(8 * i)..]));
                break;
            default:
                for (int i = 0; i < dst.Length; i++)
                    dst[i] = (float)(big ? BinaryPrimitives.ReadHalfBigEndian(src[(2 * i)..]) : BinaryPrimitives.ReadHalfLittleEndian(src[(2 * i)..]));
                break;
        }
    }

    private static void ConvertInts(NpyDType type, ReadOnlySpan<byte> src, Span<int> dst, long firstIndex, string name)
    {
        bool big = type.BigEndian;
        for (int i = 0; i < dst.Length; i++)
        {
            var at = src[(type.ItemSize * i)..];
            long value = (type.Kind, type.ItemSize) switch
            {
                (NpyKind.Bool, _) => at[0] != 0 ? 1 : 0,
                (NpyKind.Int, 1) => (sbyte)at[0],
                (NpyKind.UInt, 1) => at[0],
                (NpyKind.Int, 2) => big ? BinaryPrimitives.ReadInt16BigEndian(at) : BinaryPrimitives.ReadInt16LittleEndian(at),
                (NpyKind.UInt, 2) => big ? BinaryPrimitives.ReadUInt16BigEndian(at) : BinaryPrimitives.ReadUInt16LittleEndian(at),
                (NpyKind.Int, 4) => big ? BinaryPrimitives.ReadInt32BigEndian(at) : BinaryPrimitives.ReadInt32LittleEndian(at),
                (NpyKind.UInt, 4) => big ? BinaryPrimitives.ReadUInt32BigEndian(at) : BinaryPrimitives.ReadUInt32LittleEndian(at),
                (NpyKind.Int, _) => big ? BinaryPrimitives.ReadInt64BigEndian(at) : BinaryPrimitives.ReadInt64LittleEndian(at),
                _ => ReadUInt64AsLong(big ? BinaryPrimitives.ReadUInt64BigEndian(at) : BinaryPrimitives.ReadUInt64LittleEndian(at)),
            };
            if (value is < int.MinValue or > int.MaxValue)
                throw new DataException($"{name}: element {firstIndex + i} is {(value == long.MaxValue && type.Kind == NpyKind.UInt ? "above 2^63" : value)}, which does not fit in a 32-bit integer label");
            dst[i] = (int)value;
        }
    }

    private static long ReadUInt64AsLong(ulong v) => v > long.MaxValue ? long.MaxValue : (long)v;

    private static T WithFile<T>(string path, Func<Stream, T> read)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
            throw new DataException($"no file at {Path.GetFullPath(path)}; check the path");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return read(stream);
    }
}
