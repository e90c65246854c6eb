using System.Buffers;

namespace Flows.Kernels.Cpu;

/// <summary>
/// dw = Σ_n dY_n (Cout × OH·OW) · cols_nᵀ. The batch is cut into a fixed number of chunks (independent of the
/// core count, so the float sum order and thus the result is reproducible); each chunk accumulates its own
/// partial dw and the partials are added in chunk order.
/// </summary>
internal static class ConvBackwardWeight
{
    private const int MaxChunks = 8;

    public static void Run(float[] x, float[] dy, float[] dw, ConvGeometry g)
    {
        int ckk = g.InChannels * g.KernelSize * g.KernelSize, plane = g.OutHeight * g.OutWidth;
        int inSize = g.InChannels * g.Height * g.Width, outSize = g.OutChannels * plane;
        int wLength = g.WeightLength;
        bool direct = g.KernelSize == 1 && g.Padding == 0;
        long costPerSample = 2L * g.OutChannels * plane * ckk;
        int chunks = Math.Min(g.Batch, MaxChunks);
        bool parallel = costPerSample * g.Batch >= CpuParallel.SerialThreshold;
        float[] partials = chunks == 1 ? dw : ArrayPool<float>.Shared.Rent(chunks * wLength);
        try
        {
            CpuParallel.ForFixedChunks(g.Batch, chunks, parallel, (chunk, start, end) =>
            {
                var target = partials.AsSpan(chunks == 1 ? 0 : chunk * wLength, wLength);
                for (int n = start; n < end; n++)
                {
                    ReadOnlySpan<float> cols = x.AsSpan(n * inSize, inSize);
                    if (!direct)
                    {
                        var scratch = ThreadScratch.Get(ScratchSlot.Columns, ckk * plane);
                        Im2Col.Expand(x.AsSpan(n * inSize, inSize), scratch, g);
                        cols = scratch;
                    }
                    Gemm.Multiply(g.OutChannels, ckk, plane, dy.AsSpan(n * outSize, outSize), plane, false,
                                  cols, plane, true, target, ckk, accumulate: n > start);
                }
            });
            if (chunks > 1)
            {
                var result = dw.AsSpan(0, wLength);
                partials.AsSpan(0, wLength).CopyTo(result);
                for (int chunk = 1; chunk < chunks; chunk++)
                    ReductionKernels.AddInto(partials.AsSpan(chunk * wLength, wLength), result);
            }
        }
        finally
        {
            if (chunks > 1) ArrayPool<float>.Shared.Return(partials);
        }
    }
}
