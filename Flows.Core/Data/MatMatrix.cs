using System.Buffers.Binary;

namespace Flows.Core.Data;

/// <summary>
/// One numeric array read from a MAT-file: its name, its dimensions (column-major, MATLAB order) and the real
/// part's bytes as stored. MATLAB may store a double array in a smaller integer type, so read values through
/// <see cref="ToDoubles"/> unless the stored type is known.
/// </summary>
public sealed class MatMatrix
{
    internal MatMatrix(string name, int[] dims, int arrayClass, int storedType, bool bigEndian, byte[] data)
    {
        Name = name;
        Dims = dims;
        ArrayClass = arrayClass;
        StoredType = storedType;
        BigEndian = bigEndian;
        Data = data;
    }

    public string Name { get; }

    /// <summary>Dimensions as MATLAB lists them (rows first); the data is in column-major order.</summary>
    public int[] Dims { get; }

    /// <summary>The mxClass (6 = double, 9 = uint8, ...).</summary>
    public int ArrayClass { get; }

    /// <summary>The miType the real part is stored in (2 = uint8, 9 = double, ...).</summary>
    public int StoredType { get; }

    public bool BigEndian { get; }

    public byte[] Data { get; }

    public long ElementCount => MatFormat.ElementSize(StoredType) is var size and > 0 ? Data.LongLength / size : 0;

    /// <summary>The values converted to double, whatever integer or float type they are stored in.</summary>
    public double[] ToDoubles()
    {
        int size = MatFormat.ElementSize(StoredType);
        var values = new double[Data.Length / size];
        var d = Data.AsSpan();
        for (int i = 0; i < values.Length; i++)
        {
            var e = d.Slice(i * size, size);
            values[i] = StoredType switch
            {
                MatFormat.MiInt8 => (sbyte)e[0],
                MatFormat.MiUInt8 => e[0],
                MatFormat.MiInt16 => BigEndian ? BinaryPrimitives.ReadInt16BigEndian(e) : BinaryPrimitives.ReadInt16LittleEndian(e),
                MatFormat.MiUInt16 => BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(e) : BinaryPrimitives.ReadUInt16LittleEndian(e),
                MatFormat.MiInt32 => BigEndian ? BinaryPrimitives.ReadInt32BigEndian(e) : BinaryPrimitives.ReadInt32LittleEndian(e),
                MatFormat.MiUInt32 => BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(e) : BinaryPrimitives.ReadUInt32LittleEndian(e),
                MatFormat.MiSingle => BigEndian ? BinaryPrimitives.ReadSingleBigEndian(e) : BinaryPrimitives.ReadSingleLittleEndian(e),
                MatFormat.MiDouble => BigEndian ? BinaryPrimitives.ReadDoubleBigEndian(e) : BinaryPrimitives.ReadDoubleLittleEndian(e),
                MatFormat.MiInt64 => BigEndian ? BinaryPrimitives.ReadInt64BigEndian(e) : BinaryPrimitives.ReadInt64LittleEndian(e),
                MatFormat.MiUInt64 => BigEndian ? BinaryPrimitives.ReadUInt64BigEndian(e) : BinaryPrimitives.ReadUInt64LittleEndian(e),
                _ => throw new InvalidOperationException($"stored type {StoredType} is not numeric"),
            };
        }
        return values;
    }
}
