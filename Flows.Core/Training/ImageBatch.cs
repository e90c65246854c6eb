using Flows.Core.Data;
using Flows.Kernels;

namespace Flows.Core.Training;

/// <summary>Turns images of a data set into a float tensor in [0, 1] (ToTensor: pixel / 255), NCHW.</summary>
public static class ImageBatch
{
    public static Tensor Load(IComputeBackend backend, ImageDataset data, ReadOnlySpan<int> indices)
    {
        int size = data.ImageSize;
        var host = new float[indices.Length * size];
        for (int k = 0; k < indices.Length; k++)
        {
            var image = data.Image(indices[k]);
            var dst = host.AsSpan(k * size, size);
            for (int i = 0; i < size; i++) dst[i] = image[i] * (1f / 255f);
        }
        return Tensor.FromArray(backend, host, indices.Length, data.Channels, data.Height, data.Width);
    }

    /// <summary>Images [start, start + count) in order.</summary>
    public static Tensor Range(IComputeBackend backend, ImageDataset data, int start, int count)
    {
        var indices = new int[count];
        for (int i = 0; i < count; i++) indices[i] = start + i;
        return Load(backend, data, indices);
    }
}
