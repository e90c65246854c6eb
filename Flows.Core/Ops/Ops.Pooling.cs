using Flows.Kernels;

namespace Flows.Core;

/// <summary>Differentiable pooling: max-pool (ONNX MaxPool) and global average pooling (ONNX GlobalAveragePool).</summary>
public static partial class Ops
{
    /// <summary>
    /// nn.MaxPool2d(kernel, stride, padding): x (N, C, H, W) → (N, C, ⌊(H + 2P − K)/S⌋ + 1, ⌊(W + 2P − K)/S⌋ + 1),
    /// padded cells never win. The gradient goes to each window's first maximum.
    /// </summary>
    public static Tensor MaxPool2d(Tensor x, int kernel, int stride, int padding)
    {
        Shapes.RequireRank(x, 4, "MaxPool2d input");
        var g = new PoolGeometry(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], kernel, stride, padding);
        g.Validate();
        var backend = x.Backend;
        var y = Tensor.Empty(backend, g.Batch, g.Channels, g.OutHeight, g.OutWidth);
        backend.MaxPool2dForward(x.Buffer, y.Buffer, g);
        if (Autograd.ShouldRecord(x))
        {
            Autograd.Record("MaxPool2d", [x], y, dy =>
            {
                var dx = Tensor.Empty(backend, x.Shape);
                backend.MaxPool2dBackward(x.Buffer, y.Buffer, dy.Buffer, dx.Buffer, g);
                Autograd.Accumulate(x, dx, transfer: true);
            });
        }
        return y;
    }

    /// <summary>
    /// The mean over each sample's channel plane: x (N, C, H, W) → (N, C, 1, 1). A per-(n, c) SumTo scaled by
    /// 1/(H·W), so both backends already have its kernels and its gradient (dy/(H·W) spread over the plane).
    /// </summary>
    public static Tensor GlobalAveragePool(Tensor x)
    {
        Shapes.RequireRank(x, 4, "GlobalAveragePool input");
        int n = x.Shape[0], c = x.Shape[1], plane = x.Shape[2] * x.Shape[3];
        if (n <= 0 || c <= 0 || plane <= 0)
            throw new ArgumentException($"GlobalAveragePool: input {Shapes.Format(x.Shape)} must have positive sizes");
        var sums = SumTo(x, new Ncs(n, c, plane), new Ncs(n, c, 1), [n, c, 1, 1]);
        return Scale(sums, 1f / plane);
    }
}
