using System.Runtime.InteropServices;

namespace Flows.Core.Onnx;

/// <summary>
/// A decoded TensorProto: its name, dimensions and values. Float tensors hold <see cref="Floats"/>, int64
/// tensors <see cref="Int64s"/>; the values are copied exactly once, from raw_data (or float_data /
/// int64_data) into the array, after the element count implied by the dimensions has been checked against
/// the bytes actually present.
/// </summary>
public sealed class OnnxTensor
{
    /// <summary>A float tensor.</summary>
    public OnnxTensor(string name, long[] dims, float[] values)
    {
        Name = name;
        Dims = dims;
        DataType = OnnxDataType.Float;
        Floats = values;
        CheckCount(values.LongLength);
    }

    /// <summary>An int64 tensor.</summary>
    public OnnxTensor(string name, long[] dims, long[] values)
    {
        Name = name;
        Dims = dims;
        DataType = OnnxDataType.Int64;
        Int64s = values;
        CheckCount(values.LongLength);
    }

    /// <summary>The tensor's name (an initializer's value name in the graph).</summary>
    public string Name { get; }

    /// <summary>Dimensions, outermost first.</summary>
    public long[] Dims { get; }

    /// <summary><see cref="OnnxDataType.Float"/> or <see cref="OnnxDataType.Int64"/>.</summary>
    public OnnxDataType DataType { get; }

    /// <summary>The values of a float tensor; null for an int64 tensor.</summary>
    public float[]? Floats { get; }

    /// <summary>The values of an int64 tensor; null for a float tensor.</summary>
    public long[]? Int64s { get; }

    /// <summary>Dimensions as ints (throws if one does not fit).</summary>
    public int[] Shape => Dims.Select(d => checked((int)d)).ToArray();

    /// <summary>The float values, or an error naming the tensor when it holds int64.</summary>
    public float[] RequireFloats(string use) =>
        Floats ?? throw new OnnxFormatException($"ONNX tensor '{Name}' ({use}) has data type {DataType}, expected Float");

    private void CheckCount(long count)
    {
        long expected = ElementCount(Dims, Name);
        if (expected != count)
            throw new OnnxFormatException($"ONNX tensor '{Name}': dims [{string.Join(", ", Dims)}] need {expected} values, got {count}");
    }

    /// <summary>The product of the dimensions, refusing negative dimensions and overflow.</summary>
    internal static long ElementCount(IReadOnlyList<long> dims, string name)
    {
        long count = 1;
        foreach (var d in dims)
        {
            if (d < 0) throw new OnnxFormatException($"ONNX tensor '{name}': negative dimension {d}");
            if (d != 0 && count > int.MaxValue / d)
                throw new OnnxFormatException($"ONNX tensor '{name}': dims [{string.Join(", ", dims)}] exceed {int.MaxValue} elements");
            count *= d;
        }
        return count;
    }

    /// <summary>Decodes a TensorProto message (onnx.proto field numbers in the comments).</summary>
    internal static OnnxTensor Parse(ProtoReader r)
    {
        var dims = new List<long>();
        var floatData = new List<float>();
        var int64Data = new List<long>();
        int dataType = 0;
        string name = "";
        ReadOnlyMemory<byte> raw = default;
        bool hasRaw = false;
        while (r.TryReadTag(out int field, out var wt))
        {
            switch (field)
            {
                case 1: r.ReadRepeatedInt64(wt, dims, "dims"); break;
                case 2: r.Expect(wt, WireType.Varint, "data_type"); dataType = r.ReadInt32(); break;
                case 4: r.ReadRepeatedFloat(wt, floatData, "float_data"); break;
                case 7: r.ReadRepeatedInt64(wt, int64Data, "int64_data"); break;
                case 8: r.Expect(wt, WireType.LengthDelimited, "name"); name = r.ReadString(); break;
                case 9: r.Expect(wt, WireType.LengthDelimited, "raw_data"); raw = r.ReadBytes(); hasRaw = true; break;
                case 13: throw r.Error("tensor stores its data in an external file (external_data), which is not supported");
                case 14:
                    r.Expect(wt, WireType.Varint, "data_location");
                    if (r.ReadInt32() != 0) throw r.Error("tensor data_location is EXTERNAL, which is not supported");
                    break;
                default: r.Skip(wt); break;
            }
        }
        string label = name.Length > 0 ? name : r.Context;
        var dimArray = dims.ToArray();
        long count = ElementCount(dimArray, label);
        switch ((OnnxDataType)dataType)
        {
            case OnnxDataType.Float:
                return new OnnxTensor(name, dimArray, hasRaw ? FromRaw<float>(raw, count, label) : Exact(floatData, count, label, "float_data"));
            case OnnxDataType.Int64:
                return new OnnxTensor(name, dimArray, hasRaw ? FromRaw<long>(raw, count, label) : Exact(int64Data, count, label, "int64_data"));
            default:
                string typeName = Enum.IsDefined((OnnxDataType)dataType) ? ((OnnxDataType)dataType).ToString() : $"code {dataType}";
                throw new OnnxFormatException($"ONNX tensor '{label}': data type {typeName} is not supported (only Float and Int64)");
        }
    }

    private static T[] FromRaw<T>(ReadOnlyMemory<byte> raw, long count, string name) where T : unmanaged
    {
        int size = Marshal.SizeOf<T>();
        // Checked before allocating: the raw bytes are already bounded by the file, and must match the dims exactly.
        if (raw.Length != count * size)
            throw new OnnxFormatException($"ONNX tensor '{name}': raw_data has {raw.Length} bytes, dims need {count * size}");
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw_data is little-endian; this reader assumes a little-endian host");
        var values = new T[count];
        raw.Span.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    private static T[] Exact<T>(List<T> values, long count, string name, string field)
    {
        if (values.Count != count)
            throw new OnnxFormatException($"ONNX tensor '{name}': {field} has {values.Count} values, dims need {count}");
        return values.ToArray();
    }
}
