using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Flows.Kernels.Cpu;

/// <summary>
/// Writes the output tiles of 8 consecutive Winograd tiles of one tile row to y (<see cref="WinogradConv"/>): the
/// m vectors of output row q, one per column phase p (lane l is column m·l + p), are interleaved back into
/// m·8 consecutive pixels, the inverse of <see cref="WinogradPhases"/>, and stored with a mask at the image's
/// right edge. Without AVX-512 the pixels go one by one.
/// </summary>
internal static unsafe class WinogradScatter
{
    /// <summary>lanes[(q·m + p)·8 + l] → dst[q·pitch + m·l + p] for q &lt; height and m·l + p &lt; min(8m, widthLeft).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float* lanes, int m, float* dst, int height, int widthLeft, int pitch)
    {
        int width = Math.Min(8 * m, widthLeft);
        if (!Avx512F.VL.IsSupported || (m != 2 && m != 4))
        {
            for (int q = 0; q < height; q++)
                for (int p = 0; p < m; p++)
                    for (int l = 0, col = p; col < width; l++, col += m) dst[(long)q * pitch + col] = lanes[(q * m + p) * 8 + l];
            return;
        }
        var low = Vector256.Create(0, 8, 1, 9, 2, 10, 3, 11);
        var high = Vector256.Create(4, 12, 5, 13, 6, 14, 7, 15);
        var columns = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        Vector256<float>* outs = stackalloc Vector256<float>[4];
        for (int q = 0; q < height; q++)
        {
            var v = (Vector256<float>*)(lanes + q * m * 8);
            if (m == 2)
            {
                outs[0] = Avx512F.VL.PermuteVar8x32x2(v[0], low, v[1]);
                outs[1] = Avx512F.VL.PermuteVar8x32x2(v[0], high, v[1]);
            }
            else
            {
                // Phases 0 and 2, 1 and 3 pairwise, then the pairs: lane l of phase p ends at 4l + p.
                Vector256<float> a0 = Avx512F.VL.PermuteVar8x32x2(v[0], low, v[2]), a1 = Avx512F.VL.PermuteVar8x32x2(v[0], high, v[2]);
                Vector256<float> b0 = Avx512F.VL.PermuteVar8x32x2(v[1], low, v[3]), b1 = Avx512F.VL.PermuteVar8x32x2(v[1], high, v[3]);
                outs[0] = Avx512F.VL.PermuteVar8x32x2(a0, low, b0);
                outs[1] = Avx512F.VL.PermuteVar8x32x2(a0, high, b0);
                outs[2] = Avx512F.VL.PermuteVar8x32x2(a1, low, b1);
                outs[3] = Avx512F.VL.PermuteVar8x32x2(a1, high, b1);
            }
            float* row = dst + (long)q * pitch;
            for (int k = 0; k < m && 8 * k < width; k++)
            {
                if (8 * k + 8 <= width) Vector256.Store(outs[k], row + 8 * k);
                else
                {
                    var mask = Vector256.LessThan(columns, Vector256.Create(width - 8 * k)).AsSingle();
                    Avx512F.VL.MaskStore(row + 8 * k, mask, outs[k]);
                }
            }
        }
    }
}
