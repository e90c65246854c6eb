using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Flows.Core.Data.Numpy;

/// <summary>
/// Writes .npy arrays byte for byte as numpy.save does (numpy ≥ 1.24, format.py): version 1.0 unless the header
/// does not fit its u16 length, then 2.0; the header is the dict literal of <see cref="NpyHeader.Format"/>,
/// padded with spaces and ended by '\n' so that magic + length + header is a multiple of ARRAY_ALIGN = 64
/// bytes (_wrap_header: padlen = 64 - (10 + len(header) + 1) % 64, never 0); then the data, little-endian, C order.
/// </summary>
public static class NpyWriter
{
    /// <summary>numpy's ARRAY_ALIGN: the data starts on a multiple of this many bytes.</summary>
    public const int ArrayAlign = 64;

    /// <summary>Writes a float32 array ('&lt;f4').</summary>
    public static void Write(Stream stream, ReadOnlySpan<float> data, ReadOnlySpan<int> shape) => Write(stream, NpyDType.Float32, data, shape);

    /// <summary>Writes an int64 array ('&lt;i8'), the type np.array of Python ints gets (labels).</summary>
    public static void Write(Stream stream, ReadOnlySpan<long> data, ReadOnlySpan<int> shape) => Write(stream, NpyDType.Int64, data, shape);

    /// <summary>Writes an int32 array ('&lt;i4').</summary>
    public static void Write(Stream stream, ReadOnlySpan<int> data, ReadOnlySpan<int> shape) => Write(stream, NpyDType.Int32, data, shape);

    /// <summary>Writes a uint8 array ('|u1'), as images' pixels are stored.</summary>
    public static void Write(Stream stream, ReadOnlySpan<byte> data, ReadOnlySpan<int> shape) => Write(stream, NpyDType.UInt8, data, shape);

    // The header, then the values little-endian: as they are on a little-endian machine, byte-reversed elsewhere.
    private static void Write<T>(Stream stream, NpyDType dtype, ReadOnlySpan<T> data, ReadOnlySpan<int> shape) where T : unmanaged
    {
        WriteHeader(stream, dtype, shape, data.Length);
        var bytes = MemoryMarshal.AsBytes(data);
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(bytes);
            return;
        }
        int size = Unsafe.SizeOf<T>();
        Span<byte> b = stackalloc byte[size];
        for (int i = 0; i < bytes.Length; i += size)
        {
            bytes.Slice(i, size).CopyTo(b);
            b.Reverse();
            stream.Write(b);
        }
    }

    /// <summary>
    /// Magic, version, header length and padded header for an array, exactly as numpy writes them:
    /// version 1.0 when the padded header fits 65,535 bytes, else 2.0 (numpy's _wrap_header_guess_version).
    /// </summary>
    public static byte[] Header(string descr, bool fortranOrder, ReadOnlySpan<long> shape)
    {
        var text = Encoding.Latin1.GetBytes(NpyHeader.Format(descr, fortranOrder, shape));
        return Wrap(text, 1) ?? Wrap(text, 2)!;
    }

    private static byte[]? Wrap(byte[] text, int major)
    {
        int lengthField = major == 1 ? 2 : 4;
        int hlen = text.Length + 1;
        int padlen = ArrayAlign - (6 + 2 + lengthField + hlen) % ArrayAlign;
        long total = (long)hlen + padlen;
        if (major == 1 && total > ushort.MaxValue)
            return null;
        var bytes = new byte[6 + 2 + lengthField + total];
        NpyReader.Magic.CopyTo(bytes);
        bytes[6] = (byte)major;
        bytes[7] = 0;
        if (major == 1)
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)total);
        else
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)total);
        int at = 8 + lengthField;
        text.CopyTo(bytes, at);
        bytes.AsSpan(at + text.Length, padlen).Fill((byte)' ');
        bytes[^1] = (byte)'\n';
        return bytes;
    }

    private static void WriteHeader(Stream stream, NpyDType type, ReadOnlySpan<int> shape, int length)
    {
        ArgumentNullException.ThrowIfNull(stream);
        long count = 1;
        var dims = new long[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] < 0) throw new ArgumentOutOfRangeException(nameof(shape), $"shape dimension {shape[i]} is negative");
            dims[i] = shape[i];
            count *= shape[i];
        }
        if (count != length)
            throw new ArgumentException($"shape {NpyHeader.ShapeRepr(dims)} holds {count} elements, the data {length}", nameof(shape));
        stream.Write(Header(type.Descr, fortranOrder: false, dims));
    }
}
