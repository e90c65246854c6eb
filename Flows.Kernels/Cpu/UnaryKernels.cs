using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Flows.Kernels.Cpu;

/// <summary>
/// y = f(x) and dx = dy·f'(x) for <see cref="UnaryOp"/>. Cheap maps use Vector&lt;float&gt;; transcendental
/// maps go through <see cref="SimdMath"/> so one pass does the whole op.
/// </summary>
internal static class UnaryKernels
{
    public static void Forward(UnaryOp op, float[] x, float[] y, int count, float alpha)
    {
        CpuParallel.For(count, 1, (op, x, y, alpha), static (in state, start, end) =>
            ForwardRange(state.op, state.x.AsSpan(start, end - start), state.y.AsSpan(start, end - start), state.alpha));
    }

    public static void Backward(UnaryOp op, float[] x, float[] y, float[] dy, float[] dx, int count, float alpha)
    {
        CpuParallel.For(count, 1, (op, x, y, dy, dx, alpha), static (in state, start, end) =>
        {
            var (op, x, y, dy, dx, alpha) = state;
            int n = end - start;
            BackwardRange(op, x.AsSpan(start, n), y.AsSpan(start, n), dy.AsSpan(start, n), dx.AsSpan(start, n), alpha);
        });
    }

    private static void ForwardRange(UnaryOp op, ReadOnlySpan<float> x, Span<float> y, float alpha)
    {
        switch (op)
        {
            case UnaryOp.Copy: x.CopyTo(y); break;
            case UnaryOp.Neg: Map<NegOp>(x, y, 0f); break;
            case UnaryOp.Exp: Map<ExpOp>(x, y, 0f); break;
            case UnaryOp.Log: Map<LogOp>(x, y, 0f); break;
            case UnaryOp.Tanh: Map<TanhOp>(x, y, 0f); break;
            case UnaryOp.Sigmoid: Map<SigmoidOp>(x, y, 0f); break;
            case UnaryOp.Relu: Map<LeakyReluOp>(x, y, 0f); break;
            case UnaryOp.LeakyRelu: Map<LeakyReluOp>(x, y, alpha); break;
            case UnaryOp.Abs: Map<AbsOp>(x, y, 0f); break;
            case UnaryOp.Square: Map<SquareOp>(x, y, 0f); break;
            case UnaryOp.Sqrt: Map<SqrtOp>(x, y, 0f); break;
            case UnaryOp.Reciprocal: Map<ReciprocalOp>(x, y, 0f); break;
            case UnaryOp.Scale: Map<ScaleOp>(x, y, alpha); break;
            case UnaryOp.AddScalar: Map<AddScalarOp>(x, y, alpha); break;
            case UnaryOp.Softplus: Map<SoftplusOp>(x, y, 0f); break;
            default: throw new ArgumentException($"Unary: unknown op {op}");
        }
    }

    private static void BackwardRange(UnaryOp op, ReadOnlySpan<float> x, ReadOnlySpan<float> y,
                                      ReadOnlySpan<float> dy, Span<float> dx, float alpha)
    {
        switch (op)
        {
            case UnaryOp.Copy: dy.CopyTo(dx); return;
            case UnaryOp.AddScalar: dy.CopyTo(dx); return;
            case UnaryOp.Neg: Map<NegOp>(dy, dx, 0f); return;
            case UnaryOp.Scale: Map<ScaleOp>(dy, dx, alpha); return;
            case UnaryOp.Exp: Zip<MulOp>(dy, y, dx); return;
            case UnaryOp.Log: Zip<DivOp>(dy, x, dx); return;
            case UnaryOp.Tanh: Gradient<TanhGrad>(x, y, dy, dx, alpha); return;
            case UnaryOp.Sigmoid: Gradient<SigmoidGrad>(x, y, dy, dx, alpha); return;
            case UnaryOp.Relu: Gradient<LeakyReluGrad>(x, y, dy, dx, 0f); return;
            case UnaryOp.LeakyRelu: Gradient<LeakyReluGrad>(x, y, dy, dx, alpha); return;
            case UnaryOp.Abs: Gradient<AbsGrad>(x, y, dy, dx, alpha); return;
            case UnaryOp.Square: Gradient<SquareGrad>(x, y, dy, dx, alpha); return;
            case UnaryOp.Sqrt: Gradient<SqrtGrad>(x, y, dy, dx, alpha); return;
            case UnaryOp.Reciprocal: Gradient<ReciprocalGrad>(x, y, dy, dx, alpha); return;
            case UnaryOp.Softplus: Gradient<SoftplusGrad>(x, y, dy, dx, alpha); return;
            default: throw new ArgumentException($"UnaryBackward: unknown op {op}");
        }
    }

    /// <summary>dx = TOp(x, y, dy) element-wise, vectorised with a scalar tail (one pass, no per-element switch).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Gradient<TOp>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
                                      float alpha) where TOp : struct, IUnaryGradient
    {
        int n = dx.Length;
        var vx = MemoryMarshal.Cast<float, Vector<float>>(x[..n]);
        var vy = MemoryMarshal.Cast<float, Vector<float>>(y[..n]);
        var vg = MemoryMarshal.Cast<float, Vector<float>>(dy[..n]);
        var vd = MemoryMarshal.Cast<float, Vector<float>>(dx);
        var va = new Vector<float>(alpha);
        for (int v = 0; v < vd.Length; v++) vd[v] = TOp.Apply(vx[v], vy[v], vg[v], va);
        for (int i = vd.Length * Vector<float>.Count; i < n; i++) dx[i] = TOp.Apply(x[i], y[i], dy[i], alpha);
    }

    /// <summary>y = Op(x) with Vector&lt;float&gt; and a scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Map<TOp>(ReadOnlySpan<float> x, Span<float> y, float alpha) where TOp : struct, IUnaryMap
    {
        int n = y.Length, i = 0;
        var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
        var vy = MemoryMarshal.Cast<float, Vector<float>>(y);
        var va = new Vector<float>(alpha);
        for (int v = 0; v < vy.Length; v++) vy[v] = TOp.Apply(vx[v], va);
        for (i = vy.Length * Vector<float>.Count; i < n; i++) y[i] = TOp.Apply(x[i], alpha);
    }

    /// <summary>c = Op(a, b) element-wise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Zip<TOp>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c) where TOp : struct, IBinaryMap
    {
        int n = c.Length;
        var va = MemoryMarshal.Cast<float, Vector<float>>(a[..n]);
        var vb = MemoryMarshal.Cast<float, Vector<float>>(b[..n]);
        var vc = MemoryMarshal.Cast<float, Vector<float>>(c);
        for (int v = 0; v < vc.Length; v++) vc[v] = TOp.Apply(va[v], vb[v]);
        for (int i = vc.Length * Vector<float>.Count; i < n; i++) c[i] = TOp.Apply(a[i], b[i]);
    }
}

internal interface IUnaryMap
{
    static abstract float Apply(float x, float alpha);
    static abstract Vector<float> Apply(Vector<float> x, Vector<float> alpha);
}

internal struct NegOp : IUnaryMap
{
    public static float Apply(float x, float a) => -x;
    public static Vector<float> Apply(Vector<float> x, Vector<float> a) => -x;
}

internal struct ExpOp : IUnaryMap
{
    public static float Apply(float x, float a) => MathF.Exp(x);
    public static Vector<float> Apply(Vector<float> x, Vector<float> a) => SimdMath.Exp(x);
}

internal struct LogOp : IUnaryMap
{
    public static float Apply(float x, float a) => MathF.Log(x);
    public static Vector<float> Apply(Vector<float> x, Vector<float> a) => SimdMath.Log(x);
}

internal struct TanhOp : IUnaryMap
{
    public static float Apply(float x, float a) => MathF.Tanh(x);
    public static Vector<float> Apply(Vector<float> x, Vector<float> a) => SimdMath.Tanh(x);
}

internal struct SigmoidOp : IUnaryMap
{
    public static float Apply(float x, float a) => SimdMath.Sigmoid(x);
    public static Vector<float> Apply(Vector<float> x, Vector<float> a) => SimdMath.Sigmoid(x);
}

/// <summary>Relu is LeakyRelu with slope 0.</summary>
internal struct LeakyReluOp : IUnaryMap
{
    public static float Apply(float x, float a) => x > 0f ? x : x * a;
    public static Vector<float> Apply(Vector<float> x, Vector<float> a) =>
        Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<float>.Zero), x, x * a);
}

internal struct AbsOp : IUnaryMap
{
    public static float Apply(float x, float a) => MathF.Abs(x);
    public static Vector<float> Apply(Vector<float> x, Vector<float> a) => Vector.Abs(x);
}

internal struct SquareOp : IUnaryMap
{
    public static float Apply(float x, float a) => x * x;
    public static Vector<float> Apply(Vector<float> x, Vector<float> a) => x * x;
}

internal struct SqrtOp : IUnaryMap
{
    public static float Apply(float x, float a) => MathF.Sqrt(x);
    public static Vector<float> Apply(Vector<float> x, Vector<float> a) => Vector.SquareRoot(x);
}

internal struct ReciprocalOp : IUnaryMap
{
    public static float Apply(float x, float a) => 1f / x;
    public static Vector<float> Apply(Vector<float> x, Vector<float> a) => Vector<float>.One / x;
}

internal struct ScaleOp : IUnaryMap
{
    public static float Apply(float x, float a) => x * a;
    public static Vector<float> Apply(Vector<float> x, Vector<float> a) => x * a;
}

internal struct AddScalarOp : IUnaryMap
{
    public static float Apply(float x, float a) => x + a;
    public static Vector<float> Apply(Vector<float> x, Vector<float> a) => x + a;
}

internal struct SoftplusOp : IUnaryMap
{
    public static float Apply(float x, float a) => SimdMath.Softplus(x);
    public static Vector<float> Apply(Vector<float> x, Vector<float> a) => SimdMath.Softplus(x);
}

/// <summary>dx = dy·f'(x) given x, y = f(x) and dy, in scalar and vector form.</summary>
internal interface IUnaryGradient
{
    static abstract float Apply(float x, float y, float g, float alpha);
    static abstract Vector<float> Apply(Vector<float> x, Vector<float> y, Vector<float> g, Vector<float> alpha);
}

/// <summary>(1−y)(1+y): 1 − y² cancels near |y| = 1.</summary>
internal struct TanhGrad : IUnaryGradient
{
    public static float Apply(float x, float y, float g, float a) => g * ((1f - y) * (1f + y));
    public static Vector<float> Apply(Vector<float> x, Vector<float> y, Vector<float> g, Vector<float> a) =>
        g * ((Vector<float>.One - y) * (Vector<float>.One + y));
}

internal struct SigmoidGrad : IUnaryGradient
{
    public static float Apply(float x, float y, float g, float a) => g * y * (1f - y);
    public static Vector<float> Apply(Vector<float> x, Vector<float> y, Vector<float> g, Vector<float> a) =>
        g * y * (Vector<float>.One - y);
}

/// <summary>Relu is LeakyRelu with slope 0.</summary>
internal struct LeakyReluGrad : IUnaryGradient
{
    public static float Apply(float x, float y, float g, float a) => x > 0f ? g : g * a;
    public static Vector<float> Apply(Vector<float> x, Vector<float> y, Vector<float> g, Vector<float> a) =>
        Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<float>.Zero), g, g * a);
}

internal struct AbsGrad : IUnaryGradient
{
    public static float Apply(float x, float y, float g, float a) => x > 0f ? g : x < 0f ? -g : 0f;
    public static Vector<float> Apply(Vector<float> x, Vector<float> y, Vector<float> g, Vector<float> a) =>
        Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<float>.Zero), g,
            Vector.ConditionalSelect(Vector.LessThan(x, Vector<float>.Zero), -g, Vector<float>.Zero));
}

internal struct SquareGrad : IUnaryGradient
{
    public static float Apply(float x, float y, float g, float a) => 2f * x * g;
    public static Vector<float> Apply(Vector<float> x, Vector<float> y, Vector<float> g, Vector<float> a) =>
        new Vector<float>(2f) * x * g;
}

internal struct SqrtGrad : IUnaryGradient
{
    public static float Apply(float x, float y, float g, float a) => 0.5f * g / y;
    public static Vector<float> Apply(Vector<float> x, Vector<float> y, Vector<float> g, Vector<float> a) =>
        new Vector<float>(0.5f) * g / y;
}

internal struct ReciprocalGrad : IUnaryGradient
{
    public static float Apply(float x, float y, float g, float a) => -g / (x * x);
    public static Vector<float> Apply(Vector<float> x, Vector<float> y, Vector<float> g, Vector<float> a) => -g / (x * x);
}

internal struct SoftplusGrad : IUnaryGradient
{
    public static float Apply(float x, float y, float g, float a) => g * SimdMath.Sigmoid(x);
    public static Vector<float> Apply(Vector<float> x, Vector<float> y, Vector<float> g, Vector<float> a) =>
        g * SimdMath.Sigmoid(x);
}
