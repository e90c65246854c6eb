using ILGPU;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// Eight floats that live in registers: one row of a thread's 8×8 accumulator block, or the eight A (or B)
/// values one k step reads from shared memory. ILGPU inlines every call and turns struct values into plain
/// registers (the PTX check in docs/PERFORMANCE.md "GPU convolution kernels v3" shows no local memory), so
/// these helpers are the hand-unrolled loops that ILGPU 1.5.3 would not unroll itself.
/// </summary>
internal struct Vec8
{
    public float X0, X1, X2, X3, X4, X5, X6, X7;

    /// <summary>view[at], view[at + 16], …, view[at + 112]: a thread's eight rows (or columns) at stride 16.</summary>
    public static Vec8 Read(ArrayView<float> view, int at)
    {
        Vec8 v;
        v.X0 = view[at];
        v.X1 = view[at + 16];
        v.X2 = view[at + 32];
        v.X3 = view[at + 48];
        v.X4 = view[at + 64];
        v.X5 = view[at + 80];
        v.X6 = view[at + 96];
        v.X7 = view[at + 112];
        return v;
    }

    /// <summary>c + a·b, element by element (ptxas fuses each into one FMA).</summary>
    public static Vec8 MultiplyAdd(Vec8 c, float a, Vec8 b)
    {
        c.X0 += a * b.X0;
        c.X1 += a * b.X1;
        c.X2 += a * b.X2;
        c.X3 += a * b.X3;
        c.X4 += a * b.X4;
        c.X5 += a * b.X5;
        c.X6 += a * b.X6;
        c.X7 += a * b.X7;
        return c;
    }
}

/// <summary>A thread's 8×8 accumulator block: rows R0…R7 (rows ty + 16i of the tile), columns at stride 16.</summary>
internal struct Block8x8
{
    public Vec8 R0, R1, R2, R3, R4, R5, R6, R7;

    /// <summary>One k step: the outer product of the thread's eight A values and eight B values, added in.</summary>
    public static Block8x8 Step(Block8x8 c, Vec8 a, Vec8 b)
    {
        c.R0 = Vec8.MultiplyAdd(c.R0, a.X0, b);
        c.R1 = Vec8.MultiplyAdd(c.R1, a.X1, b);
        c.R2 = Vec8.MultiplyAdd(c.R2, a.X2, b);
        c.R3 = Vec8.MultiplyAdd(c.R3, a.X3, b);
        c.R4 = Vec8.MultiplyAdd(c.R4, a.X4, b);
        c.R5 = Vec8.MultiplyAdd(c.R5, a.X5, b);
        c.R6 = Vec8.MultiplyAdd(c.R6, a.X6, b);
        c.R7 = Vec8.MultiplyAdd(c.R7, a.X7, b);
        return c;
    }
}

/// <summary>Four staged values: what one thread carries from global memory to shared memory per operand and k step.</summary>
internal struct Vec4
{
    public float X0, X1, X2, X3;
}

/// <summary>Eight output column offsets of one thread (−1 past the last column), computed once before the stores.</summary>
internal struct Int8
{
    public int X0, X1, X2, X3, X4, X5, X6, X7;
}
