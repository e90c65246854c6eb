using Flows.Kernels;

namespace Flows.Core;

/// <summary>Shape arithmetic and the checks that give every op a message with both shapes.</summary>
public static class Shapes
{
    public static int Count(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentException($"negative dimension in shape {Format(shape)}");
            n *= d;
        }
        if (n > int.MaxValue) throw new ArgumentException($"shape {Format(shape)} has more than 2^31 elements");
        return (int)n;
    }

    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    public static bool Equal(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);

    public static void RequireSame(Tensor a, Tensor b, string op)
    {
        if (!Equal(a.Shape, b.Shape))
            throw new ArgumentException($"{op}: shapes {Format(a.Shape)} and {Format(b.Shape)} differ");
        RequireSameBackend(a, b, op);
    }

    public static void RequireSameBackend(Tensor a, Tensor b, string op)
    {
        if (!ReferenceEquals(a.Backend, b.Backend))
            throw new ArgumentException($"{op}: tensors live on different backends ({a.Backend.Name}, {b.Backend.Name})");
    }

    public static void RequireRank(Tensor x, int rank, string op)
    {
        if (x.Rank != rank)
            throw new ArgumentException($"{op}: expected a rank-{rank} tensor, got shape {Format(x.Shape)}");
    }

    /// <summary>The (N, C, S) view of a tensor: rank 4 → (N, C, H·W); rank 2 → (N, F, 1); rank 1 → (1, C, 1); rank 0 → scalar.</summary>
    public static Ncs Ncs(Tensor x) => x.Rank switch
    {
        0 => Kernels.Ncs.Scalar,
        1 => new Ncs(1, x.Shape[0], 1),
        2 => new Ncs(x.Shape[0], x.Shape[1], 1),
        3 => new Ncs(x.Shape[0], x.Shape[1], x.Shape[2]),
        4 => new Ncs(x.Shape[0], x.Shape[1], x.Shape[2] * x.Shape[3]),
        _ => throw new ArgumentException($"no (N, C, S) view for shape {Format(x.Shape)}"),
    };
}
