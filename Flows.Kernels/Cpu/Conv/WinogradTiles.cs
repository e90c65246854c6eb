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

    /// <summary>o = Bᵀ d for α vectors d (contiguous) into α vectors o (contiguous).</summary>
    static abstract unsafe void Input(Vector256<float>* d, Vector256<float>* o);

    /// <summary>y = Aᵀ m for α vectors m into the m vectors y.</summary>
    static abstract unsafe void Output(Vector256<float>* m, Vector256<float>* y);
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
    public static unsafe void Input(Vector256<float>* d, Vector256<float>* o)
    {
        Vector256<float> d0 = d[0], d1 = d[1], d2 = d[2], d3 = d[3];
        o[0] = d0 - d2;
        o[1] = d1 + d2;
        o[2] = d2 - d1;
        o[3] = d1 - d3;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Output(Vector256<float>* m, Vector256<float>* y)
    {
        Vector256<float> m1 = m[1], m2 = m[2];
        y[0] = m[0] + m1 + m2;
        y[1] = m1 - m2 - m[3];
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
    public static unsafe void Input(Vector256<float>* d, Vector256<float>* o)
    {
        Vector256<float> d0 = d[0], d1 = d[1], d2 = d[2], d3 = d[3], d4 = d[4], d5 = d[5];
        var four = Vector256.Create(4f);
        var two = Vector256.Create(2f);
        var five = Vector256.Create(5f);
        Vector256<float> a = d4 - four * d2, b = d3 - four * d1;  // rows 1, 2: d4 − 4d2 ∓ (4d1 − d3)
        Vector256<float> c = d4 - d2, e = two * (d3 - d1);       // rows 3, 4: d4 − d2 ± 2(d3 − d1)
        o[0] = four * d0 - five * d2 + d4;
        o[1] = a + b;
        o[2] = a - b;
        o[3] = c + e;
        o[4] = c - e;
        o[5] = four * d1 - five * d3 + d5;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Output(Vector256<float>* m, Vector256<float>* y)
    {
        Vector256<float> s12 = m[1] + m[2], d12 = m[1] - m[2], s34 = m[3] + m[4], d34 = m[3] - m[4];
        var two = Vector256.Create(2f);
        var four = Vector256.Create(4f);
        var eight = Vector256.Create(8f);
        y[0] = m[0] + s12 + s34;
        y[1] = d12 + two * d34;
        y[2] = s12 + four * s34;
        y[3] = d12 + eight * d34 + m[5];
    }
}
