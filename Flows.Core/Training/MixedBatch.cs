using Flows.Kernels;

namespace Flows.Core.Training;

/// <summary>
/// The mixed batch of negative training (docs/MODELS.md §2 E3, `torch.cat((x, x_transposed), dim=0)`): the
/// in-distribution samples first, then the OOD ones, as one tensor, so a single forward pass (and its
/// BatchNorm statistics) covers both.
/// </summary>
public static class MixedBatch
{
    /// <summary>Concatenates two batches of the same per-sample shape along the batch axis.</summary>
    public static Tensor Concat(IComputeBackend backend, Tensor inDistribution, Tensor ood)
    {
        if (!inDistribution.Shape.AsSpan(1).SequenceEqual(ood.Shape.AsSpan(1)))
            throw new ArgumentException($"mixed batch: the in-distribution samples are {Shapes.Format(inDistribution.Shape)}, the OOD samples {Shapes.Format(ood.Shape)}; both sets need the same sample shape");
        var a = inDistribution.ToArray();
        var b = ood.ToArray();
        var all = new float[a.Length + b.Length];
        a.CopyTo(all, 0);
        b.CopyTo(all, a.Length);
        var shape = (int[])inDistribution.Shape.Clone();
        shape[0] += ood.Shape[0];
        return Tensor.FromArray(backend, all, shape);
    }
}
