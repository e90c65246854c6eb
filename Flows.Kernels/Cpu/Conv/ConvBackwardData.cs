namespace Flows.Kernels.Cpu;

/// <summary>
/// dx = the adjoint of the stride-1 convolution, computed as a forward convolution of dy with the weights
/// transposed over channels and flipped in space, w'[ci, co, ky, kx] = w[co, ci, K−1−ky, K−1−kx], and
/// padding K−1−P (negative when P > K−1: it crops). That reuses the fused im2col GEMM and needs no col2im
/// scatter; the flipped weights are tiny (Cout·Cin·K·K floats, per-thread scratch). Strided convolutions
/// take <see cref="ConvBackwardDataStrided"/> (the adjoint would need zeros inserted into dy), and so do
/// stride-1 windows into few input channels (<see cref="UsesColumnGradient"/>).
/// </summary>
internal static unsafe class ConvBackwardData
{
    public static void Run(float[] dy, float[] w, float[] dx, ConvGeometry g)
    {
        if (g.Stride != 1 || UsesColumnGradient(g))
        {
            ConvBackwardDataStrided.Run(dy, w, dx, g);
            return;
        }
        int k = g.KernelSize, kk = k * k, cin = g.InChannels, cout = g.OutChannels;
        var flipped = ThreadScratch.Get(ScratchSlot.Weights, g.WeightLength);
        for (int co = 0; co < cout; co++)
            for (int ci = 0; ci < cin; ci++)
            {
                int src = (co * cin + ci) * kk, dst = (ci * cout + co) * kk;
                for (int t = 0; t < kk; t++) flipped[dst + t] = w[src + kk - 1 - t];
            }
        var adjoint = new ConvGeometry(g.Batch, cout, g.OutHeight, g.OutWidth, cin, k, k - 1 - g.Padding);
        fixed (float* pdy = dy, pw = flipped, pdx = dx)
            ConvForward.Run(pdy, pw, null, pdx, adjoint);
    }

    /// <summary>
    /// The flipped forward convolution is a GEMM with Cin rows: at Cin ≤ 4 (RealNVP's and Glow's first
    /// convolutions, 2→32 and 4→64) that is one micro-panel, a 4-row panel half empty at Cin = 2, and every packed
    /// column of dy is used by only Cin rows. The column gradient Wᵀ · dY has Cin·K·K rows (18–36) and packs dy
    /// itself; its col2im adds are 1/Cout of the multiply-adds. Measured in docs/PERFORMANCE.md ("CPU convolutions").
    /// </summary>
    public static bool UsesColumnGradient(ConvGeometry g) => g.KernelSize > 1 && g.InChannels <= ColumnGradientMaxInChannels;

    public const int ColumnGradientMaxInChannels = 4;
}
