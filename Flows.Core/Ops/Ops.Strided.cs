using Flows.Kernels;

namespace Flows.Core;

/// <summary>
/// Strided and transposed convolutions (valid padding, any kernel size) built from the stride-1 primitives,
/// for the convolutional autoencoder st-network of docs/MODELS.md §4.9. Correctness over speed:
/// - a stride-s convolution with an odd kernel is the backend's native strided convolution (padding 0);
///   with an even kernel it is a stride-1 'same' convolution followed by picking every s-th output;
/// - a stride-s transposed convolution is the backward-data pass of a stride-s convolution: native for odd
///   kernels; for even ones, zero insertion (s − 1 zeros between inputs) followed by a stride-1 transposed
///   convolution;
/// - the backend takes odd kernels only, so an even k×k kernel is embedded in the top-left of a (k+1)×(k+1)
///   kernel whose extra row and column are zero.
/// Picking, zero insertion and kernel embedding are linear maps of each H×W plane, done as a matrix product
/// with a 0/1 matrix, so their gradients come from MatMul (the matrices stay alive with the graph: the
/// enclosing TensorScope frees them).
/// </summary>
public static partial class Ops
{
    /// <summary>
    /// y[n, c] = x[n, c]·P for every plane: x (N, C, H, W), map (H·W × outH·outW), y (N, C, outH, outW).
    /// Also takes kernels (Cout, Cin, k, k).
    /// </summary>
    public static Tensor SpatialMap(Tensor x, Tensor map, int outHeight, int outWidth)
    {
        Shapes.RequireRank(x, 4, "SpatialMap");
        int n = x.Shape[0], c = x.Shape[1], plane = x.Shape[2] * x.Shape[3];
        if (map.Rank != 2 || map.Shape[0] != plane || map.Shape[1] != outHeight * outWidth)
            throw new ArgumentException($"SpatialMap: input {Shapes.Format(x.Shape)} to {outHeight}×{outWidth} needs a [{plane}, {outHeight * outWidth}] map, got {Shapes.Format(map.Shape)}");
        var y = MatMul(Reshape(x, n * c, plane), map);
        return Reshape(y, n, c, outHeight, outWidth);
    }

    /// <summary>
    /// The 0/1 matrix that sends input position (i, j) of an h×w plane to output position
    /// (offset + i·step, offset + j·step) of an outH×outW plane, dropping positions that fall outside.
    /// With step 1 it pads or crops; with a larger step it inserts zeros.
    /// </summary>
    public static Tensor PlacementMatrix(IComputeBackend backend, int h, int w, int outHeight, int outWidth, int step, int offset)
    {
        var m = new float[h * w * outHeight * outWidth];
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++)
            {
                int oi = offset + i * step, oj = offset + j * step;
                if (oi < 0 || oj < 0 || oi >= outHeight || oj >= outWidth) continue;
                m[(i * w + j) * (outHeight * outWidth) + oi * outWidth + oj] = 1f;
            }
        return Tensor.FromArray(backend, m, h * w, outHeight * outWidth);
    }

    /// <summary>
    /// The 0/1 matrix that picks output (i, j) = input (offset + i·step, offset + j·step) of an h×w plane.
    /// </summary>
    public static Tensor SelectionMatrix(IComputeBackend backend, int h, int w, int outHeight, int outWidth, int step, int offset)
    {
        var m = new float[h * w * outHeight * outWidth];
        for (int i = 0; i < outHeight; i++)
            for (int j = 0; j < outWidth; j++)
            {
                int si = offset + i * step, sj = offset + j * step;
                if (si < 0 || sj < 0 || si >= h || sj >= w)
                    throw new ArgumentException($"SelectionMatrix: output ({i}, {j}) reads outside the {h}×{w} input");
                m[(si * w + sj) * (outHeight * outWidth) + i * outWidth + j] = 1f;
            }
        return Tensor.FromArray(backend, m, h * w, outHeight * outWidth);
    }

    /// <summary>
    /// nn.Conv2d with stride s and no padding: x (N, Cin, H, W), weight (Cout, Cin, k, k), bias (Cout) or null;
    /// output (N, Cout, (H − k)/s + 1, (W − k)/s + 1) with floor division.
    /// </summary>
    public static Tensor Conv2dStrided(Tensor x, Tensor weight, Tensor? bias, int stride)
    {
        Shapes.RequireRank(x, 4, "Conv2dStrided input");
        Shapes.RequireRank(weight, 4, "Conv2dStrided weight");
        int k = weight.Shape[2], h = x.Shape[2], w = x.Shape[3];
        if (stride < 1) throw new ArgumentException($"Conv2dStrided: stride must be ≥ 1, got {stride}");
        if (h < k || w < k)
            throw new ArgumentException($"Conv2dStrided: input {Shapes.Format(x.Shape)} is smaller than the {k}×{k} kernel");
        // An odd kernel is exactly the backend's strided convolution with padding 0: no selection matrix, and
        // only the outputs that are kept get computed.
        if (k % 2 == 1 && weight.Shape[3] == k) return Conv2d(x, weight, bias, 0, stride);
        int outH = (h - k) / stride + 1, outW = (w - k) / stride + 1;
        var odd = OddKernel(weight);
        int pad = odd.Shape[2] / 2;
        // 'same' output at (y', x') sums x[y' − pad + a]·w[a]; the valid strided output (i, j) sits at (i·s + pad, j·s + pad).
        var same = Conv2d(x, odd, bias, pad);
        if (stride == 1 && outH == h && outW == w) return same;
        var pick = SelectionMatrix(x.Backend, h, w, outH, outW, stride, pad);
        return SpatialMap(same, pick, outH, outW);
    }

    /// <summary>
    /// nn.ConvTranspose2d with stride s, no padding and no output padding: x (N, Cin, H, W), weight
    /// (Cin, Cout, k, k) as PyTorch stores it, bias (Cout) or null; output (N, Cout, (H − 1)·s + k, (W − 1)·s + k).
    /// </summary>
    public static Tensor ConvTranspose2d(Tensor x, Tensor weight, Tensor? bias, int stride)
    {
        Shapes.RequireRank(x, 4, "ConvTranspose2d input");
        Shapes.RequireRank(weight, 4, "ConvTranspose2d weight");
        if (weight.Shape[0] != x.Shape[1])
            throw new ArgumentException($"ConvTranspose2d: input {Shapes.Format(x.Shape)} does not match weight {Shapes.Format(weight.Shape)}");
        if (stride < 1) throw new ArgumentException($"ConvTranspose2d: stride must be ≥ 1, got {stride}");
        int k = weight.Shape[2], h = x.Shape[2], w = x.Shape[3];
        if (k % 2 == 1 && weight.Shape[3] == k)
        {
            // Odd kernels: the adjoint of the backend's strided convolution, with no zero-insertion matrix.
            var y1 = ConvTransposeNative(x, weight, stride);
            return bias is null ? y1 : Channelwise(BinaryOp.Add, y1, bias);
        }
        int spreadH = (h - 1) * stride + 1, spreadW = (w - 1) * stride + 1;
        var spread = x;
        if (stride > 1)
        {
            var place = PlacementMatrix(x.Backend, h, w, spreadH, spreadW, stride, 0);
            spread = SpatialMap(x, place, spreadH, spreadW);
        }
        var odd = OddKernel(weight);
        var y = ConvTransposeStride1(spread, odd);
        int outH = spreadH + k - 1, outW = spreadW + k - 1;
        if (odd.Shape[2] != k)
        {
            // The embedded kernel's zero row and column add one trailing row and column of zeros: crop them.
            var crop = SelectionMatrix(x.Backend, y.Shape[2], y.Shape[3], outH, outW, 1, 0);
            y = SpatialMap(y, crop, outH, outW);
        }
        return bias is null ? y : Channelwise(BinaryOp.Add, y, bias);
    }

    /// <summary>
    /// The stride-1 transposed convolution y = conv2d-backward-data(x, weight): x (N, A, L, L'), weight
    /// (A, B, k, k) with k odd, y (N, B, L + k − 1, L' + k − 1). Its gradients are a forward convolution (for x)
    /// and a backward-weight pass with the roles of input and output swapped (for the weight).
    /// </summary>
    public static Tensor ConvTransposeStride1(Tensor x, Tensor weight) => ConvTransposeNative(x, weight, 1);

    /// <summary>
    /// The stride-s transposed convolution y = conv2d-backward-data(x, weight) of the convolution that maps
    /// (N, B, (L − 1)·s + k, …) to x (N, A, L, …) with padding 0: weight (A, B, k, k), k odd.
    /// </summary>
    private static Tensor ConvTransposeNative(Tensor x, Tensor weight, int stride)
    {
        Shapes.RequireSameBackend(x, weight, "ConvTranspose2d");
        int k = weight.Shape[2];
        var g = new ConvGeometry(x.Shape[0], weight.Shape[1], (x.Shape[2] - 1) * stride + k, (x.Shape[3] - 1) * stride + k,
                                 weight.Shape[0], k, 0, stride);
        g.Validate();
        var backend = x.Backend;
        var y = Tensor.Empty(backend, g.Batch, g.InChannels, g.Height, g.Width);
        backend.Conv2dBackwardData(x.Buffer, weight.Buffer, y.Buffer, g);
        if (Autograd.ShouldRecord(x, weight))
        {
            Autograd.Record(stride == 1 ? "ConvTransposeStride1" : "ConvTranspose2d", [x, weight], y, dy =>
            {
                if (x.TracksGrad)
                {
                    var dx = Tensor.Empty(backend, x.Shape);
                    backend.Conv2dForward(dy.Buffer, weight.Buffer, null, dx.Buffer, g);
                    Autograd.Accumulate(x, dx, transfer: true);
                }
                if (weight.TracksGrad)
                {
                    var dw = Autograd.GradientTarget(weight);
                    backend.Conv2dBackwardWeight(dy.Buffer, x.Buffer, dw.Buffer, g);
                    Autograd.Accumulate(weight, dw, transfer: true);
                }
            });
        }
        return y;
    }

    /// <summary>The kernel itself when k is odd; otherwise k×k embedded top-left in zeros of (k+1)×(k+1).</summary>
    private static Tensor OddKernel(Tensor weight)
    {
        int k = weight.Shape[2];
        if (weight.Shape[3] != k) throw new ArgumentException($"strided convolution: kernels must be square, got {Shapes.Format(weight.Shape)}");
        if (k % 2 == 1) return weight;
        var embed = PlacementMatrix(weight.Backend, k, k, k + 1, k + 1, 1, 0);
        return SpatialMap(weight, embed, k + 1, k + 1);
    }
}
