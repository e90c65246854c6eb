using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Flows.Kernels.Cpu;

/// <summary>
/// Writes the output tiles of 8 consecutive Winograd tiles of one tile row to y (<see cref="WinogradConv"/>): the
/// m vectors of output row q, one per column phase p (lane l is column m·l + p), are interleaved back into
/// m·8 consecutive pixels, the inverse of <see cref="WinogradPhases"/>, and stored with a mask at the image's
/// right edge. AVX-512: two-source permutes and a masked store; AVX2: unpcklps/unpckhps and a 128-bit lane swap per
/// interleave of two vectors, the edge in 4-, 2- and 1-float stores; else the pixels go one by one. All give the same bits (Flows.Tests/Kernels/WinogradShuffleTests.cs).
/// </summary>
internal static unsafe class WinogradScatter
{
    /// <summary>lanes[(q·m + p)·8 + l] → dst[q·pitch + m·l + p] for q &lt; height and m·l + p &lt; min(8m, widthLeft).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float* lanes, int m, float* dst, int height, int widthLeft, int pitch)
    {
        if (Avx512F.VL.IsSupported && (m == 2 || m == 4)) StoreAvx512(lanes, m, dst, height, widthLeft, pitch);
        else if (Avx2.IsSupported && (m == 2 || m == 4)) StoreAvx2(lanes, m, dst, height, widthLeft, pitch);
        else StoreScalar(lanes, m, dst, height, widthLeft, pitch);
    }

    internal static void StoreScalar(float* lanes, int m, float* dst, int height, int widthLeft, int pitch)
    {
        int width = Math.Min(8 * m, widthLeft);
        for (int q = 0; q < height; q++)
            for (int p = 0; p < m; p++)
                for (int l = 0, col = p; col < width; l++, col += m) dst[(long)q * pitch + col] = lanes[(q * m + p) * 8 + l];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void StoreAvx512(float* lanes, int m, float* dst, int height, int widthLeft, int pitch)
    {
        int width = Math.Min(8 * m, widthLeft);
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

    /// <summary>The same interleave as <see cref="StoreAvx512"/> from <see cref="Interleave"/>, the edge stored by <see cref="StoreFirst"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void StoreAvx2(float* lanes, int m, float* dst, int height, int widthLeft, int pitch)
    {
        int width = Math.Min(8 * m, widthLeft);
        Vector256<float>* outs = stackalloc Vector256<float>[4];
        for (int q = 0; q < height; q++)
        {
            var v = (Vector256<float>*)(lanes + q * m * 8);
            if (m == 2) Interleave(v[0], v[1], out outs[0], out outs[1]);
            else
            {
                Interleave(v[0], v[2], out var a0, out var a1);
                Interleave(v[1], v[3], out var b0, out var b1);
                Interleave(a0, b0, out outs[0], out outs[1]);
                Interleave(a1, b1, out outs[2], out outs[3]);
            }
            float* row = dst + (long)q * pitch;
            for (int k = 0; k < m && 8 * k < width; k++)
            {
                if (8 * k + 8 <= width) Vector256.Store(outs[k], row + 8 * k);
                else StoreFirst(outs[k], width - 8 * k, row + 8 * k);
            }
        }
    }

    /// <summary>
    /// The first <paramref name="count"/> (1–7) floats of v, as 4-, 2- and 1-float stores. Not vmaskmovps: on
    /// Zen 2 its store form is microcoded (Agner Fog's tables: 42 µops for a ymm store), and every tile row
    /// of a 28- or 14-wide image ends in one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreFirst(Vector256<float> v, int count, float* dst)
    {
        Vector128<float> part = v.GetLower();
        if (count >= 4)
        {
            part.Store(dst);
            part = v.GetUpper();
            dst += 4;
            count -= 4;
        }
        if (count >= 2)
        {
            *(double*)dst = part.AsDouble().ToScalar();
            part = Sse.MoveHighToLow(part, part);
            dst += 2;
            count -= 2;
        }
        if (count == 1) *dst = part.ToScalar();
    }

    /// <summary>
    /// [a0 b0 a1 b1 a2 b2 a3 b3], [a4 b4 … a7 b7]: unpack within the 128-bit halves gives [a0 b0 a1 b1 | a4 b4 a5 b5]
    /// and [a2 b2 a3 b3 | a6 b6 a7 b7]; vperm2f128 takes the low halves of both, then the high halves.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Interleave(Vector256<float> a, Vector256<float> b, out Vector256<float> low, out Vector256<float> high)
    {
        Vector256<float> lo = Avx.UnpackLow(a, b), hi = Avx.UnpackHigh(a, b);
        low = Avx.Permute2x128(lo, hi, 0x20);
        high = Avx.Permute2x128(lo, hi, 0x31);
    }
}
