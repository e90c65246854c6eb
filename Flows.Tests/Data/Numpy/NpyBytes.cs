using System.Buffers.Binary;
using System.Text;

namespace Flows.Tests.Data.Numpy;

/// <summary>Builds .npy files by hand from the format description, independently of NpyWriter.</summary>
internal static class NpyBytes
{
    /// <summary>Magic, version, length field (u16 for 1.x, u32 otherwise), the header text padded with spaces and '\n' to <paramref name="align"/>, then data.</summary>
    public static byte[] Build(int major, string dict, byte[] data, int align = 64, Encoding? encoding = null)
    {
        int lengthField = major == 1 ? 2 : 4;
        var text = (encoding ?? Encoding.Latin1).GetBytes(dict);
        int prefix = 8 + lengthField;
        int total = prefix + text.Length + 1;
        int padded = (total + align - 1) / align * align;
        var header = new byte[padded - prefix];
        text.CopyTo(header, 0);
        header.AsSpan(text.Length, header.Length - text.Length - 1).Fill((byte)' ');
        header[^1] = (byte)'\n';
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)major, 0 };
        var len = new byte[lengthField];
        if (major == 1) BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)header.Length);
        else BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)header.Length);
        bytes.AddRange(len);
        bytes.AddRange(header);
        bytes.AddRange(data);
        return bytes.ToArray();
    }

    public static byte[] Floats(params float[] values)
    {
        var b = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(4 * i), values[i]);
        return b;
    }

    public static byte[] Doubles(params double[] values)
    {
        var b = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(8 * i), values[i]);
        return b;
    }

    public static byte[] Longs(params long[] values)
    {
        var b = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(8 * i), values[i]);
        return b;
    }

    public static string Dict(string descr, string shape, bool fortran = false) =>
        $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {shape}, }}";
}

/// <summary>A stream that hides its length (like a zip entry or a pipe), to test the reader's unknown-length path.</summary>
internal sealed class UnseekableStream(Stream inner) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
