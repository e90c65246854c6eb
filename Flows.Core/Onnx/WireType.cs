namespace Flows.Core.Onnx;

/// <summary>
/// The protobuf wire types (https://protobuf.dev/programming-guides/encoding/#structure). Groups (3, 4) are
/// deprecated and never used by ONNX, so the reader rejects them.
/// </summary>
public enum WireType
{
    /// <summary>int32, int64, uint64, bool, enum: a base-128 varint.</summary>
    Varint = 0,
    /// <summary>fixed64, double: eight little-endian bytes.</summary>
    Fixed64 = 1,
    /// <summary>string, bytes, embedded messages, packed repeated fields: a varint length, then the bytes.</summary>
    LengthDelimited = 2,
    /// <summary>fixed32, float: four little-endian bytes.</summary>
    Fixed32 = 5,
}
