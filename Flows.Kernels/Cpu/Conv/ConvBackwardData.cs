namespace Flows.Kernels.Cpu;

/// <summary>
/// dx = the adjoint of the convolution: dcols_n (Cin·K·K × OH·OW) = Wᵀ · dY_n, then col2im adds each column
/// entry back onto its source pixel. A 1×1 convolution without padding writes Wᵀ·dY_n straight into dx_n.
/// </summary>
internal static class ConvBackwardData
{
    public static void Run(float[] dy, float[] w, float[] dx, ConvGeometry g)
    {
        int ckk = g.InChannels * g.KernelSize * g.KernelSize, plane = g.OutHeight * g.OutWidth;
        int inSize = g.InChannels * g.Height * g.Width, outSize = g.OutChannels * plane;
        bool direct = g.KernelSize == 1 && g.Padding == 0;
        long costPerSample = 2L * g.OutChannels * plane * ckk;
        bool splitSamples = g.Batch >= CpuParallel.Workers || costPerSample * g.Batch < CpuParallel.SerialThreshold;

        void Sample(int n, bool parallelGemm)
        {
            float[] cols = direct ? dx : ThreadScratch.Get(ScratchSlot.Columns, ckk * plane);
            int colsOffset = direct ? n * inSize : 0;
            if (parallelGemm)
                Gemm.MultiplyParallel(ckk, plane, g.OutChannels, w, 0, ckk, true, dy, n * outSize, plane, false,
                                      cols, colsOffset, plane, false);
            else
                Gemm.Multiply(ckk, plane, g.OutChannels, w, ckk, true, dy.AsSpan(n * outSize, outSize), plane, false,
                              cols.AsSpan(colsOffset), plane, false);
            if (!direct) Im2Col.Collapse(cols, dx.AsSpan(n * inSize, inSize), g);
        }

        if (splitSamples)
            CpuParallel.For(g.Batch, costPerSample, (start, end) =>
            {
                for (int n = start; n < end; n++) Sample(n, false);
            });
        else
            for (int n = 0; n < g.Batch; n++) Sample(n, true);
    }
}
