using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Flows.Kernels.Cpu;

/// <summary>
/// Splits one image row, zero-padded by one column on the left, into its m column phases for the Winograd input
/// transform (<see cref="WinogradConv"/>): phase p, column u = padded column m·u + p = image column m·u + p − 1.
/// With AVX-512 the split is two-vector permutes (vpermt2ps); with AVX2 in-lane shuffles and a cross-lane
/// 64-bit permute per parity split; 8 columns of every phase per step. Else scalar. All three give the same
/// bits (a copy); Flows.Tests/Kernels/WinogradShuffleTests.cs checks the vector forms against the scalar one.
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
        if (Avx2.IsSupported && !Avx512F.VL.IsSupported && (m == 2 || m == 4))
        {
            SplitAvx2(row, width, m, len, dst);
            return;
        }
        Pad(row, width, m, len, line);
        if (Avx512F.VL.IsSupported && (m == 2 || m == 4)) SplitAvx512(line, m, len, dst);
        else SplitScalar(line, m, len, dst);
    }

    /// <summary>line = [0, row[0 .. width), 0 …] over m·len floats.</summary>
    internal static void Pad(float* row, int width, int m, int len, float* line)
    {
        int padded = m * len;
        line[0] = 0f;
        int copied = Math.Min(width, padded - 1);
        new ReadOnlySpan<float>(row, copied).CopyTo(new Span<float>(line + 1, copied));
        new Span<float>(line + 1 + copied, padded - 1 - copied).Clear();
    }

    internal static void SplitScalar(float* line, int m, int len, float* dst)
    {
        for (int p = 0; p < m; p++)
            for (int u = 0; u < len; u++) dst[p * len + u] = line[m * u + p];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void SplitAvx512(float* line, int m, int len, float* dst)
    {
        var even = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
        var odd = Vector256.Create(1, 3, 5, 7, 9, 11, 13, 15);
        if (m == 2)
        {
            for (int u = 0; u < len; u += 8)
            {
                Vector256<float> a = Vector256.Load(line + 2 * u), b = Vector256.Load(line + 2 * u + 8);
                Vector256.Store(Avx512F.VL.PermuteVar8x32x2(a, even, b), dst + u);
                Vector256.Store(Avx512F.VL.PermuteVar8x32x2(a, odd, b), dst + len + u);
            }
            return;
        }
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
    }

    /// <summary>
    /// AVX2 (16 registers, no two-source permute), straight from the image row: each vector of 8 padded columns
    /// is loaded at image column 8k − 1, with vmaskmovps where it crosses the row's ends (masked lanes read
    /// nothing and give 0), so the padded copy of the row is not needed (it and its two span calls were a third
    /// of the split on 28-wide rows). Then shufps picks the even (odd) floats of a and b within each 128-bit half,
    /// [a0 a2 b0 b2 | a4 a6 b4 b6], and vpermpd puts the 64-bit pairs in order, [a0 a2 a4 a6 b0 b2 b4 b6]: two
    /// instructions per output vector, as the AVX-512 form has one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void SplitAvx2(float* row, int width, int m, int len, float* dst)
    {
        if (m == 2)
        {
            for (int u = 0; u < len; u += 8)
            {
                Vector256<float> a = Padded(row, width, 2 * u - 1), b = Padded(row, width, 2 * u + 7);
                Vector256.Store(Even(a, b), dst + u);
                Vector256.Store(Odd(a, b), dst + len + u);
            }
            return;
        }
        for (int u = 0; u < len; u += 8)
        {
            int c0 = 4 * u - 1;
            Vector256<float> a = Padded(row, width, c0), b = Padded(row, width, c0 + 8), c = Padded(row, width, c0 + 16), d = Padded(row, width, c0 + 24);
            Vector256<float> e0 = Even(a, b), e1 = Even(c, d), o0 = Odd(a, b), o1 = Odd(c, d);
            Vector256.Store(Even(e0, e1), dst + u);
            Vector256.Store(Even(o0, o1), dst + len + u);
            Vector256.Store(Odd(e0, e1), dst + 2 * len + u);
            Vector256.Store(Odd(o0, o1), dst + 3 * len + u);
        }
    }

    /// <summary>row[c .. c + 8), 0 outside [0, width).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Padded(float* row, int width, int c)
    {
        if (c >= 0 && c + 8 <= width) return Vector256.Load(row + c);
        if (c >= width || c + 8 <= 0) return Vector256<float>.Zero;
        var columns = Vector256.Create(c) + Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        var inside = Vector256.GreaterThanOrEqual(columns, Vector256<int>.Zero) & Vector256.LessThan(columns, Vector256.Create(width));
        return Avx.MaskLoad(row + c, inside.AsSingle());
    }

    /// <summary>Floats 0, 2, …, 14 of the 16 in a, b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Even(Vector256<float> a, Vector256<float> b) =>
        Avx2.Permute4x64(Avx.Shuffle(a, b, 0b10_00_10_00).AsDouble(), 0b11_01_10_00).AsSingle();

    /// <summary>Floats 1, 3, …, 15 of the 16 in a, b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Odd(Vector256<float> a, Vector256<float> b) =>
        Avx2.Permute4x64(Avx.Shuffle(a, b, 0b11_01_11_01).AsDouble(), 0b11_01_10_00).AsSingle();
}
