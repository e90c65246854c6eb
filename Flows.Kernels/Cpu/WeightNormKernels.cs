using System.Numerics;
using System.Runtime.InteropServices;

namespace Flows.Kernels.Cpu;

/// <summary>
/// weight_norm (dim 0) forward and backward, one pass over v each (docs/PERFORMANCE.md, "Launches and host
/// synchronisations per step"): per row r, ‖v_r‖ (forward) or Σ v·dw (backward) summed in double, then the row is
/// written. Rows run in parallel; the loops take their captures as state, so a call allocates nothing.
/// </summary>
internal static class WeightNormKernels
{
    public static void Forward(float[] g, float[] v, float[] w, float[] norms, int rows, int rest)
    {
        CpuParallel.For(rows, 2L * rest, (g, v, w, norms, rest), static (in s, start, end) =>
        {
            var (g, v, w, norms, rest) = s;
            for (int r = start; r < end; r++)
            {
                var row = v.AsSpan(r * rest, rest);
                float norm = (float)Math.Sqrt(ReductionKernels.SumSquaredDeviation(row, 0f));
                norms[r] = norm;
                Scale(row, g[r] / norm, w.AsSpan(r * rest, rest));
            }
        });
    }

    public static void Backward(float[] g, float[] v, float[] norms, float[] dw, float[] dg, float[] dv, int rows, int rest)
    {
        CpuParallel.For(rows, 3L * rest, (g, v, norms, dw, dg, dv, rest), static (in s, start, end) =>
        {
            var (g, v, norms, dw, dg, dv, rest) = s;
            for (int r = start; r < end; r++)
            {
                var row = v.AsSpan(r * rest, rest);
                var grad = dw.AsSpan(r * rest, rest);
                float norm = norms[r];
                float dot = (float)ReductionKernels.Dot(row, grad);
                dg[r] = dot / norm;
                RemoveAlong(row, grad, g[r] / norm, dot / (norm * norm), dv.AsSpan(r * rest, rest));
            }
        });
    }

    // output = row·factor; the vector lanes round exactly as the scalar loop does (no fused multiply-add).
    private static void Scale(ReadOnlySpan<float> row, float factor, Span<float> output)
    {
        var vr = MemoryMarshal.Cast<float, Vector<float>>(row);
        var vo = MemoryMarshal.Cast<float, Vector<float>>(output);
        var vf = new Vector<float>(factor);
        for (int i = 0; i < vo.Length; i++) vo[i] = vr[i] * vf;
        for (int i = vo.Length * Vector<float>.Count; i < output.Length; i++) output[i] = row[i] * factor;
    }

    // output = scale·(grad − row·along), in the scalar loop's order of operations.
    private static void RemoveAlong(ReadOnlySpan<float> row, ReadOnlySpan<float> grad, float scale, float along, Span<float> output)
    {
        var vr = MemoryMarshal.Cast<float, Vector<float>>(row);
        var vg = MemoryMarshal.Cast<float, Vector<float>>(grad);
        var vo = MemoryMarshal.Cast<float, Vector<float>>(output);
        Vector<float> vs = new(scale), va = new(along);
        for (int i = 0; i < vo.Length; i++) vo[i] = vs * (vg[i] - vr[i] * va);
        for (int i = vo.Length * Vector<float>.Count; i < output.Length; i++) output[i] = scale * (grad[i] - row[i] * along);
    }
}
