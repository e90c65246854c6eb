using Flows.Kernels;

namespace Flows.Core;

/// <summary>
/// PyTorch's weight_norm with dim 0: w = g·v/‖v‖, one g per output row (the norm runs over all other axes).
/// </summary>
public static class WeightNorm
{
    /// <summary>The fused op (<see cref="Ops.WeightNorm"/>): one backend pass each way.</summary>
    public static Tensor Compute(Tensor g, Tensor v) => Ops.WeightNorm(g, v);

    /// <summary>
    /// The same from composed ops (square, row sum, sqrt, divide, broadcast multiply): about 17 launches per
    /// convolution and step where the fused op takes 2; kept as the checked reference for the fused op's tests.
    /// </summary>
    public static Tensor Composed(Tensor g, Tensor v)
    {
        int rows = v.Shape[0];
        if (g.Length != rows)
            throw new ArgumentException($"WeightNorm: g has shape {Shapes.Format(g.Shape)}, v has {rows} rows ({Shapes.Format(v.Shape)})");
        int rest = v.Length / rows;
        var rowView = new Ncs(1, rows, rest);
        var norm = Ops.Sqrt(Ops.SumTo(Ops.Square(v), rowView, new Ncs(1, rows, 1), [rows]));
        var factor = Ops.Div(g.Rank == 1 ? g : Ops.Reshape(g, rows), norm);
        return Ops.Broadcast(BinaryOp.Mul, v, rowView, factor, new Ncs(1, rows, 1), v.Shape);
    }

    /// <summary>‖v‖ per row, the value weight_norm gives g when it wraps a layer.</summary>
    public static float[] RowNorms(ReadOnlySpan<float> v, int rows)
    {
        int rest = v.Length / rows;
        var norms = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            double s = 0;
            foreach (var x in v.Slice(r * rest, rest)) s += (double)x * x;
            norms[r] = (float)Math.Sqrt(s);
        }
        return norms;
    }
}
