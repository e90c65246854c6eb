using System.Buffers;
using Flows.Kernels;

namespace Flows.Core.Onnx;

/// <summary>
/// TEMPORARY stand-ins for engine ops being added on another branch, with exactly their signatures and
/// semantics, so that the merge is a one-line swap per call site (PendingOps.X → Ops.X) plus deleting this
/// file. Inference only (no autodiff), host-side: download, plain loops, upload. The one concession to speed
/// is the strided convolution, whose columns are built on the host but multiplied with the backend's MatMul.
/// </summary>
internal static class PendingOps
{
    /// <summary>
    /// Ops.Conv2d(x, weight, bias, padding, stride): x (N, Cin, H, W), weight (Cout, Cin, k, k) with k odd, bias
    /// (Cout) or null, zero padding on all four sides, output (N, Cout, (H + 2p − k)/s + 1, (W + 2p − k)/s + 1).
    /// Stride 1 is the engine's op today.
    /// </summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, int padding, int stride = 1)
    {
        if (stride == 1) return Ops.Conv2d(x, weight, bias, padding);
        if (stride < 1) throw new ArgumentException($"Conv2d: stride must be ≥ 1, got {stride}");
        Shapes.RequireRank(x, 4, "Conv2d input");
        Shapes.RequireRank(weight, 4, "Conv2d weight");
        int n = x.Shape[0], cin = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        int cout = weight.Shape[0], k = weight.Shape[2];
        if (weight.Shape[1] != cin || weight.Shape[3] != k)
            throw new ArgumentException($"Conv2d: input {Shapes.Format(x.Shape)} does not match weight {Shapes.Format(weight.Shape)}");
        int oh = (h + 2 * padding - k) / stride + 1, ow = (w + 2 * padding - k) / stride + 1;
        if (oh <= 0 || ow <= 0) throw new ArgumentException($"Conv2d: input {Shapes.Format(x.Shape)} with kernel {k}, padding {padding} gives no output");
        int kk = cin * k * k, plane = oh * ow;
        // Several images share one MatMul (fewer, wider products), with the column matrix held to about 16 MB.
        int chunk = Math.Clamp((1 << 22) / (kk * plane), 1, n);
        var backend = x.Backend;
        var pool = ArrayPool<float>.Shared;
        float[] hostX = pool.Rent(x.Length), cols = pool.Rent(kk * chunk * plane), product = pool.Rent(cout * chunk * plane);
        float[] hostY = pool.Rent(n * cout * plane), hostBias = pool.Rent(cout);
        try
        {
            backend.Download(x.Buffer, hostX.AsSpan(0, x.Length));
            if (bias is not null) backend.Download(bias.Buffer, hostBias.AsSpan(0, cout));
            else Array.Clear(hostBias, 0, cout);
            using var colTensor = Tensor.Empty(backend, kk, chunk * plane);
            using var productTensor = Tensor.Empty(backend, cout, chunk * plane);
            for (int first = 0; first < n; first += chunk)
            {
                int m = Math.Min(chunk, n - first), width = m * plane;
                // im2col: row (c, a, b) holds input (c, oy·s − p + a, ox·s − p + b) of image j at column j·plane + oy·ow + ox.
                for (int c = 0; c < cin; c++)
                    for (int a = 0; a < k; a++)
                        for (int b = 0; b < k; b++)
                            for (int j = 0; j < m; j++)
                            {
                                var row = cols.AsSpan(((c * k + a) * k + b) * width + j * plane, plane);
                                int src = ((first + j) * cin + c) * h * w;
                                for (int oy = 0; oy < oh; oy++)
                                {
                                    int iy = oy * stride - padding + a;
                                    for (int ox = 0; ox < ow; ox++)
                                    {
                                        int ix = ox * stride - padding + b;
                                        row[oy * ow + ox] = (uint)iy < (uint)h && (uint)ix < (uint)w ? hostX[src + iy * w + ix] : 0f;
                                    }
                                }
                            }
                backend.Upload(cols.AsSpan(0, kk * width), colTensor.Buffer);
                backend.MatMul(weight.Buffer, colTensor.Buffer, productTensor.Buffer, cout, kk, width);
                backend.Download(productTensor.Buffer, product.AsSpan(0, cout * width));
                // (Cout, m·plane) → (m, Cout, plane), adding the bias.
                for (int j = 0; j < m; j++)
                    for (int o = 0; o < cout; o++)
                    {
                        var from = product.AsSpan(o * width + j * plane, plane);
                        var to = hostY.AsSpan(((first + j) * cout + o) * plane, plane);
                        float bo = hostBias[o];
                        for (int i = 0; i < plane; i++) to[i] = from[i] + bo;
                    }
            }
            var result = Tensor.Empty(backend, n, cout, oh, ow);
            backend.Upload(hostY.AsSpan(0, result.Length), result.Buffer);
            return result;
        }
        finally
        {
            pool.Return(hostX);
            pool.Return(cols);
            pool.Return(product);
            pool.Return(hostY);
            pool.Return(hostBias);
        }
    }

    /// <summary>
    /// Ops.MaxPool2d(x, kernel, stride, padding) with ONNX semantics: square window, padded cells never win
    /// (they are skipped, not zeros), output (H + 2p − k)/s + 1 with floor division.
    /// </summary>
    public static Tensor MaxPool2d(Tensor x, int kernel, int stride, int padding)
    {
        Shapes.RequireRank(x, 4, "MaxPool2d input");
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        int oh = (h + 2 * padding - kernel) / stride + 1, ow = (w + 2 * padding - kernel) / stride + 1;
        if (kernel < 1 || stride < 1 || padding < 0 || padding >= kernel || oh <= 0 || ow <= 0)
            throw new ArgumentException($"MaxPool2d: kernel {kernel}, stride {stride}, padding {padding} do not fit input {Shapes.Format(x.Shape)}");
        var pool = ArrayPool<float>.Shared;
        float[] hostX = pool.Rent(x.Length), hostY = pool.Rent(n * c * oh * ow);
        try
        {
            x.Backend.Download(x.Buffer, hostX.AsSpan(0, x.Length));
            for (int p = 0; p < n * c; p++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                    {
                        float best = float.NegativeInfinity;
                        for (int a = 0; a < kernel; a++)
                        {
                            int iy = oy * stride - padding + a;
                            if ((uint)iy >= (uint)h) continue;
                            for (int b = 0; b < kernel; b++)
                            {
                                int ix = ox * stride - padding + b;
                                if ((uint)ix < (uint)w) best = Math.Max(best, hostX[(p * h + iy) * w + ix]);
                            }
                        }
                        hostY[(p * oh + oy) * ow + ox] = best;
                    }
            var y = Tensor.Empty(x.Backend, n, c, oh, ow);
            x.Backend.Upload(hostY.AsSpan(0, y.Length), y.Buffer);
            return y;
        }
        finally
        {
            pool.Return(hostX);
            pool.Return(hostY);
        }
    }

    /// <summary>Ops.GlobalAveragePool(x): the mean of each (n, c) plane, shape (N, C, 1, 1).</summary>
    public static Tensor GlobalAveragePool(Tensor x)
    {
        Shapes.RequireRank(x, 4, "GlobalAveragePool input");
        int planes = x.Shape[0] * x.Shape[1], size = x.Shape[2] * x.Shape[3];
        var pool = ArrayPool<float>.Shared;
        float[] hostX = pool.Rent(x.Length), hostY = pool.Rent(planes);
        try
        {
            x.Backend.Download(x.Buffer, hostX.AsSpan(0, x.Length));
            for (int p = 0; p < planes; p++)
            {
                double sum = 0;
                for (int i = 0; i < size; i++) sum += hostX[p * size + i];
                hostY[p] = (float)(sum / size);
            }
            var y = Tensor.Empty(x.Backend, x.Shape[0], x.Shape[1], 1, 1);
            x.Backend.Upload(hostY.AsSpan(0, planes), y.Buffer);
            return y;
        }
        finally
        {
            pool.Return(hostX);
            pool.Return(hostY);
        }
    }
}
