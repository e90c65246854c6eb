using ILGPU;
using ILGPU.Runtime;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// Layout kernels, one thread per element written:
///   CopyChannels  dst[n, dOff + k, :] = src[n, sOff + k, :] for k &lt; count (concat and split)
///   Squeeze2x2    y[n, 4c + 2dy + dx, i, j] = x[n, c, 2i + dy, 2j + dx]
///   Unsqueeze2x2  its exact inverse (one thread per x element, so every x element is written)
/// </summary>
internal sealed class LayoutKernels
{
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int> _copyChannels;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int, int> _squeeze;

    public LayoutKernels(Accelerator accelerator)
    {
        _copyChannels = LaunchCounter.For(accelerator).Counted(accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int>(CopyChannelsKernel));
        _squeeze = LaunchCounter.For(accelerator).Counted(accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int, int>(SqueezeKernel));
    }

    public void CopyChannels(ArrayView<float> source, int sourceChannels, int sourceOffset,
                             ArrayView<float> destination, int destinationChannels, int destinationOffset,
                             int count, int batch, int spatial)
    {
        int total = batch * count * spatial;
        if (total > 0)
            _copyChannels(total, source, destination, sourceChannels, sourceOffset, destinationChannels, destinationOffset, count, spatial);
    }

    /// <summary>inverse = false maps x → y; inverse = true maps y → x. Either way the thread index walks x.</summary>
    public void Squeeze(ArrayView<float> x, ArrayView<float> y, int batch, int channels, int height, int width, bool inverse)
    {
        int total = batch * channels * height * width;
        if (total > 0) _squeeze(total, x, y, channels, height, width, inverse ? 1 : 0);
    }

    private static void CopyChannelsKernel(Index1D index, ArrayView<float> source, ArrayView<float> destination,
                                           int sourceChannels, int sourceOffset, int destinationChannels, int destinationOffset,
                                           int count, int spatial)
    {
        int i = index;
        int s = i % spatial;
        int k = i / spatial % count;
        int n = i / (spatial * count);
        destination[((long)n * destinationChannels + destinationOffset + k) * spatial + s] =
            source[((long)n * sourceChannels + sourceOffset + k) * spatial + s];
    }

    private static void SqueezeKernel(Index1D index, ArrayView<float> x, ArrayView<float> y, int channels, int height, int width, int inverse)
    {
        int i = index;
        int w = i % width;
        int h = i / width % height;
        int c = i / (width * height) % channels;
        int n = i / (width * height * channels);
        int halfH = height / 2, halfW = width / 2;
        int outChannel = 4 * c + 2 * (h % 2) + w % 2;
        int j = ((n * 4 * channels + outChannel) * halfH + h / 2) * halfW + w / 2;
        if (inverse == 0) y[j] = x[i];
        else x[i] = y[j];
    }
}
