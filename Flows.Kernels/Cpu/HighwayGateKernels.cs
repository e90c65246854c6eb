using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Flows.Kernels.Cpu;

/// <summary>
/// Glow's highway gate in one pass each way: y = a·g + h·(1 − g) with g = sigmoid(t); backward da = dy·g,
/// dh = dy·(1 − g), dt = dy·(a − h)·g·(1 − g), recomputing g rather than storing it. 1 − g is computed as
/// sigmoid(−t), not by subtraction, which would lose its relative accuracy where g is near 1.
/// </summary>
internal static class HighwayGateKernels
{
    public static void Forward(float[] a, float[] t, float[] h, float[] y, int count)
    {
        CpuParallel.For(count, 24, (a, t, h, y), static (in state, start, end) =>
        {
            var (a, t, h, y) = state;
            int n = end - start;
            var va = Vectors(a, start, n);
            var vt = Vectors(t, start, n);
            var vh = Vectors(h, start, n);
            var vy = MemoryMarshal.Cast<float, Vector<float>>(y.AsSpan(start, n));
            for (int v = 0; v < vy.Length; v++)
            {
                var (g, rest) = Gate(vt[v]);
                vy[v] = va[v] * g + vh[v] * rest;
            }
            for (int i = start + vy.Length * Vector<float>.Count; i < end; i++)
            {
                var (g, rest) = Gate(t[i]);
                y[i] = a[i] * g + h[i] * rest;
            }
        });
    }

    public static void Backward(float[] a, float[] t, float[] h, float[] dy, float[] da, float[] dt, float[] dh, int count)
    {
        CpuParallel.For(count, 32, (a, t, h, dy, da, dt, dh), static (in state, start, end) =>
        {
            var (a, t, h, dy, da, dt, dh) = state;
            int n = end - start;
            var va = Vectors(a, start, n);
            var vt = Vectors(t, start, n);
            var vh = Vectors(h, start, n);
            var vdy = Vectors(dy, start, n);
            var vda = MemoryMarshal.Cast<float, Vector<float>>(da.AsSpan(start, n));
            var vdt = MemoryMarshal.Cast<float, Vector<float>>(dt.AsSpan(start, n));
            var vdh = MemoryMarshal.Cast<float, Vector<float>>(dh.AsSpan(start, n));
            for (int v = 0; v < vda.Length; v++)
            {
                var (g, rest) = Gate(vt[v]);
                var d = vdy[v];
                vda[v] = d * g;
                vdh[v] = d * rest;
                vdt[v] = d * (va[v] - vh[v]) * g * rest;
            }
            for (int i = start + vda.Length * Vector<float>.Count; i < end; i++)
            {
                var (g, rest) = Gate(t[i]);
                float d = dy[i];
                da[i] = d * g;
                dh[i] = d * rest;
                dt[i] = d * (a[i] - h[i]) * g * rest;
            }
        });
    }

    /// <summary>(sigmoid(t), sigmoid(−t)) from one exponential of −|t| (never overflows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector<float> Gate, Vector<float> Complement) Gate(Vector<float> t)
    {
        var e = SimdMath.Exp(-Vector.Abs(t));
        var near = Vector<float>.One / (Vector<float>.One + e); // sigmoid(|t|)
        var far = e * near;                                      // sigmoid(−|t|)
        var positive = Vector.GreaterThanOrEqual(t, Vector<float>.Zero);
        return (Vector.ConditionalSelect(positive, near, far), Vector.ConditionalSelect(positive, far, near));
    }

    private static (float Gate, float Complement) Gate(float t)
    {
        float e = MathF.Exp(-MathF.Abs(t)), near = 1f / (1f + e), far = e * near;
        return t >= 0 ? (near, far) : (far, near);
    }

    private static ReadOnlySpan<Vector<float>> Vectors(float[] x, int start, int n) =>
        MemoryMarshal.Cast<float, Vector<float>>(new ReadOnlySpan<float>(x, start, n));
}
