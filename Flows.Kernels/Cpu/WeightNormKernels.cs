namespace Flows.Kernels.Cpu;

/// <summary>
/// weight_norm (dim 0) forward and backward, one pass over v each (docs/PERFORMANCE.md, "Launches and host
/// synchronisations per step"): per row r, ‖v_r‖ (forward) or Σ v·dw (backward) summed in double, then the row is
/// written. Rows run in parallel.
/// </summary>
internal static class WeightNormKernels
{
    public static void Forward(float[] g, float[] v, float[] w, float[] norms, int rows, int rest)
    {
        CpuParallel.For(rows, 2L * rest, (start, end) =>
        {
            for (int r = start; r < end; r++)
            {
                var row = v.AsSpan(r * rest, rest);
                float norm = (float)Math.Sqrt(ReductionKernels.SumSquaredDeviation(row, 0f));
                norms[r] = norm;
                float factor = g[r] / norm;
                var output = w.AsSpan(r * rest, rest);
                for (int i = 0; i < rest; i++) output[i] = row[i] * factor;
            }
        });
    }

    public static void Backward(float[] g, float[] v, float[] norms, float[] dw, float[] dg, float[] dv, int rows, int rest)
    {
        CpuParallel.For(rows, 3L * rest, (start, end) =>
        {
            for (int r = start; r < end; r++)
            {
                var row = v.AsSpan(r * rest, rest);
                var grad = dw.AsSpan(r * rest, rest);
                float norm = norms[r];
                float dot = (float)ReductionKernels.Dot(row, grad);
                dg[r] = dot / norm;
                float scale = g[r] / norm, along = dot / (norm * norm);
                var output = dv.AsSpan(r * rest, rest);
                for (int i = 0; i < rest; i++) output[i] = scale * (grad[i] - row[i] * along);
            }
        });
    }
}
