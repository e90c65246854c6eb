using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Flows.Kernels.Cpu;

/// <summary>
/// The transforms of one Winograd tile size F(m×m, 3×3) (docs/WINOGRAD.md): an output tile of m×m pixels reads an
/// input tile of α×α = (m+2)×(m+2) pixels; Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A. The 1-D transforms act on α (or α → m)
/// vectors of 8 tiles each; a 2-D transform is the 1-D one applied to columns and then to rows. Static abstract
/// members, so the driver (<see cref="WinogradConv"/>) is compiled once per tile size with the transforms inlined.
/// </summary>
internal interface IWinogradTile
{
    /// <summary>Output pixels per tile side.</summary>
    static abstract int M { get; }

    /// <summary>Input pixels per tile side, m + 2.</summary>
    static abstract int Alpha { get; }

    /// <summary>Row i of G (α × 3), used in double precision for the weight transform.</summary>
    static abstract void GRow(int i, out double g0, out double g1, out double g2);

    /// <summary>
    /// o = Bᵀ d for the α vectors d_k = Load(src + k·srcStride) into o_i = dst + i·dstStride (strides in floats).
    /// Loads and stores are the caller's memory directly: with the vectors passed through stack arrays instead,
    /// a transform did about five stores per stored result, and Zen 2 retires one store per cycle.
    /// </summary>
    static abstract unsafe void Input(float* src, nint srcStride, float* dst, nint dstStride);

    /// <summary>y = Aᵀ m for the α vectors m_k = Load(src + k·srcStride) into the m vectors dst + q·dstStride.</summary>
    static abstract unsafe void Output(float* src, nint srcStride, float* dst, nint dstStride);

    /// <summary><see cref="Output(float*, nint, float*, nint)"/> with <paramref name="addend"/> added to each y_q.</summary>
    static abstract unsafe void Output(float* src, nint srcStride, float* dst, nint dstStride, Vector256<float> addend);
}

/// <summary>F(2×2, 3×3): 16 multiplies per 4 outputs instead of 36 (2.25×); transform entries 0 and ±1, ±½.</summary>
internal readonly struct WinogradF2 : IWinogradTile
{
    public static int M => 2;
    public static int Alpha => 4;

    public static void GRow(int i, out double g0, out double g1, out double g2)
    {
        (g0, g1, g2) = i switch
        {
            0 => (1.0, 0.0, 0.0),
            1 => (0.5, 0.5, 0.5),
            2 => (0.5, -0.5, 0.5),
            _ => (0.0, 0.0, 1.0),
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Input(float* src, nint srcStride, float* dst, nint dstStride)
    {
        Vector256<float> d0 = Vector256.Load(src), d1 = Vector256.Load(src + srcStride);
        Vector256<float> d2 = Vector256.Load(src + 2 * srcStride), d3 = Vector256.Load(src + 3 * srcStride);
        Vector256.Store(d0 - d2, dst);
        Vector256.Store(d1 + d2, dst + dstStride);
        Vector256.Store(d2 - d1, dst + 2 * dstStride);
        Vector256.Store(d1 - d3, dst + 3 * dstStride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Output(float* src, nint srcStride, float* dst, nint dstStride)
    {
        var (y0, y1) = Apply(src, srcStride);
        Vector256.Store(y0, dst);
        Vector256.Store(y1, dst + dstStride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Output(float* src, nint srcStride, float* dst, nint dstStride, Vector256<float> addend)
    {
        var (y0, y1) = Apply(src, srcStride);
        Vector256.Store(y0 + addend, dst);
        Vector256.Store(y1 + addend, dst + dstStride);
    }

    /// <summary>Aᵀ m.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe (Vector256<float> Y0, Vector256<float> Y1) Apply(float* src, nint srcStride)
    {
        Vector256<float> m0 = Vector256.Load(src), m1 = Vector256.Load(src + srcStride);
        Vector256<float> m2 = Vector256.Load(src + 2 * srcStride), m3 = Vector256.Load(src + 3 * srcStride);
        return (m0 + m1 + m2, m1 - m2 - m3);
    }
}

/// <summary>
/// F(4×4, 3×3) on the points 0, ±1, ±2: 36 multiplies per 16 outputs instead of 144 (4×), at the price of
/// entries up to 8 in Aᵀ and 5 in Bᵀ, so a larger float error (docs/WINOGRAD.md).
/// </summary>
internal readonly struct WinogradF4 : IWinogradTile
{
    public static int M => 4;
    public static int Alpha => 6;

    public static void GRow(int i, out double g0, out double g1, out double g2)
    {
        (g0, g1, g2) = i switch
        {
            0 => (1.0 / 4, 0.0, 0.0),
            1 => (-1.0 / 6, -1.0 / 6, -1.0 / 6),
            2 => (-1.0 / 6, 1.0 / 6, -1.0 / 6),
            3 => (1.0 / 24, 1.0 / 12, 1.0 / 6),
            4 => (1.0 / 24, -1.0 / 12, 1.0 / 6),
            _ => (0.0, 0.0, 1.0),
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Input(float* src, nint srcStride, float* dst, nint dstStride)
    {
        Vector256<float> d0 = Vector256.Load(src), d1 = Vector256.Load(src + srcStride), d2 = Vector256.Load(src + 2 * srcStride);
        Vector256<float> d3 = Vector256.Load(src + 3 * srcStride), d4 = Vector256.Load(src + 4 * srcStride), d5 = Vector256.Load(src + 5 * srcStride);
        var four = Vector256.Create(4f);
        var two = Vector256.Create(2f);
        var five = Vector256.Create(5f);
        Vector256<float> a = d4 - four * d2, b = d3 - four * d1;  // rows 1, 2: d4 − 4d2 ∓ (4d1 − d3)
        Vector256<float> c = d4 - d2, e = two * (d3 - d1);       // rows 3, 4: d4 − d2 ± 2(d3 − d1)
        Vector256.Store(four * d0 - five * d2 + d4, dst);
        Vector256.Store(a + b, dst + dstStride);
        Vector256.Store(a - b, dst + 2 * dstStride);
        Vector256.Store(c + e, dst + 3 * dstStride);
        Vector256.Store(c - e, dst + 4 * dstStride);
        Vector256.Store(four * d1 - five * d3 + d5, dst + 5 * dstStride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Output(float* src, nint srcStride, float* dst, nint dstStride)
    {
        var (y0, y1, y2, y3) = Apply(src, srcStride);
        Vector256.Store(y0, dst);
        Vector256.Store(y1, dst + dstStride);
        Vector256.Store(y2, dst + 2 * dstStride);
        Vector256.Store(y3, dst + 3 * dstStride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Output(float* src, nint srcStride, float* dst, nint dstStride, Vector256<float> addend)
    {
        var (y0, y1, y2, y3) = Apply(src, srcStride);
        Vector256.Store(y0 + addend, dst);
        Vector256.Store(y1 + addend, dst + dstStride);
        Vector256.Store(y2 + addend, dst + 2 * dstStride);
        Vector256.Store(y3 + addend, dst + 3 * dstStride);
    }

    /// <summary>Aᵀ m.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe (Vector256<float>, Vector256<float>, Vector256<float>, Vector256<float>) Apply(float* src, nint srcStride)
    {
        Vector256<float> m0 = Vector256.Load(src), m1 = Vector256.Load(src + srcStride), m2 = Vector256.Load(src + 2 * srcStride);
        Vector256<float> m3 = Vector256.Load(src + 3 * srcStride), m4 = Vector256.Load(src + 4 * srcStride), m5 = Vector256.Load(src + 5 * srcStride);
        Vector256<float> s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4;
        var two = Vector256.Create(2f);
        var four = Vector256.Create(4f);
        var eight = Vector256.Create(8f);
        return (m0 + s12 + s34, d12 + two * d34, s12 + four * s34, d12 + eight * d34 + m5);
    }
}
