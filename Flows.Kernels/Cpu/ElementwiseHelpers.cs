using System.Numerics;
using System.Runtime.InteropServices;

namespace Flows.Kernels.Cpu;

/// <summary>Small vector loops shared by several ops (y += αx).</summary>
internal static class ElementwiseHelpers
{
    public static void Axpy(float alpha, ReadOnlySpan<float> x, Span<float> y)
    {
        var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
        var vy = MemoryMarshal.Cast<float, Vector<float>>(y);
        var va = new Vector<float>(alpha);
        for (int v = 0; v < vy.Length; v++) vy[v] = Vector.FusedMultiplyAdd(va, vx[v], vy[v]);
        for (int i = vy.Length * Vector<float>.Count; i < y.Length; i++) y[i] += alpha * x[i];
    }
}
