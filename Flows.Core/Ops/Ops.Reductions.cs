using Flows.Kernels;

namespace Flows.Core;

/// <summary>Differentiable sums: total, per sample, per channel, and the general SumTo.</summary>
public static partial class Ops
{
    /// <summary>The sum of all elements, as a one-element tensor of shape [1].</summary>
    public static Tensor Sum(Tensor x) => SumTo(x, new Ncs(1, 1, x.Length), Ncs.Scalar, [1]);

    public static Tensor Mean(Tensor x) => Scale(Sum(x), 1f / x.Length);

    /// <summary>Per-sample sums over every axis but the first: shape [N].</summary>
    public static Tensor SumPerSample(Tensor x)
    {
        int n = x.Shape[0];
        return SumTo(x, new Ncs(n, 1, x.Length / Math.Max(n, 1)), new Ncs(n, 1, 1), [n]);
    }

    /// <summary>Per-channel sums over batch and space: shape [C].</summary>
    public static Tensor SumPerChannel(Tensor x)
    {
        var xn = Shapes.Ncs(x);
        return SumTo(x, xn, new Ncs(1, xn.C, 1), [xn.C]);
    }

    /// <summary>Sums x (seen as xView) over the axes where yView is 1; the result gets outShape.</summary>
    public static Tensor SumTo(Tensor x, Ncs xView, Ncs yView, int[] outShape)
    {
        if (xView.Length != x.Length || yView.Length != Shapes.Count(outShape))
            throw new ArgumentException($"SumTo: views {xView} → {yView} do not match shapes {Shapes.Format(x.Shape)} → {Shapes.Format(outShape)}");
        var backend = x.Backend;
        var y = Tensor.Empty(backend, outShape);
        backend.SumTo(x.Buffer, xView, y.Buffer, yView);
        if (Autograd.ShouldRecord(x))
        {
            Autograd.Record("SumTo", [x], y, dy =>
            {
                // Broadcasting dy back over the summed axes: 0 + dy.
                using var zeros = Tensor.Empty(backend, x.Shape);
                backend.Fill(zeros.Buffer, 0f);
                var dx = Autograd.GradientTarget(x);
                backend.Binary(BinaryOp.Add, zeros.Buffer, xView, dy.Buffer, yView, dx.Buffer);
                Autograd.Accumulate(x, dx, transfer: true);
            });
        }
        return y;
    }
}
