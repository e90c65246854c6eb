namespace Flows.Core.Data.Uci;

/// <summary>
/// The rows of one class of a UCI table before standardisation, in float64 (row-major [Count, Dim]), the
/// precision the official preprocessing holds them in (spec §3.3) until the final float32 tensor.
/// </summary>
public sealed class UciClassData
{
    public UciClassData(double[] values, int dim)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (dim <= 0 || values.Length % dim != 0)
            throw new ArgumentException($"{values.Length} values are not rows of {dim}");
        Values = values;
        Dim = dim;
    }

    public double[] Values { get; }

    public int Dim { get; }

    public int Count => Values.Length / Dim;

    public ReadOnlySpan<double> Row(int index) => Values.AsSpan(index * Dim, Dim);

    /// <summary>The rows at <paramref name="indices"/>, in that order.</summary>
    public UciClassData Select(ReadOnlySpan<int> indices)
    {
        var values = new double[indices.Length * Dim];
        for (int k = 0; k < indices.Length; k++)
            Row(indices[k]).CopyTo(values.AsSpan(k * Dim, Dim));
        return new UciClassData(values, Dim);
    }
}
