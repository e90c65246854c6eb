using System.Runtime.Intrinsics.X86;

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

/// <summary>The vector unit a Winograd rule was measured on (<see cref="WinogradSelection.Rule(ConvGeometry, bool, WinogradIsa)"/>).</summary>
internal enum WinogradIsa
{
    Avx512,
    Avx2,
    Other,
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
/// comes from `Flows.Bench winograd` on the paper's shapes, one rule per vector unit (docs/PERFORMANCE.md,
/// "Winograd convolutions (CPU)" for AVX-512, "Winograd on AVX2 (issue 14, Zen 2 machine)" for AVX2).
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

    /// <summary>The rule of the machine this runs on (<see cref="MachineIsa"/>).</summary>
    internal static ConvKernel Rule(ConvGeometry g, bool backwardData) => Rule(g, backwardData, MachineIsa);

    /// <summary>
    /// The measured rules, one per kind of vector unit (the Winograd transforms, the GEMM's panels and the direct
    /// path all differ between them). Each is read off `Flows.Bench winograd` (direct / Winograd per pass) on its
    /// machine:
    /// <para>
    /// AVX-512 (docs/PERFORMANCE.md, "Winograd convolutions (CPU)", the issue-14 AVX-512 machine): F(2×2) for the
    /// forward pass when both channel counts are at least 128 and the image at least 14×14 (RealNVP's 128→128 and
    /// Glow's 200→200 at 14×14: 1.05–1.11× at batch 32 and 256); the direct path everywhere else. Backward-data at
    /// those shapes measured 0.98–1.06× (not faster beyond the noise), F(4×4) only at 28×28 with 32–64 channels and
    /// inconsistently (0.91–1.08×), and every shape with fewer channels or at 7×7 was slower.
    /// </para>
    /// <para>
    /// AVX2 without AVX-512 (docs/PERFORMANCE.md, "Winograd on AVX2 (issue 14, Zen 2 machine)": 2-core Zen 2 EPYC,
    /// 2 threads, two runs of `winograd --rounds 3` at load average 7–9, wall-clock medians): F(4×4) at 28×28 and
    /// larger with at least 32 channels in and out, both passes (32→32 1.62–2.22× at batch 32, 1.67–1.80× at 256;
    /// 64→64 1.30–2.18×); F(2×2) from 14×14 up with at least 64 channels, both passes (64→64 1.15–1.30× at batch
    /// 32, 1.36–1.41× at 256; 128→128 1.52–1.83×; 200→200 1.50–1.77×; F(4×4) there 0.97–1.49×, below F(2×2) in all but one
    /// reading). The direct path at 7×7 (F2/F4 0.68–1.40× with no consistent winner: 64→64 F4 1.03–1.19× at batch 32
    /// but 0.76–0.83× at 256) and wherever a channel count is 2 or 4 (0.11–0.93×; 2→32 and 2→64 F4 forward read
    /// 0.70–1.38×, inconsistent, on passes of 1–3 ms).
    /// </para>
    /// <para>Any other vector unit takes the AVX-512 rule, as before there was an AVX2 one (nothing measured there).</para>
    /// </summary>
    internal static ConvKernel Rule(ConvGeometry g, bool backwardData, WinogradIsa isa)
    {
        int channels = Math.Min(g.InChannels, g.OutChannels), size = Math.Min(g.Height, g.Width);
        if (isa == WinogradIsa.Avx2)
        {
            if (channels >= Avx2F4MinChannels && size >= Avx2F4MinSize) return ConvKernel.F4;
            if (channels >= Avx2F2MinChannels && size >= Avx2F2MinSize) return ConvKernel.F2;
            return ConvKernel.Direct;
        }
        return !backwardData && channels >= MinChannels && size >= MinSize ? ConvKernel.F2 : ConvKernel.Direct;
    }

    internal const int MinChannels = 128;
    internal const int MinSize = 14;
    internal const int Avx2F4MinChannels = 32;
    internal const int Avx2F4MinSize = 28;
    internal const int Avx2F2MinChannels = 64;
    internal const int Avx2F2MinSize = 14;

    /// <summary>
    /// The vector unit whose rule applies here, read from the GEMM's kernel width as every other CPU path choice
    /// is (the Winograd GEMMs run that kernel): 512-bit with AVX-512 VL, else 256-bit with AVX2 and FMA, else other.
    /// </summary>
    internal static WinogradIsa MachineIsa =>
        GemmV2Packed.KernelWidth == 512 && Avx512F.VL.IsSupported ? WinogradIsa.Avx512
        : GemmV2Packed.KernelWidth == 256 && Avx2.IsSupported && Fma.IsSupported ? WinogradIsa.Avx2 : WinogradIsa.Other;

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
