namespace Flows.Kernels.Cpu;

/// <summary>Glow's invertible 1×1 convolution: per sample Y_n (C × S) = W · X_n (or Wᵀ · X_n) on the shared GEMM.</summary>
internal static class Conv1x1Kernel
{
    public static void Run(float[] x, float[] w, float[] y, Ncs shape, bool transposeWeight)
    {
        int c = shape.C, s = shape.S, plane = c * s;
        long costPerSample = 2L * c * c * s;
        if (shape.N >= CpuParallel.Workers || costPerSample * shape.N < CpuParallel.SerialThreshold)
            CpuParallel.For(shape.N, costPerSample, (start, end) =>
            {
                for (int n = start; n < end; n++)
                    Gemm.Multiply(c, s, c, w, c, transposeWeight, x.AsSpan(n * plane, plane), s, false,
                                  y.AsSpan(n * plane, plane), s, false);
            });
        else
            for (int n = 0; n < shape.N; n++)
                Gemm.MultiplyParallel(c, s, c, w, 0, c, transposeWeight, x, n * plane, s, false, y, n * plane, s, false);
    }
}
