using System.Numerics;
using System.Runtime.CompilerServices;

namespace Flows.Kernels.Cpu;

/// <summary>
/// Vectorised transcendental functions built on Vector.Exp / Vector.Log (≈1 ulp), written to keep relative
/// accuracy where the textbook formulas cancel (tanh near 0, softplus for very negative x).
/// </summary>
internal static class SimdMath
{
    // Below this |x| tanh uses its odd Taylor series: (1 − e^{−2|x|}) would cancel and lose bits.
    private const float TanhSeriesLimit = 0.125f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Exp(Vector<float> x) => Vector.Exp(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Log(Vector<float> x) => Vector.Log(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Tanh(Vector<float> x)
    {
        var ax = Vector.Abs(x);
        var e = Vector.Exp(ax * new Vector<float>(-2f));
        var big = (Vector<float>.One - e) / (Vector<float>.One + e);
        var x2 = x * x;
        // x − x³/3 + 2x⁵/15 − 17x⁷/315 + 62x⁹/2835
        var p = new Vector<float>(62f / 2835f);
        p = p * x2 - new Vector<float>(17f / 315f);
        p = p * x2 + new Vector<float>(2f / 15f);
        p = p * x2 - new Vector<float>(1f / 3f);
        var small = ax + ax * x2 * p;
        var magnitude = Vector.ConditionalSelect(Vector.LessThan(ax, new Vector<float>(TanhSeriesLimit)), small, big);
        // Copy the sign of x back (tanh is odd).
        var signBit = new Vector<float>(-0f);
        return Vector.BitwiseOr(magnitude, Vector.BitwiseAnd(x, signBit));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Sigmoid(Vector<float> x) => Vector<float>.One / (Vector<float>.One + Vector.Exp(-x));

    /// <summary>log(1 + eˣ) = max(x, 0) + log1p(e^{−|x|}), with log1p kept accurate for tiny arguments.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Softplus(Vector<float> x)
    {
        var u = Vector.Exp(-Vector.Abs(x));
        var w = Vector<float>.One + u;
        var d = w - Vector<float>.One;
        // log(w)·u/(w−1) corrects the rounding of 1+u (Goldberg's log1p); where w rounds to 1, log1p(u) = u.
        var log1p = Vector.ConditionalSelect(Vector.Equals(d, Vector<float>.Zero), u, Vector.Log(w) * u / d);
        return Vector.Max(x, Vector<float>.Zero) + log1p;
    }

    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    public static float Softplus(float x)
    {
        double u = Math.Exp(-Math.Abs((double)x));
        double w = 1.0 + u;
        return MathF.Max(x, 0f) + (float)(w == 1.0 ? u : Math.Log(w) * u / (w - 1.0));
    }

    public static float Tanh(float x) => MathF.Tanh(x);
}
