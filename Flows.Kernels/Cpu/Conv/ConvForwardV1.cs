namespace Flows.Kernels.Cpu;

/// <summary>
/// Earlier forward convolutions, kept for comparison (Flows.Bench CpuConvVersionsBenchmarks) and checked
/// against the reference in the tests: an explicit im2col matrix per sample, then one GEMM.
/// v1: with <see cref="GemmV1Rows"/> (no packing): 4.3 GFLOP/s at batch 64, 64→64, 28x28 (2 cores, loaded).
/// v2: with the packed GEMM: about 20 GFLOP per CPU-second; building the 1.8 MB column matrix and packing
/// it again cost about as much as the arithmetic, which is why <see cref="Im2ColB"/> packs from the image.
/// </summary>
internal static class ConvForwardV1
{
    public static void Run(float[] x, float[] w, float[] y, ConvGeometry g, bool packedGemm)
    {
        int ckk = g.InChannels * g.KernelSize * g.KernelSize, plane = g.OutHeight * g.OutWidth;
        int inSize = g.InChannels * g.Height * g.Width, outSize = g.OutChannels * plane;
        CpuParallel.For(g.Batch, 2L * g.OutChannels * plane * ckk, (start, end) =>
        {
            var cols = ThreadScratch.Get(ScratchSlot.Columns, ckk * plane);
            for (int n = start; n < end; n++)
            {
                Im2Col.Expand(x.AsSpan(n * inSize, inSize), cols, g);
                if (packedGemm)
                    Gemm.Multiply(g.OutChannels, plane, ckk, w, ckk, false, cols, plane, false, y.AsSpan(n * outSize, outSize), plane, false);
                else
                    GemmV1Rows.Run(g.OutChannels, plane, ckk, w, ckk, false, cols, plane, false, y.AsSpan(n * outSize, outSize), plane, false);
            }
        });
    }
}
