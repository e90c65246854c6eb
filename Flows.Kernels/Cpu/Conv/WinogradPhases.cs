using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Flows.Kernels.Cpu;

/// <summary>
/// Splits one image row, zero-padded by one column on the left, into its m column phases for the Winograd input
/// transform (<see cref="WinogradConv"/>): phase p, column u = padded column m·u + p = image column m·u + p − 1.
/// With AVX-512 the split is two-vector permutes (vpermt2ps), 8 columns of every phase per step; else scalar.
/// </summary>
internal static unsafe class WinogradPhases
{
    /// <summary>
    /// dst[p·len + u] for p &lt; m, u &lt; len (len a multiple of 8); <paramref name="line"/> is scratch of
    /// m·len + 8 floats for the padded row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Split(float* row, int width, int m, int len, float* dst, float* line)
    {
        int padded = m * len;
        line[0] = 0f;
        int copied = Math.Min(width, padded - 1);
        new ReadOnlySpan<float>(row, copied).CopyTo(new Span<float>(line + 1, copied));
        new Span<float>(line + 1 + copied, padded - 1 - copied).Clear();
        if (Avx512F.VL.IsSupported && m == 2)
        {
            var even = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
            var odd = Vector256.Create(1, 3, 5, 7, 9, 11, 13, 15);
            for (int u = 0; u < len; u += 8)
            {
                Vector256<float> a = Vector256.Load(line + 2 * u), b = Vector256.Load(line + 2 * u + 8);
                Vector256.Store(Avx512F.VL.PermuteVar8x32x2(a, even, b), dst + u);
                Vector256.Store(Avx512F.VL.PermuteVar8x32x2(a, odd, b), dst + len + u);
            }
            return;
        }
        if (Avx512F.VL.IsSupported && m == 4)
        {
            var even = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
            var odd = Vector256.Create(1, 3, 5, 7, 9, 11, 13, 15);
            for (int u = 0; u < len; u += 8)
            {
                float* src = line + 4 * u;
                Vector256<float> a = Vector256.Load(src), b = Vector256.Load(src + 8), c = Vector256.Load(src + 16), d = Vector256.Load(src + 24);
                // Columns 2k of the 32 (phases 0, 2) and 2k + 1 (phases 1, 3), then split each by parity again.
                Vector256<float> e0 = Avx512F.VL.PermuteVar8x32x2(a, even, b), e1 = Avx512F.VL.PermuteVar8x32x2(c, even, d);
                Vector256<float> o0 = Avx512F.VL.PermuteVar8x32x2(a, odd, b), o1 = Avx512F.VL.PermuteVar8x32x2(c, odd, d);
                Vector256.Store(Avx512F.VL.PermuteVar8x32x2(e0, even, e1), dst + u);
                Vector256.Store(Avx512F.VL.PermuteVar8x32x2(o0, even, o1), dst + len + u);
                Vector256.Store(Avx512F.VL.PermuteVar8x32x2(e0, odd, e1), dst + 2 * len + u);
                Vector256.Store(Avx512F.VL.PermuteVar8x32x2(o0, odd, o1), dst + 3 * len + u);
            }
            return;
        }
        for (int p = 0; p < m; p++)
            for (int u = 0; u < len; u++) dst[p * len + u] = line[m * u + p];
    }
}
