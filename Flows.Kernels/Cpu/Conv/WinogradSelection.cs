namespace Flows.Kernels.Cpu;

/// <summary>How the managed CPU backend computes 3×3, padding 1, stride 1 convolutions (other shapes are always direct).</summary>
public enum CpuConvAlgorithm
{
    /// <summary>Per shape and pass, by the measured rule of <see cref="WinogradSelection"/>.</summary>
    Auto,

    /// <summary>The im2col-free packed GEMM (<see cref="ConvForward"/>) everywhere.</summary>
    Direct,

    /// <summary>Winograd wherever it applies: the rule's tile size where it picks one, else F(2×2, 3×3).</summary>
    Winograd,

    /// <summary>Winograd F(2×2, 3×3) wherever it applies.</summary>
    Winograd2,

    /// <summary>Winograd F(4×4, 3×3) wherever it applies.</summary>
    Winograd4,
}

/// <summary>The algorithm a pass runs: the direct GEMM or one of the Winograd tile sizes.</summary>
internal enum ConvKernel
{
    Direct,
    F2,
    F4,
}

/// <summary>
/// Which convolution kernel a 3×3 pass runs, and the dispatch to it. The rule for <see cref="CpuConvAlgorithm.Auto"/>
/// comes from `Flows.Bench winograd` on the paper's shapes (docs/PERFORMANCE.md, "Winograd convolutions (CPU)").
/// </summary>
internal static class WinogradSelection
{
    /// <summary>The kernel for a pass of geometry <paramref name="g"/> (for backward-data: the adjoint geometry).</summary>
    public static ConvKernel Choose(CpuConvAlgorithm algorithm, ConvGeometry g, bool backwardData = false)
    {
        if (algorithm == CpuConvAlgorithm.Direct || !WinogradConv.Supports(g)) return ConvKernel.Direct;
        return algorithm switch
        {
            CpuConvAlgorithm.Winograd2 => ConvKernel.F2,
            CpuConvAlgorithm.Winograd4 => ConvKernel.F4,
            CpuConvAlgorithm.Winograd => Rule(g, backwardData) is var k && k != ConvKernel.Direct ? k : ConvKernel.F2,
            _ => Rule(g, backwardData),
        };
    }

    /// <summary>
    /// The measured rule (docs/PERFORMANCE.md, "Winograd convolutions (CPU)", CPU time per pass on the paper's
    /// shapes): F(2×2) for the forward pass when both channel counts are at least 128 and the image at least 14×14
    /// (RealNVP's 128→128 and Glow's 200→200 at 14×14: 1.05–1.11× at batch 32 and 256); the direct path everywhere
    /// else. Backward-data at those shapes measured 0.98–1.06× (not faster beyond the noise), F(4×4) only at
    /// 28×28 with 32–64 channels and inconsistently (0.91–1.08×), and every shape with fewer channels or at 7×7
    /// was slower (the transforms cost more than the multiplies they save).
    /// </summary>
    internal static ConvKernel Rule(ConvGeometry g, bool backwardData) =>
        !backwardData && Math.Min(g.InChannels, g.OutChannels) >= MinChannels && Math.Min(g.Height, g.Width) >= MinSize
            ? ConvKernel.F2 : ConvKernel.Direct;

    internal const int MinChannels = 128;
    internal const int MinSize = 14;

    /// <summary>Runs the forward pass by Winograd when the choice says so; false leaves it to the direct path.</summary>
    public static bool TryForward(CpuConvAlgorithm algorithm, float[] x, float[] w, float[]? bias, float[] y, ConvGeometry g)
    {
        switch (Choose(algorithm, g))
        {
            case ConvKernel.F2: WinogradConv.Forward<WinogradF2>(x, w, bias, y, g); return true;
            case ConvKernel.F4: WinogradConv.Forward<WinogradF4>(x, w, bias, y, g); return true;
            default: return false;
        }
    }

    /// <summary>Backward-data likewise: the adjoint geometry has the channel counts swapped.</summary>
    public static bool TryBackwardData(CpuConvAlgorithm algorithm, float[] dy, float[] w, float[] dx, ConvGeometry g)
    {
        var adjoint = new ConvGeometry(g.Batch, g.OutChannels, g.OutHeight, g.OutWidth, g.InChannels, g.KernelSize, g.Padding, g.Stride);
        switch (Choose(algorithm, adjoint, backwardData: true))
        {
            case ConvKernel.F2: WinogradConv.BackwardData<WinogradF2>(dy, w, dx, g); return true;
            case ConvKernel.F4: WinogradConv.BackwardData<WinogradF4>(dy, w, dx, g); return true;
            default: return false;
        }
    }
}
