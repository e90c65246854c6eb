namespace Flows.Kernels.Cpu;

/// <summary>
/// y = conv(x, w) + bias as one GEMM per sample: Y_n (Cout × OH·OW) = W (Cout × Cin·K·K) · cols_n. A 1×1
/// convolution without padding needs no im2col (cols_n is x_n). Samples are spread over the cores; with
/// fewer samples than cores the GEMM itself is split instead.
/// </summary>
internal static class ConvForward
{
    public static void Run(float[] x, float[] w, float[]? bias, float[] y, ConvGeometry g)
    {
        int ckk = g.InChannels * g.KernelSize * g.KernelSize, plane = g.OutHeight * g.OutWidth;
        int inSize = g.InChannels * g.Height * g.Width, outSize = g.OutChannels * plane;
        bool direct = g.KernelSize == 1 && g.Padding == 0;
        long costPerSample = 2L * g.OutChannels * plane * ckk;
        bool splitSamples = g.Batch >= CpuParallel.Workers || costPerSample * g.Batch < CpuParallel.SerialThreshold;

        void Sample(int n, bool parallelGemm)
        {
            float[] cols = x;
            int colsOffset = n * inSize;
            if (!direct)
            {
                cols = ThreadScratch.Get(ScratchSlot.Columns, ckk * plane);
                colsOffset = 0;
                Im2Col.Expand(x.AsSpan(n * inSize, inSize), cols, g);
            }
            if (parallelGemm)
                Gemm.MultiplyParallel(g.OutChannels, plane, ckk, w, 0, ckk, false, cols, colsOffset, plane, false,
                                      y, n * outSize, plane, false);
            else
                Gemm.Multiply(g.OutChannels, plane, ckk, w, ckk, false, cols.AsSpan(colsOffset), plane, false,
                              y.AsSpan(n * outSize, outSize), plane, false);
            if (bias is not null) AddBias(y.AsSpan(n * outSize, outSize), bias, plane);
        }

        if (splitSamples)
            CpuParallel.For(g.Batch, costPerSample, (start, end) =>
            {
                for (int n = start; n < end; n++) Sample(n, false);
            });
        else
            for (int n = 0; n < g.Batch; n++) Sample(n, true);
    }

    private static void AddBias(Span<float> y, float[] bias, int plane)
    {
        for (int co = 0; co < bias.Length; co++)
        {
            var row = y.Slice(co * plane, plane);
            float b = bias[co];
            for (int i = 0; i < row.Length; i++) row[i] += b;
        }
    }
}
