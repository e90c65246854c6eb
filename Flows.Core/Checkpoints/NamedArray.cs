using System.Runtime.InteropServices;

namespace Flows.Core.Checkpoints;

/// <summary>
/// One named, shaped array of a checkpoint: plain managed data, no tensor or device involved, so the
/// checkpoint code stays independent of the engine. The data array is held, not copied.
/// </summary>
public sealed class NamedArray
{
    public string Name { get; }
    public long[] Shape { get; }
    public SafeTensorDType DType { get; }

    /// <summary>The data: a float[], double[] or long[] matching <see cref="DType"/>.</summary>
    public Array Data { get; }

    public long ElementCount => Data.LongLength;
    public long ByteLength => ElementCount * DType.ElementSize();

    public NamedArray(string name, long[] shape, float[] data) : this(name, shape, SafeTensorDType.F32, data) { }
    public NamedArray(string name, long[] shape, double[] data) : this(name, shape, SafeTensorDType.F64, data) { }
    public NamedArray(string name, long[] shape, long[] data) : this(name, shape, SafeTensorDType.I64, data) { }
    public NamedArray(string name, int[] shape, float[] data) : this(name, ToLong(shape), SafeTensorDType.F32, data) { }
    public NamedArray(string name, int[] shape, double[] data) : this(name, ToLong(shape), SafeTensorDType.F64, data) { }
    public NamedArray(string name, int[] shape, long[] data) : this(name, ToLong(shape), SafeTensorDType.I64, data) { }

    private NamedArray(string name, long[] shape, SafeTensorDType dtype, Array data)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        long count = 1;
        foreach (long d in shape)
        {
            if (d < 0) throw new ArgumentException($"Array '{name}' has a negative dimension in shape [{string.Join(", ", shape)}].", nameof(shape));
            count *= d;
        }
        if (count != data.LongLength)
            throw new ArgumentException(
                $"Array '{name}': shape [{string.Join(", ", shape)}] holds {count} elements but the data has {data.LongLength}.",
                nameof(data));
        Name = name;
        Shape = (long[])shape.Clone();
        DType = dtype;
        Data = data;
    }

    /// <summary>Shape as int[], for code that indexes with int.</summary>
    public int[] ShapeInt32()
    {
        foreach (long d in Shape)
        {
            if (d > int.MaxValue)
                throw new InvalidOperationException(
                    $"Array '{Name}' has shape [{string.Join(", ", Shape)}], whose dimension {d} is beyond int32; it cannot be used as a tensor shape.");
        }
        return Shape.Select(d => (int)d).ToArray();
    }

    public float[] AsFloat32() => Data as float[] ?? throw WrongType(SafeTensorDType.F32);
    public double[] AsFloat64() => Data as double[] ?? throw WrongType(SafeTensorDType.F64);
    public long[] AsInt64() => Data as long[] ?? throw WrongType(SafeTensorDType.I64);

    private InvalidOperationException WrongType(SafeTensorDType wanted) =>
        new($"Array '{Name}' is {DType.HeaderName()}, not {wanted.HeaderName()}.");

    private static long[] ToLong(int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return shape.Select(d => (long)d).ToArray();
    }

    /// <summary>The data as little-endian bytes, whatever the machine's byte order.</summary>
    internal void WriteLittleEndian(Stream stream)
    {
        ReadOnlySpan<byte> bytes = Data switch
        {
            float[] f => MemoryMarshal.AsBytes(f.AsSpan()),
            double[] d => MemoryMarshal.AsBytes(d.AsSpan()),
            long[] l => MemoryMarshal.AsBytes(l.AsSpan()),
            _ => throw new InvalidOperationException($"Array '{Name}' has an unsupported data type {Data.GetType()}."),
        };
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(bytes);
            return;
        }
        var swapped = bytes.ToArray();
        ReverseElements(swapped, DType.ElementSize());
        stream.Write(swapped);
    }

    /// <summary>Reads <paramref name="count"/> little-endian elements of <paramref name="dtype"/> from the stream.</summary>
    internal static NamedArray ReadLittleEndian(Stream stream, string name, long[] shape, SafeTensorDType dtype, long count)
    {
        int n = checked((int)count);
        Array data;
        Span<byte> bytes;
        switch (dtype)
        {
            case SafeTensorDType.F32: { var a = new float[n]; bytes = MemoryMarshal.AsBytes(a.AsSpan()); data = a; break; }
            case SafeTensorDType.F64: { var a = new double[n]; bytes = MemoryMarshal.AsBytes(a.AsSpan()); data = a; break; }
            case SafeTensorDType.I64: { var a = new long[n]; bytes = MemoryMarshal.AsBytes(a.AsSpan()); data = a; break; }
            default: throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype");
        }
        stream.ReadExactly(bytes);
        if (!BitConverter.IsLittleEndian) ReverseElements(bytes, dtype.ElementSize());
        return new NamedArray(name, shape, dtype, data);
    }

    private static void ReverseElements(Span<byte> bytes, int elementSize)
    {
        for (int i = 0; i < bytes.Length; i += elementSize)
            bytes.Slice(i, elementSize).Reverse();
    }
}
