namespace Flows.Kernels;

/// <summary>
/// A dense tensor seen as (batch N, channels C, spatial S = H·W). Element (n, c, s) lives at
/// (n·C + c)·S + s. Broadcasting works per axis: an axis of size 1 repeats along the other operand's size.
/// Every tensor the engine uses fits this view: NCHW images, (N, F) matrices as (N, F, 1), per-channel
/// vectors as (1, C, 1), per-sample vectors as (N, 1, 1) and scalars as (1, 1, 1).
/// </summary>
public readonly record struct Ncs(int N, int C, int S)
{
    public int Length => N * C * S;

    public static Ncs Scalar => new(1, 1, 1);

    /// <summary>The shape that broadcasting a and b gives, or an exception naming both.</summary>
    public static Ncs Broadcast(Ncs a, Ncs b, string op)
    {
        return new Ncs(Axis(a.N, b.N), Axis(a.C, b.C), Axis(a.S, b.S));

        int Axis(int x, int y) =>
            x == y ? x : x == 1 ? y : y == 1 ? x
            : throw new ArgumentException($"{op}: shapes {a} and {b} cannot be broadcast together (expected every axis equal or 1, got {x} against {y})");
    }

    public override string ToString() => $"(N={N}, C={C}, S={S})";
}
