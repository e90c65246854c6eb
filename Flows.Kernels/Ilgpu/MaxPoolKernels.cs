using ILGPU;
using ILGPU.Runtime;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// 2-D max-pool (see <see cref="PoolGeometry"/>):
///   Forward   one thread per output: the maximum over its window clipped to the image (padded cells are
///             never visited, so they never win); a NaN in the window gives NaN.
///   Backward  one thread per input element, a gather: it visits the outputs whose windows cover it
///             (oy ∈ [⌈(iy + P − K + 1) / S⌉, ⌊(iy + P) / S⌋]), finds each window's first element equal to y
///             in row-major order and adds dy where that is itself. Every dx element is written by exactly
///             one thread, so overlapping windows need no atomics and the sum order is fixed. It rescans a
///             window per covering output (K² · ⌈K/S⌉² loads per input: 36 for ResNet's 3×3/2), which
///             is cheap next to the convolutions around it.
/// </summary>
internal sealed class MaxPoolKernels
{
    private readonly Action<Index1D, PoolArgs> _forward;
    private readonly Action<Index1D, PoolArgs> _backward;

    public MaxPoolKernels(Accelerator accelerator)
    {
        _forward = LaunchCounter.For(accelerator).Counted(accelerator.LoadAutoGroupedKernel<Index1D, PoolArgs>(ForwardKernel));
        _backward = LaunchCounter.For(accelerator).Counted(accelerator.LoadAutoGroupedKernel<Index1D, PoolArgs>(BackwardKernel));
    }

    internal struct PoolArgs
    {
        public ArrayView<float> X, Y, Dy, Dx;
        public int Height, Width, OutHeight, OutWidth, Kernel, Stride, Padding;
    }

    public void Forward(ArrayView<float> x, ArrayView<float> y, PoolGeometry g) =>
        _forward(g.OutputLength, Args(x, y, default, default, g));

    public void Backward(ArrayView<float> x, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, PoolGeometry g) =>
        _backward(g.InputLength, Args(x, y, dy, dx, g));

    private static PoolArgs Args(ArrayView<float> x, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, PoolGeometry g) => new()
    {
        X = x, Y = y, Dy = dy, Dx = dx, Height = g.Height, Width = g.Width, OutHeight = g.OutHeight, OutWidth = g.OutWidth,
        Kernel = g.KernelSize, Stride = g.Stride, Padding = g.Padding,
    };

    private static void ForwardKernel(Index1D index, PoolArgs a)
    {
        int i = index;
        int ox = i % a.OutWidth, oy = i / a.OutWidth % a.OutHeight, plane = i / (a.OutWidth * a.OutHeight);
        int y0 = oy * a.Stride - a.Padding, x0 = ox * a.Stride - a.Padding;
        int y1 = Math.Min(a.Height, y0 + a.Kernel), x1 = Math.Min(a.Width, x0 + a.Kernel);
        y0 = Math.Max(0, y0);
        x0 = Math.Max(0, x0);
        long basis = (long)plane * a.Height * a.Width;
        float best = float.NegativeInfinity;
        for (int iy = y0; iy < y1; iy++)
            for (int ix = x0; ix < x1; ix++)
            {
                float v = a.X[basis + iy * a.Width + ix];
                if (!float.IsNaN(best) && (v > best || float.IsNaN(v))) best = v;
            }
        a.Y[i] = best;
    }

    private static void BackwardKernel(Index1D index, PoolArgs a)
    {
        int i = index;
        int ix = i % a.Width, iy = i / a.Width % a.Height, plane = i / (a.Width * a.Height);
        long inBase = (long)plane * a.Height * a.Width, outBase = (long)plane * a.OutHeight * a.OutWidth;
        int oy0 = FirstCovering(iy + a.Padding, a.Kernel, a.Stride), oy1 = Math.Min(a.OutHeight - 1, (iy + a.Padding) / a.Stride);
        int ox0 = FirstCovering(ix + a.Padding, a.Kernel, a.Stride), ox1 = Math.Min(a.OutWidth - 1, (ix + a.Padding) / a.Stride);
        float sum = 0f;
        for (int oy = oy0; oy <= oy1; oy++)
            for (int ox = ox0; ox <= ox1; ox++)
            {
                long o = outBase + oy * a.OutWidth + ox;
                if (FirstEqual(a, inBase, oy, ox, a.Y[o]) == iy * a.Width + ix) sum += a.Dy[o];
            }
        a.Dx[i] = sum;
    }

    /// <summary>The first output whose window [o·S, o·S + K) (in padded coordinates) contains padded position p.</summary>
    private static int FirstCovering(int p, int kernel, int stride)
    {
        int span = p - kernel + 1;
        return span <= 0 ? 0 : (span + stride - 1) / stride;
    }

    /// <summary>In-plane index of the window's first element equal to target (NaN equal to NaN, as on the CPU), or −1.</summary>
    private static int FirstEqual(PoolArgs a, long inBase, int oy, int ox, float target)
    {
        int y0 = oy * a.Stride - a.Padding, x0 = ox * a.Stride - a.Padding;
        int y1 = Math.Min(a.Height, y0 + a.Kernel), x1 = Math.Min(a.Width, x0 + a.Kernel);
        y0 = Math.Max(0, y0);
        x0 = Math.Max(0, x0);
        bool nan = float.IsNaN(target);
        for (int iy = y0; iy < y1; iy++)
            for (int ix = x0; ix < x1; ix++)
            {
                float v = a.X[inBase + iy * a.Width + ix];
                if (v == target || (nan && float.IsNaN(v))) return iy * a.Width + ix;
            }
        return -1;
    }
}
