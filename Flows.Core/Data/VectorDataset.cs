namespace Flows.Core.Data;

/// <summary>
/// Real-valued feature vectors (embeddings, UCI tables) as one row-major [Count, Dim] float array with one
/// integer label per row (-1 when the source has none). The vector counterpart of <see cref="ImageDataset"/>:
/// a tabular flow models these values as they are, with no dequantization.
/// </summary>
public sealed class VectorDataset
{
    public VectorDataset(string name, float[] values, int[] labels, int dim)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(labels);
        if (dim <= 0) throw new ArgumentOutOfRangeException(nameof(dim), $"vector width must be positive, got {dim}");
        if (values.LongLength != (long)dim * labels.Length)
            throw new ArgumentException($"{labels.Length} labels need {(long)dim * labels.Length} values of width {dim}, got {values.LongLength}");
        Name = name;
        Values = values;
        Labels = labels;
        Dim = dim;
    }

    public string Name { get; }

    /// <summary>All rows back to back, each <see cref="Dim"/> floats.</summary>
    public float[] Values { get; }

    public int[] Labels { get; }

    public int Count => Labels.Length;

    public int Dim { get; }

    public bool HasLabels => Labels.Length == 0 || Labels[0] >= 0;

    /// <summary>Row <paramref name="index"/>, without copying.</summary>
    public ReadOnlySpan<float> Row(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), $"row {index} is outside 0..{Count - 1} of {Name}");
        return new ReadOnlySpan<float>(Values, index * Dim, Dim);
    }

    /// <summary>The first <paramref name="count"/> rows (all of them when count ≥ Count), copied.</summary>
    public VectorDataset Subset(int count) => Take(0, Math.Min(count, Count));

    /// <summary>Rows start..start+count-1, copied into a new data set.</summary>
    public VectorDataset Take(int start, int count)
    {
        if (start < 0 || count < 0 || start > Count - count)
            throw new ArgumentOutOfRangeException(nameof(start), $"range {start}+{count} is outside the {Count} rows of {Name}");
        var values = new float[(long)count * Dim];
        Array.Copy(Values, (long)start * Dim, values, 0, values.LongLength);
        return new VectorDataset(Name, values, Labels.AsSpan(start, count).ToArray(), Dim);
    }

    /// <summary>The rows at <paramref name="indices"/>, in that order, copied.</summary>
    public VectorDataset Select(string name, ReadOnlySpan<int> indices)
    {
        var values = new float[(long)indices.Length * Dim];
        var labels = new int[indices.Length];
        for (int k = 0; k < indices.Length; k++)
        {
            Row(indices[k]).CopyTo(values.AsSpan(k * Dim, Dim));
            labels[k] = Labels[indices[k]];
        }
        return new VectorDataset(name, values, labels, Dim);
    }

    public override string ToString() => $"{Name}: {Count} vectors of {Dim}";
}
