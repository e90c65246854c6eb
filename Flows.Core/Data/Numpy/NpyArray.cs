namespace Flows.Core.Data.Numpy;

/// <summary>An array read from an .npy file: its elements in C (row-major) order and its shape.</summary>
public sealed class NpyArray<T>
{
    public NpyArray(T[] data, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (var d in shape) count *= d;
        if (count != data.LongLength)
            throw new ArgumentException($"shape ({string.Join(", ", shape)}) holds {count} elements, the data {data.LongLength}");
        Data = data;
        Shape = shape;
    }

    /// <summary>The elements in C order (the last index varies fastest).</summary>
    public T[] Data { get; }

    public int[] Shape { get; }

    public int Rank => Shape.Length;

    public override string ToString() => $"{typeof(T).Name}[{string.Join(", ", Shape)}]";
}
