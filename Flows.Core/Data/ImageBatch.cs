using Flows.Kernels;

namespace Flows.Core.Data;

/// <summary>Turns images of a data set into a float tensor in [0, 1] (ToTensor: pixel / 255), NCHW.</summary>
public static class ImageBatch
{
    public static Tensor Load(IComputeBackend backend, ImageDataset data, ReadOnlySpan<int> indices) =>
        new ImageFlowData(data).Batch(backend, indices);

    /// <summary>Images [start, start + count) in order.</summary>
    public static Tensor Range(IComputeBackend backend, ImageDataset data, int start, int count) =>
        new ImageFlowData(data).Range(backend, start, count);
}
