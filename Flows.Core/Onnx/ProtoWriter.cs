using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Flows.Core.Onnx;

/// <summary>
/// The writing half of the protobuf wire format, just enough for <see cref="OnnxWriter"/>: varints, fixed32,
/// and length-delimited fields (nested messages are written to their own writer and then copied in).
/// </summary>
public sealed class ProtoWriter
{
    private readonly MemoryStream _stream = new();

    /// <summary>Bytes written so far.</summary>
    public long Length => _stream.Length;

    /// <summary>The written bytes.</summary>
    public byte[] ToArray() => _stream.ToArray();

    /// <summary>A field's key: (number &lt;&lt; 3) | wire type.</summary>
    public void Tag(int field, WireType wireType) => Varint(((ulong)field << 3) | (uint)wireType);

    /// <summary>A base-128 varint.</summary>
    public void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            _stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _stream.WriteByte((byte)value);
    }

    /// <summary>An int64 / int32 / enum field (negatives as ten-byte two's complement).</summary>
    public void Int64(int field, long value)
    {
        Tag(field, WireType.Varint);
        Varint((ulong)value);
    }

    /// <summary>A float field.</summary>
    public void Float(int field, float value)
    {
        Tag(field, WireType.Fixed32);
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(b, value);
        _stream.Write(b);
    }

    /// <summary>A bytes field.</summary>
    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, WireType.LengthDelimited);
        Varint((ulong)value.Length);
        _stream.Write(value);
    }

    /// <summary>A string field (UTF-8).</summary>
    public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    /// <summary>An embedded message.</summary>
    public void Message(int field, ProtoWriter message) => Bytes(field, message._stream.GetBuffer().AsSpan(0, (int)message._stream.Length));

    /// <summary>A packed repeated int64 field.</summary>
    public void PackedInt64(int field, IEnumerable<long> values)
    {
        var packed = new ProtoWriter();
        foreach (var v in values) packed.Varint((ulong)v);
        Message(field, packed);
    }

    /// <summary>A packed repeated float field.</summary>
    public void PackedFloat(int field, ReadOnlySpan<float> values) => Bytes(field, MemoryMarshal.AsBytes(values));
}
