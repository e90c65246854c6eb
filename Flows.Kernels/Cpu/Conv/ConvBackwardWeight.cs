namespace Flows.Kernels.Cpu;

/// <summary>
/// dw = Σ_n dY_n (Cout × OH·OW) · cols_nᵀ. The batch is cut into a fixed number of chunks (independent of the
/// core count, so the float sum order and thus the result is reproducible); each chunk is one GEMM whose k runs
/// over all its samples' pixels (<see cref="SamplesA"/> · <see cref="Im2ColTransposedB"/>, colsᵀ packed
/// straight from the frames), into its own partial dw; the partials are added in chunk order. A 1×1
/// convolution without padding multiplies by x_nᵀ sample by sample. With fewer samples than cores, each GEMM
/// is split instead. On AVX-512, stride-1 chunks take the unpacked dot-product kernel (<see cref="ConvBackwardWeightDot"/>),
/// on AVX2 its 16-register form (<see cref="ConvBackwardWeightDotAvx2"/>, with its own chunk count and the bias sums
/// folded in).
/// </summary>
internal static unsafe class ConvBackwardWeight
{
    public const int MaxChunks = 8;

    public static void Run(float[] x, float[] dy, float[] dw, ConvGeometry g) => Run(x, dy, dw, null, g);

    /// <summary>
    /// The weight gradient and, with <paramref name="db"/>, the bias gradient db[co] = Σ dy[·, co, ·]: folded into
    /// the AVX2 dot-product chunks (and the few-output 1×1 loops of <see cref="Conv1x1Narrow"/>) where they run, else
    /// the per-channel sums of dy after the weight pass.
    /// </summary>
    public static void Run(float[] x, float[] dy, float[] dw, float[]? db, ConvGeometry g)
    {
        bool dotAvx2 = ConvBackwardWeightDotAvx2.Applies(g), narrow = !dotAvx2 && Conv1x1Narrow.AppliesWeight(g);
        if (!dotAvx2 && !narrow)
        {
            RunPacked(x, dy, dw, g);
            if (db != null)
                ReductionKernels.SumTo(dy, new Ncs(g.Batch, g.OutChannels, g.OutHeight * g.OutWidth), db, new Ncs(1, g.OutChannels, 1));
            return;
        }
        int wLength = g.WeightLength, biasLength = db != null ? g.OutChannels : 0, stride = wLength + biasLength;
        int chunks = dotAvx2 ? ConvBackwardWeightDotAvx2.Chunks(g) : Math.Min(g.Batch, MaxChunks);
        long costPerSample = 2L * g.OutChannels * g.OutHeight * g.OutWidth * g.InChannels * g.KernelSize * g.KernelSize;
        bool parallel = costPerSample * g.Batch >= CpuParallel.SerialThreshold;
        float[]? partials = chunks > 1 ? ThreadScratch.Get(ScratchSlot.Partials, (chunks - 1) * stride) : null;
        fixed (float* px = x, pdy = dy, pdw = dw, pdb = db, ppart = partials)
        {
            var state = new DotState(px, pdy, pdw, pdb, ppart, g, stride, narrow);
            CpuParallel.ForFixedChunks(g.Batch, chunks, parallel, in state, static (in DotState s, int chunk, int start, int end) =>
            {
                float* target = chunk == 0 ? s.Dw : s.Partials + (long)(chunk - 1) * s.Stride;
                float* bias = s.Db == null ? null : chunk == 0 ? s.Db : target + s.G.WeightLength;
                if (s.Narrow) Conv1x1Narrow.WeightChunk(s.X, s.Dy, target, bias, s.G, start, end);
                else ConvBackwardWeightDotAvx2.Chunk(s.X, s.Dy, target, bias, s.G, start, end);
            });
            if (chunks > 1)
            {
                var sum = new SumState(ppart, pdw, pdb, chunks, wLength, stride);
                CpuParallel.For(wLength + biasLength, chunks - 1, in sum, static (in SumState s, int start, int end) =>
                {
                    // dw, then db, += the partials in chunk order (the order per element stays fixed).
                    for (int chunk = 1; chunk < s.Chunks; chunk++)
                    {
                        float* part = s.Partials + (long)(chunk - 1) * s.Stride;
                        int wEnd = Math.Min(end, s.WeightLength);
                        if (wEnd > start)
                            ReductionKernels.AddInto(new ReadOnlySpan<float>(part + start, wEnd - start), new Span<float>(s.Dw + start, wEnd - start));
                        int bStart = Math.Max(start, s.WeightLength);
                        if (end > bStart)
                            ReductionKernels.AddInto(new ReadOnlySpan<float>(part + bStart, end - bStart),
                                                     new Span<float>(s.Db + bStart - s.WeightLength, end - bStart));
                    }
                });
            }
        }
    }

    private readonly struct DotState(float* x, float* dy, float* dw, float* db, float* partials, ConvGeometry g, int stride, bool narrow)
    {
        public readonly float* X = x, Dy = dy, Dw = dw, Db = db, Partials = partials;
        public readonly ConvGeometry G = g;
        public readonly int Stride = stride;
        public readonly bool Narrow = narrow;
    }

    private readonly struct SumState(float* partials, float* dw, float* db, int chunks, int weightLength, int stride)
    {
        public readonly float* Partials = partials, Dw = dw, Db = db;
        public readonly int Chunks = chunks, WeightLength = weightLength, Stride = stride;
    }

    /// <summary>The packed-GEMM path (and the AVX-512 dot kernel).</summary>
    private static void RunPacked(float[] x, float[] dy, float[] dw, ConvGeometry g)
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
