using System.Buffers.Binary;
using System.Text;

namespace Flows.Core.Onnx;

/// <summary>
/// Reads the protobuf wire format (https://protobuf.dev/programming-guides/encoding/) from a slice of
/// memory, one field at a time. Length-delimited fields come back as slices of the same memory, so a 63 MB
/// model's raw tensor bytes are never copied by the reader (they are copied once, into the tensor's floats).
/// Every length is checked against the bytes that remain before anything is sliced or allocated, so a
/// forged length fails with a message instead of allocating. The constructor's context argument names the message
/// being read (e.g. "NodeProto 'conv1'") in every error.
/// </summary>
public struct ProtoReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);
    private readonly ReadOnlyMemory<byte> _data;
    private int _position;

    /// <summary>A reader over <paramref name="data"/>; errors name <paramref name="context"/>.</summary>
    public ProtoReader(ReadOnlyMemory<byte> data, string context)
    {
        _data = data;
        _position = 0;
        Context = context;
    }

    /// <summary>The message being read, for error messages.</summary>
    public string Context { get; }

    /// <summary>Bytes not read yet.</summary>
    public readonly int Remaining => _data.Length - _position;

    /// <summary>The next field's number and wire type; false at the end of the message.</summary>
    public bool TryReadTag(out int field, out WireType wireType)
    {
        if (Remaining == 0)
        {
            field = 0;
            wireType = default;
            return false;
        }
        ulong tag = ReadVarint();
        int type = (int)(tag & 7);
        ulong number = tag >> 3;
        if (number == 0 || number > int.MaxValue)
            throw Error($"field number {number} at byte {_position} is not valid");
        if (type is not (0 or 1 or 2 or 5))
            throw Error($"field {number} has wire type {type}, which ONNX never uses (groups are deprecated; malformed file?)");
        field = (int)number;
        wireType = (WireType)type;
        return true;
    }

    /// <summary>A base-128 varint of at most ten bytes.</summary>
    public ulong ReadVarint()
    {
        var span = _data.Span;
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_position >= span.Length) throw Error("truncated varint");
            byte b = span[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw Error("malformed varint (longer than 10 bytes)");
    }

    /// <summary>An int64 field (two's complement in a varint, as protobuf encodes negative int64).</summary>
    public long ReadInt64() => (long)ReadVarint();

    /// <summary>An int32 or enum field: protobuf sign-extends negatives to ten bytes; the low 32 bits are the value.</summary>
    public int ReadInt32() => (int)(long)ReadVarint();

    /// <summary>Four little-endian bytes.</summary>
    public uint ReadFixed32()
    {
        if (Remaining < 4) throw Error("truncated 32-bit field");
        uint v = BinaryPrimitives.ReadUInt32LittleEndian(_data.Span.Slice(_position, 4));
        _position += 4;
        return v;
    }

    /// <summary>Eight little-endian bytes.</summary>
    public ulong ReadFixed64()
    {
        if (Remaining < 8) throw Error("truncated 64-bit field");
        ulong v = BinaryPrimitives.ReadUInt64LittleEndian(_data.Span.Slice(_position, 8));
        _position += 8;
        return v;
    }

    /// <summary>A float field (fixed32 bit pattern).</summary>
    public float ReadFloat() => BitConverter.UInt32BitsToSingle(ReadFixed32());

    /// <summary>The bytes of a length-delimited field, as a slice (no copy). The length is checked first.</summary>
    public ReadOnlyMemory<byte> ReadBytes()
    {
        ulong length = ReadVarint();
        if (length > (ulong)Remaining)
            throw Error($"a length-delimited field claims {length} bytes but only {Remaining} remain (truncated or forged length)");
        var slice = _data.Slice(_position, (int)length);
        _position += (int)length;
        return slice;
    }

    /// <summary>A UTF-8 string field.</summary>
    public string ReadString()
    {
        var bytes = ReadBytes().Span;
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Error("a string field is not valid UTF-8");
        }
    }

    /// <summary>A nested message: a reader over its bytes, whose errors name <paramref name="context"/>.</summary>
    public ProtoReader ReadMessage(string context) => new(ReadBytes(), context);

    /// <summary>
    /// One element of a repeated int64 field, or all of them when the writer packed them
    /// (https://protobuf.dev/programming-guides/encoding/#packed): parsers must accept both forms.
    /// </summary>
    public void ReadRepeatedInt64(WireType wireType, List<long> into, string field)
    {
        if (wireType == WireType.Varint)
        {
            into.Add(ReadInt64());
            return;
        }
        Expect(wireType, WireType.LengthDelimited, field);
        var packed = new ProtoReader(ReadBytes(), $"{Context} {field}");
        while (packed.Remaining > 0) into.Add(packed.ReadInt64());
    }

    /// <summary>One element of a repeated float field, or all of them when packed.</summary>
    public void ReadRepeatedFloat(WireType wireType, List<float> into, string field)
    {
        if (wireType == WireType.Fixed32)
        {
            into.Add(ReadFloat());
            return;
        }
        Expect(wireType, WireType.LengthDelimited, field);
        var bytes = ReadBytes().Span;
        if (bytes.Length % 4 != 0)
            throw Error($"packed float field '{field}' has {bytes.Length} bytes, not a multiple of 4");
        into.EnsureCapacity(into.Count + bytes.Length / 4);
        for (int i = 0; i < bytes.Length; i += 4)
            into.Add(BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i, 4)));
    }

    /// <summary>Skips a field this reader does not need (unknown fields are legal protobuf).</summary>
    public void Skip(WireType wireType)
    {
        switch (wireType)
        {
            case WireType.Varint: ReadVarint(); break;
            case WireType.Fixed64: ReadFixed64(); break;
            case WireType.Fixed32: ReadFixed32(); break;
            case WireType.LengthDelimited: ReadBytes(); break;
            default: throw Error($"cannot skip wire type {(int)wireType}");
        }
    }

    /// <summary>Throws unless a field arrived with the wire type its schema gives it.</summary>
    public readonly void Expect(WireType actual, WireType expected, string field)
    {
        if (actual != expected)
            throw Error($"field '{field}' has wire type {actual}, expected {expected}");
    }

    /// <summary>An error naming this message.</summary>
    public readonly OnnxFormatException Error(string what) => new($"ONNX {Context}: {what}");
}
