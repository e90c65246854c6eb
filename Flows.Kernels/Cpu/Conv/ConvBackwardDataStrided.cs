namespace Flows.Kernels.Cpu;

/// <summary>
/// dx for a convolution with stride S &gt; 1, per sample: the column gradient dcols (Cin·K·K × OH·OW) =
/// Wᵀ · dY_n on the packed GEMM, then col2im adds every column back into the sample's phase frame
/// (<see cref="PaddedImage"/>), where each output row's pixels are contiguous so the scatter-add is vector
/// adds, and the frame is read back into dx without its padding (<see cref="PaddedImage.ExtractPhases"/>).
/// The stride-1 trick (a forward convolution with flipped weights, <see cref="ConvBackwardData"/>) would need
/// S − 1 zeros inserted between dy's pixels, i.e. S² times the multiply-adds; this does exactly the
/// convolution's own. Samples are spread over the cores; with fewer samples than cores each GEMM is split.
/// </summary>
internal static unsafe class ConvBackwardDataStrided
{
    public static void Run(float[] dy, float[] w, float[] dx, ConvGeometry g)
    {
        int ckk = g.InChannels * g.KernelSize * g.KernelSize, plane = g.OutHeight * g.OutWidth;
        int inSize = g.InChannels * g.Height * g.Width, outSize = g.OutChannels * plane;
        long costPerSample = 2L * ckk * plane * g.OutChannels;
        bool split = g.Batch < CpuParallel.Workers && costPerSample * g.Batch >= CpuParallel.SerialThreshold;
        fixed (float* pdy = dy, pw = w, pdx = dx)
        {
            float* dys = pdy, ws = pw, dxs = pdx;
            void Sample(int n, bool splitGemm)
            {
                var cols = ThreadScratch.Get(ScratchSlot.Columns, ckk * plane);
                var frames = ThreadScratch.Get(ScratchSlot.Padded, PaddedImage.Length(g));
                fixed (float* c = cols, frame = frames)
                {
                    GemmSplit.RunOrSerial(splitGemm, ckk, plane, g.OutChannels, new DenseA(ws, ckk, true),
                                          new DenseB(dys + (long)n * outSize, plane, false), c, plane, false);
                    new Span<float>(frame, PaddedImage.Length(g)).Clear();
                    AddColumns(c, g, frame);
                    PaddedImage.ExtractPhases(frame, g, dxs + (long)n * inSize);
                }
            }
            if (split)
                for (int n = 0; n < g.Batch; n++) Sample(n, true);
            else
                CpuParallel.For(g.Batch, costPerSample, (start, end) =>
                {
                    for (int n = start; n < end; n++) Sample(n, false);
                });
        }
    }

    /// <summary>col2im: frame[WindowOffset(r) + oy·Wq + ox] += cols[r, oy·OW + ox], one output row at a time.</summary>
    private static void AddColumns(float* cols, ConvGeometry g, float* frame)
    {
        int ckk = g.InChannels * g.KernelSize * g.KernelSize, oh = g.OutHeight, ow = g.OutWidth, pitch = PaddedImage.Width(g);
        for (int r = 0; r < ckk; r++)
        {
            float* target = frame + PaddedImage.WindowOffset(g, r);
            float* source = cols + (long)r * oh * ow;
            for (int oy = 0; oy < oh; oy++)
                ReductionKernels.AddInto(new ReadOnlySpan<float>(source + oy * ow, ow), new Span<float>(target + (long)oy * pitch, ow));
        }
    }
}
