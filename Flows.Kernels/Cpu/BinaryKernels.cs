using System.Numerics;
using System.Runtime.InteropServices;

namespace Flows.Kernels.Cpu;

/// <summary>
/// c = a ∘ b with (N, C, S) broadcasting. The output is walked row by row (one (n, c) pair, S elements); each
/// operand contributes either a full row or one repeated scalar, so every pattern is a vector loop.
/// </summary>
internal static class BinaryKernels
{
    public static void Run(BinaryOp op, float[] a, Ncs aShape, float[] b, Ncs bShape, float[] c, Ncs cShape)
    {
        switch (op)
        {
            case BinaryOp.Add: Run<AddOp>(a, aShape, b, bShape, c, cShape); break;
            case BinaryOp.Sub: Run<SubOp>(a, aShape, b, bShape, c, cShape); break;
            case BinaryOp.Mul: Run<MulOp>(a, aShape, b, bShape, c, cShape); break;
            case BinaryOp.Div: Run<DivOp>(a, aShape, b, bShape, c, cShape); break;
            default: throw new ArgumentException($"Binary: unknown op {op}");
        }
    }

    private static void Run<TOp>(float[] a, Ncs aShape, float[] b, Ncs bShape, float[] c, Ncs cShape)
        where TOp : struct, IBinaryMap
    {
        // Same shapes: one flat pass.
        if (aShape == bShape)
        {
            CpuParallel.For(cShape.Length, 1, (a, b, c), static (in state, start, end) =>
                UnaryKernels.Zip<TOp>(state.a.AsSpan(start, end - start), state.b.AsSpan(start, end - start), state.c.AsSpan(start, end - start)));
            return;
        }
        int rows = cShape.N * cShape.C, s = cShape.S;
        CpuParallel.For(rows, s, (a, aShape, b, bShape, c, cShape, s), static (in state, start, end) =>
        {
            var (a, aShape, b, bShape, c, cShape, s) = state;
            for (int row = start; row < end; row++)
            {
                int n = row / cShape.C, ch = row - n * cShape.C;
                int aRow = (aShape.N == 1 ? 0 : n) * aShape.C + (aShape.C == 1 ? 0 : ch);
                int bRow = (bShape.N == 1 ? 0 : n) * bShape.C + (bShape.C == 1 ? 0 : ch);
                var dst = c.AsSpan(row * s, s);
                if (aShape.S == s && bShape.S == s)
                    UnaryKernels.Zip<TOp>(a.AsSpan(aRow * s, s), b.AsSpan(bRow * s, s), dst);
                else if (aShape.S == s)
                    RowScalar<TOp>(a.AsSpan(aRow * s, s), b[bRow * bShape.S], dst);
                else if (bShape.S == s)
                    ScalarRow<TOp>(a[aRow * aShape.S], b.AsSpan(bRow * s, s), dst);
                else
                    dst.Fill(TOp.Apply(a[aRow * aShape.S], b[bRow * bShape.S]));
            }
        });
    }

    private static void RowScalar<TOp>(ReadOnlySpan<float> a, float b, Span<float> c) where TOp : struct, IBinaryMap
    {
        var va = MemoryMarshal.Cast<float, Vector<float>>(a);
        var vc = MemoryMarshal.Cast<float, Vector<float>>(c);
        var vb = new Vector<float>(b);
        for (int v = 0; v < vc.Length; v++) vc[v] = TOp.Apply(va[v], vb);
        for (int i = vc.Length * Vector<float>.Count; i < c.Length; i++) c[i] = TOp.Apply(a[i], b);
    }

    private static void ScalarRow<TOp>(float a, ReadOnlySpan<float> b, Span<float> c) where TOp : struct, IBinaryMap
    {
        var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
        var vc = MemoryMarshal.Cast<float, Vector<float>>(c);
        var va = new Vector<float>(a);
        for (int v = 0; v < vc.Length; v++) vc[v] = TOp.Apply(va, vb[v]);
        for (int i = vc.Length * Vector<float>.Count; i < c.Length; i++) c[i] = TOp.Apply(a, b[i]);
    }
}

internal interface IBinaryMap
{
    static abstract float Apply(float a, float b);
    static abstract Vector<float> Apply(Vector<float> a, Vector<float> b);
}

internal struct AddOp : IBinaryMap
{
    public static float Apply(float a, float b) => a + b;
    public static Vector<float> Apply(Vector<float> a, Vector<float> b) => a + b;
}

internal struct SubOp : IBinaryMap
{
    public static float Apply(float a, float b) => a - b;
    public static Vector<float> Apply(Vector<float> a, Vector<float> b) => a - b;
}

internal struct MulOp : IBinaryMap
{
    public static float Apply(float a, float b) => a * b;
    public static Vector<float> Apply(Vector<float> a, Vector<float> b) => a * b;
}

internal struct DivOp : IBinaryMap
{
    public static float Apply(float a, float b) => a / b;
    public static Vector<float> Apply(Vector<float> a, Vector<float> b) => a / b;
}
