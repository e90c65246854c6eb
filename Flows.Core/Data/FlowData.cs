using Flows.Kernels;

namespace Flows.Core.Data;

/// <summary>
/// What a flow trains on and scores: images (bytes, fed as ToTensor's [0, 1] floats in NCHW) or real-valued
/// vectors (fed as they are, [N, D]). The trainer, the likelihood scorer and the OOD evaluation see only
/// this, so image and vector models share one loop. Both data set types convert to it implicitly.
/// </summary>
public abstract class FlowData
{
    public abstract string Name { get; }

    public abstract int Count { get; }

    /// <summary>The per-sample shape a model takes: [C, H, W] for images, [D] for vectors.</summary>
    public abstract int[] SampleShape { get; }

    /// <summary>One label per sample (-1 where the source has none).</summary>
    public abstract int[] Labels { get; }

    /// <summary>True for images (discrete 8-bit data: dequantized, likelihoods in bits/dim); false for vectors.</summary>
    public abstract bool IsImages { get; }

    /// <summary>The samples at <paramref name="indices"/> as one tensor [n, ..SampleShape] on the backend.</summary>
    public abstract Tensor Batch(IComputeBackend backend, ReadOnlySpan<int> indices);

    /// <summary>The first <paramref name="count"/> samples (all when count ≥ Count).</summary>
    public abstract FlowData Subset(int count);

    /// <summary>Samples [start, start + count) in order.</summary>
    public Tensor Range(IComputeBackend backend, int start, int count)
    {
        var indices = new int[count];
        for (int i = 0; i < count; i++) indices[i] = start + i;
        return Batch(backend, indices);
    }

    /// <summary>"1x28x28" or "512": the sample shape as the messages and reports write it.</summary>
    public string ShapeText => string.Join("x", SampleShape);

    public override string ToString() => $"{Name}: {Count} {(IsImages ? "images" : "vectors")} of {ShapeText}";

    public static implicit operator FlowData(ImageDataset images) => new ImageFlowData(images);

    public static implicit operator FlowData(VectorDataset vectors) => new VectorFlowData(vectors);

    /// <summary>The underlying image set, or null for vectors.</summary>
    public virtual ImageDataset? Images => null;

    /// <summary>The underlying vector set, or null for images.</summary>
    public virtual VectorDataset? Vectors => null;
}

/// <summary>Images as flow input: pixel / 255 (docs/MODELS.md §3.1, ToTensor), NCHW.</summary>
public sealed class ImageFlowData(ImageDataset images) : FlowData
{
    public override ImageDataset Images { get; } = images;
    public override string Name => Images.Name;
    public override int Count => Images.Count;
    public override int[] SampleShape => [Images.Channels, Images.Height, Images.Width];
    public override int[] Labels => Images.Labels;
    public override bool IsImages => true;

    public override Tensor Batch(IComputeBackend backend, ReadOnlySpan<int> indices)
    {
        int size = Images.ImageSize;
        var host = new float[indices.Length * size];
        for (int k = 0; k < indices.Length; k++)
        {
            var image = Images.Image(indices[k]);
            var dst = host.AsSpan(k * size, size);
            for (int i = 0; i < size; i++) dst[i] = image[i] * (1f / 255f);
        }
        return Tensor.FromArray(backend, host, indices.Length, Images.Channels, Images.Height, Images.Width);
    }

    public override FlowData Subset(int count) => new ImageFlowData(Images.Subset(count));
}

/// <summary>Vectors as flow input, unchanged (no dequantization: docs/MODELS.md §4.10), [N, D].</summary>
public sealed class VectorFlowData(VectorDataset vectors) : FlowData
{
    public override VectorDataset Vectors { get; } = vectors;
    public override string Name => Vectors.Name;
    public override int Count => Vectors.Count;
    public override int[] SampleShape => [Vectors.Dim];
    public override int[] Labels => Vectors.Labels;
    public override bool IsImages => false;

    public override Tensor Batch(IComputeBackend backend, ReadOnlySpan<int> indices)
    {
        int dim = Vectors.Dim;
        var host = new float[indices.Length * dim];
        for (int k = 0; k < indices.Length; k++) Vectors.Row(indices[k]).CopyTo(host.AsSpan(k * dim, dim));
        return Tensor.FromArray(backend, host, indices.Length, dim);
    }

    public override FlowData Subset(int count) => new VectorFlowData(Vectors.Subset(count));
}
