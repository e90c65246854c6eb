using Flows.Kernels;

namespace Flows.Core.Data;

/// <summary>
/// Training images under <see cref="PixelPerturbation"/> (flows train --perturb MU): every call to
/// <see cref="Batch"/> perturbs its images afresh, numbering them with a running <see cref="Offset"/> (images
/// drawn so far) that the trainer saves in its state, so a resumed run replaces exactly the same pixels.
/// </summary>
public sealed class PerturbedImageData : FlowData
{
    private readonly ImageDataset _images;

    /// <summary>Wraps an image set; vectors have no 8-bit values to replace and are refused.</summary>
    public PerturbedImageData(FlowData data, double mu, ulong seed)
    {
        _images = data.Images ?? throw new ArgumentException(
            $"--perturb replaces 8-bit pixel values and works on images only; {data.Name} holds {data.ShapeText}-wide vectors (drop --perturb)");
        if (!(mu >= 0 && mu <= 1)) throw new ArgumentException($"--perturb is a probability μ in [0, 1], got {mu}");
        Mu = mu;
        Seed = seed;
    }

    /// <summary>The replacement probability μ.</summary>
    public double Mu { get; }

    /// <summary>The seed of the pixel stream.</summary>
    public ulong Seed { get; }

    /// <summary>Images drawn so far: the next drawn image is perturbed with draw index Offset.</summary>
    public ulong Offset { get; set; }

    public override ImageDataset Images => _images;
    public override string Name => _images.Name;
    public override int Count => _images.Count;
    public override int[] SampleShape => [_images.Channels, _images.Height, _images.Width];
    public override int[] Labels => _images.Labels;
    public override bool IsImages => true;

    public override Tensor Batch(IComputeBackend backend, ReadOnlySpan<int> indices)
    {
        int size = _images.ImageSize;
        var host = new float[indices.Length * size];
        var perturbed = new byte[size];
        for (int k = 0; k < indices.Length; k++)
        {
            PixelPerturbation.Apply(_images.Image(indices[k]), perturbed, Mu, Seed, Offset + (ulong)k);
            var dst = host.AsSpan(k * size, size);
            for (int i = 0; i < size; i++) dst[i] = perturbed[i] * (1f / 255f);
        }
        Offset += (ulong)indices.Length;
        return Tensor.FromArray(backend, host, indices.Length, _images.Channels, _images.Height, _images.Width);
    }

    /// <summary>The first images, perturbed with the same μ and seed (a fresh stream from offset 0).</summary>
    public override FlowData Subset(int count) => new PerturbedImageData(_images.Subset(count), Mu, Seed);
}
