using Flows.Kernels;

namespace Flows.Core;

public static partial class Ops
{
    /// <summary>
    /// PyTorch's weight_norm with dim 0, fused: w = g·v/‖v‖ per output row (the norm over all other axes), one
    /// backend pass forward and one backward giving dg and dv (docs/PERFORMANCE.md, "Launches and host
    /// synchronisations per step"). g holds one value per row of v, in any shape.
    /// </summary>
    public static Tensor WeightNorm(Tensor g, Tensor v)
    {
        Shapes.RequireSameBackend(g, v, "WeightNorm");
        int rows = v.Shape[0];
        if (g.Length != rows)
            throw new ArgumentException($"WeightNorm: g has shape {Shapes.Format(g.Shape)}, v has {rows} rows ({Shapes.Format(v.Shape)})");
        int rest = v.Length / rows;
        var backend = v.Backend;
        var w = Tensor.Empty(backend, v.Shape);
        var norms = Tensor.Empty(backend, rows);
        backend.WeightNormForward(g.Buffer, v.Buffer, w.Buffer, norms.Buffer, rows, rest);
        if (Autograd.ShouldRecord(g, v))
        {
            Autograd.Record("WeightNorm", [g, v], w, dw =>
            {
                var dg = g.TracksGrad ? Autograd.GradientTarget(g) : Tensor.Empty(backend, g.Shape);
                var dv = v.TracksGrad ? Autograd.GradientTarget(v) : Tensor.Empty(backend, v.Shape);
                backend.WeightNormBackward(g.Buffer, v.Buffer, norms.Buffer, dw.Buffer, dg.Buffer, dv.Buffer, rows, rest);
                if (g.TracksGrad) Autograd.Accumulate(g, dg, transfer: true);
                else dg.Dispose();
                if (v.TracksGrad) Autograd.Accumulate(v, dv, transfer: true);
                else dv.Dispose();
            });
        }
        return w;
    }
}
