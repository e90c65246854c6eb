namespace Flows.Kernels.Cpu;

/// <summary>
/// dw = Σ_n dY_n (Cout × OH·OW) · cols_nᵀ. The batch is cut into a fixed number of chunks (independent of the
/// core count, so the float sum order and thus the result is reproducible); each chunk is one GEMM whose k runs
/// over all its samples' pixels (<see cref="SamplesA"/> · <see cref="Im2ColTransposedB"/>, colsᵀ packed
/// straight from the frames), into its own partial dw; the partials are added in chunk order. A 1×1
/// convolution without padding multiplies by x_nᵀ sample by sample. With fewer samples than cores, each GEMM
/// is split instead. On AVX-512, stride-1 chunks take the unpacked dot-product kernel (<see cref="ConvBackwardWeightDot"/>).
/// </summary>
internal static unsafe class ConvBackwardWeight
{
    public const int MaxChunks = 8;

    public static void Run(float[] x, float[] dy, float[] dw, ConvGeometry g)
    {
        int ckk = g.InChannels * g.KernelSize * g.KernelSize, plane = g.OutHeight * g.OutWidth;
        int inSize = g.InChannels * g.Height * g.Width, outSize = g.OutChannels * plane;
        int wLength = g.WeightLength;
        bool direct = g.KernelSize == 1 && g.Padding == 0 && g.Stride == 1;
        long costPerSample = 2L * g.OutChannels * plane * ckk;
        bool dot = ConvBackwardWeightDot.Applies(g);
        bool splitGemm = !dot && g.Batch < CpuParallel.Workers && costPerSample * g.Batch >= CpuParallel.SerialThreshold;
        int chunks = splitGemm ? 1 : Math.Min(g.Batch, MaxChunks);
        bool parallel = costPerSample * g.Batch >= CpuParallel.SerialThreshold;
        // Chunk 0 accumulates into dw itself; the others into the calling thread's scratch (it never uses this
        // slot while it works on a chunk).
        float[]? partials = chunks > 1 ? ThreadScratch.Get(ScratchSlot.Partials, (chunks - 1) * wLength) : null;
        fixed (float* px = x, pdy = dy, pdw = dw, ppart = partials)
        {
            float* xs = px, dys = pdy, dws = pdw, parts = ppart;
            CpuParallel.ForFixedChunks(g.Batch, chunks, parallel, (chunk, start, end) =>
            {
                float* target = chunk == 0 ? dws : parts + (long)(chunk - 1) * wLength;
                if (dot)
                {
                    ConvBackwardWeightDot.Chunk(xs, dys, target, g, start, end);
                    return;
                }
                if (direct)
                {
                    for (int n = start; n < end; n++)
                        GemmSplit.RunOrSerial(splitGemm, g.OutChannels, ckk, plane, new DenseA(dys + (long)n * outSize, plane, false),
                                              new DenseB(xs + (long)n * inSize, plane, true), target, ckk, n > start);
                    return;
                }
                int count = end - start;
                var frames = ThreadScratch.Get(ScratchSlot.Padded, PaddedImage.ScratchLength(g, count));
                fixed (float* padded = frames)
                {
                    PaddedImage.FillSamples(xs, g, start, count, padded);
                    GemmSplit.RunOrSerial(splitGemm, g.OutChannels, ckk, count * plane, new SamplesA(dys + (long)start * outSize, plane, outSize),
                                          new Im2ColTransposedB(padded, g), target, ckk, false);
                }
            });
            // dw += partials in chunk order, split over the weights (the order per element stays fixed).
            if (chunks > 1)
                CpuParallel.For(wLength, chunks - 1, (start, end) =>
                {
                    for (int chunk = 1; chunk < chunks; chunk++)
                        ReductionKernels.AddInto(new ReadOnlySpan<float>(parts + (long)(chunk - 1) * wLength + start, end - start),
                                                 new Span<float>(dws + start, end - start));
                });
        }
    }
}
