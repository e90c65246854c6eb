using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Flows.Kernels.Cpu;

/// <summary>
/// GEMM version 2 (BLIS-style): C (m×n) (+)= op(A)·op(B) with A and B packed into contiguous, 64-byte
/// aligned micro-panels (per-thread scratch, no allocation), blocked so a KC×NR sliver of B stays in L1 and
/// an MC×KC block of A in L2 while the 6×NR register-tiled micro-kernel sweeps them. Serial; callers split
/// the work across cores. The panel sources are generic so convolution can pack straight from the image.
/// The GEMM, its packing and micro-kernels are compiled fully optimised at first call (AggressiveOptimization):
/// under tiered compilation, helpers of the packing were measured still running tier-0 code after 0.5 s of
/// warm-up on one core, at a third of the speed.
/// </summary>
internal static unsafe class GemmV2Packed
{
    // Block sizes (settable so the harness can tune them): an MC×KC block of A stays in L2, a KC×NR sliver
    // of B (24 KB) in L1, so KC follows the vector width (384 for AVX2). k is split into equal blocks
    // (576 → 2 × 288). On the loaded 2-core machine KC 384 measured 5–15% above 256 (noisy); MC 72 vs 144
    // and NC made no measurable difference at these sizes.
    internal static int MC { get; set; } = 72;
    internal static int KC { get; set; } = 0;
    internal static int NC { get; set; } = 2048;

    private static int KcFor(int nr) => KC > 0 ? KC : Math.Min(512, 24 * 1024 / (nr * sizeof(float)));

    /// <summary>Vector width in bits the micro-kernel uses: 512, 256 or 128 (tests force each one).</summary>
    internal static int KernelWidth { get; set; } =
        Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : 128;

    public static int NR => KernelWidth / 16;

    /// <summary>
    /// The k block (KC, split into equal blocks: 576 → 2 × 288 rather than a full block and a sliver) and the
    /// m block (MC) that Run uses for a product with inner dimension k; <see cref="PrepackedA"/> packs to match.
    /// </summary>
    internal static (int KcMax, int McBlock) Blocking(int k)
    {
        int nr = NR, mr = GemmMicroKernels.MR;
        int kcTarget = KcFor(nr), kBlocks = (k + kcTarget - 1) / kcTarget;
        return ((k + kBlocks - 1) / kBlocks, Math.Max(mr, MC / mr * mr));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel<TRows>(int width, int kc, float* a, float* b, float* c, int ldc, bool load, int mr, int nr)
        where TRows : struct, GemmMicroKernels.IPanelRows
    {
        switch (width)
        {
            case 512: GemmMicroKernels.Kernel512<TRows>(kc, a, b, c, ldc, load, mr, nr); break;
            case 256: GemmMicroKernels.Kernel256<TRows>(kc, a, b, c, ldc, load, mr, nr); break;
            default: GemmMicroKernels.Kernel128<TRows>(kc, a, b, c, ldc, load, mr, nr); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TA, TB>(int m, int n, int k, TA a, TB b, float* c, int ldc, bool accumulate)
        where TA : struct, IPackA where TB : struct, IPackB
    {
        if (m <= 0 || n <= 0) return;
        if (k <= 0)
        {
            if (!accumulate)
                for (int i = 0; i < m; i++) new Span<float>(c + (long)i * ldc, n).Clear();
            return;
        }
        int width = KernelWidth, nr = width / 16;
        var (kcMax, mcBlock) = Blocking(k);
        int ncBlock = Math.Max(nr, NC / nr * nr);
        int ncMax = Math.Min(ncBlock, (n + nr - 1) / nr * nr), mcMax = Math.Min(mcBlock, m) + GemmMicroKernels.MR8;
        // A block: its rows plus the last panel's padding (under 8 rows). 16 floats for the 64-byte alignment and 16 for what transposing panel packers may write past the end.
        var packA = ThreadScratch.Get(ScratchSlot.PackA, mcMax * kcMax + 32);
        var packB = ThreadScratch.Get(ScratchSlot.PackB, ncMax * kcMax + 16);
        fixed (float* pa0 = packA, pb0 = packB)
        {
            float* pa = pa0 + ThreadScratch.AlignedStart(packA);
            float* pb = pb0 + ThreadScratch.AlignedStart(packB);
            for (int jc = 0; jc < n; jc += ncBlock)
            {
                int nc = Math.Min(ncBlock, n - jc);
                for (int pc = 0; pc < k; pc += kcMax)
                {
                    int kc = Math.Min(kcMax, k - pc);
                    bool load = accumulate || pc > 0;
                    b.Pack(pb, pc, kc, jc, nc, nr);
                    for (int ic = 0; ic < m; ic += mcBlock)
                    {
                        int mc = Math.Min(mcBlock, m - ic);
                        float* aBlock = a.Prepacked(ic, pc, kc);
                        if (aBlock == null)
                        {
                            a.Pack(pa, ic, mc, pc, kc);
                            aBlock = pa;
                        }
                        for (int jr = 0; jr < nc; jr += nr)
                        {
                            int nrEff = Math.Min(nr, nc - jr);
                            float* bPanel = pb + jr * kc;
                            float* cCol = c + (long)ic * ldc + jc + jr;
                            for (int ir = 0, h; ir < mc; ir += h)
                            {
                                h = GemmMicroKernels.PanelHeight(mc - ir);
                                int mrEff = Math.Min(h, mc - ir);
                                float* aPanel = aBlock + ir * kc;
                                float* cTile = cCol + (long)ir * ldc;
                                if (h == GemmMicroKernels.MR8)
                                    GemmMicroKernels.Kernel512<GemmMicroKernels.EightRows>(kc, aPanel, bPanel, cTile, ldc, load, mrEff, nrEff);
                                else if (h == GemmMicroKernels.MR)
                                    Kernel<GemmMicroKernels.SixRows>(width, kc, aPanel, bPanel, cTile, ldc, load, mrEff, nrEff);
                                else
                                    Kernel<GemmMicroKernels.FourRows>(width, kc, aPanel, bPanel, cTile, ldc, load, mrEff, nrEff);
                            }
                        }
                    }
                }
            }
        }
    }
}
