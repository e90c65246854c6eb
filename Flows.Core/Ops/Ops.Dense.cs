using Flows.Kernels;

namespace Flows.Core;

/// <summary>Differentiable convolution, matrix multiply and linear maps.</summary>
public static partial class Ops
{
    /// <summary>
    /// 2-D convolution with zero padding and a stride (nn.Conv2d / ONNX Conv): x (N, Cin, H, W), weight
    /// (Cout, Cin, K, K) with K odd, bias (Cout) or null; output (N, Cout, ⌊(H + 2P − K)/S⌋ + 1, ⌊(W + 2P − K)/S⌋ + 1).
    /// </summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, int padding, int stride = 1)
    {
        Shapes.RequireRank(x, 4, "Conv2d input");
        Shapes.RequireRank(weight, 4, "Conv2d weight");
        Shapes.RequireSameBackend(x, weight, "Conv2d");
        int k = weight.Shape[2];
        if (weight.Shape[1] != x.Shape[1] || weight.Shape[3] != k)
            throw new ArgumentException($"Conv2d: input {Shapes.Format(x.Shape)} does not match weight {Shapes.Format(weight.Shape)}");
        if (bias is not null && bias.Length != weight.Shape[0])
            throw new ArgumentException($"Conv2d: bias {Shapes.Format(bias.Shape)} does not match weight {Shapes.Format(weight.Shape)}");
        var g = new ConvGeometry(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], weight.Shape[0], k, padding, stride);
        g.Validate();
        var backend = x.Backend;
        var y = Tensor.Empty(backend, g.Batch, g.OutChannels, g.OutHeight, g.OutWidth);
        backend.Conv2dForward(x.Buffer, weight.Buffer, bias?.Buffer, y.Buffer, g);
        if (Autograd.ShouldRecord(x, weight, bias))
        {
            Autograd.Record("Conv2d", bias is null ? [x, weight] : [x, weight, bias], y, dy =>
            {
                if (x.TracksGrad)
                {
                    var dx = Tensor.Empty(backend, x.Shape);
                    backend.Conv2dBackwardData(dy.Buffer, weight.Buffer, dx.Buffer, g);
                    Autograd.Accumulate(x, dx, transfer: true);
                }
                if (weight.TracksGrad && bias is not null && bias.TracksGrad)
                {
                    // Both gradients from one pass (docs/PERFORMANCE.md, "Launches and host synchronisations per step").
                    var dw = Autograd.GradientTarget(weight);
                    var db = Autograd.GradientTarget(bias);
                    backend.Conv2dBackwardWeightAndBias(x.Buffer, dy.Buffer, dw.Buffer, db.Buffer, g);
                    Autograd.Accumulate(weight, dw, transfer: true);
                    Autograd.Accumulate(bias, db, transfer: true);
                    return;
                }
                if (weight.TracksGrad)
                {
                    var dw = Autograd.GradientTarget(weight);
                    backend.Conv2dBackwardWeight(x.Buffer, dy.Buffer, dw.Buffer, g);
                    Autograd.Accumulate(weight, dw, transfer: true);
                }
                if (bias is not null && bias.TracksGrad)
                {
                    var db = Autograd.GradientTarget(bias);
                    backend.SumTo(dy.Buffer, Shapes.Ncs(dy), db.Buffer, new Ncs(1, g.OutChannels, 1));
                    Autograd.Accumulate(bias, db, transfer: true);
                }
            });
        }
        return y;
    }

    /// <summary>a (m×k) · b (k×n).</summary>
    public static Tensor MatMul(Tensor a, Tensor b)
    {
        Shapes.RequireRank(a, 2, "MatMul left");
        Shapes.RequireRank(b, 2, "MatMul right");
        Shapes.RequireSameBackend(a, b, "MatMul");
        int m = a.Shape[0], k = a.Shape[1], n = b.Shape[1];
        if (b.Shape[0] != k)
            throw new ArgumentException($"MatMul: shapes {Shapes.Format(a.Shape)} and {Shapes.Format(b.Shape)} do not chain");
        var backend = a.Backend;
        var c = Tensor.Empty(backend, m, n);
        backend.MatMul(a.Buffer, b.Buffer, c.Buffer, m, k, n);
        if (Autograd.ShouldRecord(a, b))
        {
            Autograd.Record("MatMul", [a, b], c, dc =>
            {
                if (a.TracksGrad)
                {
                    var da = Autograd.GradientTarget(a); // dc (m×n) · bᵀ (n×k)
                    backend.MatMul(dc.Buffer, b.Buffer, da.Buffer, m, n, k, transposeB: true);
                    Autograd.Accumulate(a, da, transfer: true);
                }
                if (b.TracksGrad)
                {
                    var db = Autograd.GradientTarget(b); // aᵀ (k×m) · dc (m×n)
                    backend.MatMul(a.Buffer, dc.Buffer, db.Buffer, k, m, n, transposeA: true);
                    Autograd.Accumulate(b, db, transfer: true);
                }
            });
        }
        return c;
    }

    /// <summary>PyTorch's linear map: x (N×in) · weightᵀ (in×out) + bias.</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias)
    {
        Shapes.RequireRank(x, 2, "Linear input");
        Shapes.RequireRank(weight, 2, "Linear weight");
        Shapes.RequireSameBackend(x, weight, "Linear");
        int batch = x.Shape[0], inF = x.Shape[1], outF = weight.Shape[0];
        if (weight.Shape[1] != inF)
            throw new ArgumentException($"Linear: input {Shapes.Format(x.Shape)} does not match weight {Shapes.Format(weight.Shape)}");
        if (bias is not null && bias.Length != outF)
            throw new ArgumentException($"Linear: bias {Shapes.Format(bias.Shape)} does not match weight {Shapes.Format(weight.Shape)}");
        var backend = x.Backend;
        var y = Tensor.Empty(backend, batch, outF);
        backend.MatMul(x.Buffer, weight.Buffer, y.Buffer, batch, inF, outF, transposeB: true);
        if (bias is not null)
            backend.Binary(BinaryOp.Add, y.Buffer, new Ncs(batch, outF, 1), bias.Buffer, new Ncs(1, outF, 1), y.Buffer);
        if (Autograd.ShouldRecord(x, weight, bias))
        {
            Autograd.Record("Linear", bias is null ? [x, weight] : [x, weight, bias], y, dy =>
            {
                if (x.TracksGrad)
                {
                    var dx = Tensor.Empty(backend, x.Shape); // dy (N×out) · W (out×in)
                    backend.MatMul(dy.Buffer, weight.Buffer, dx.Buffer, batch, outF, inF);
                    Autograd.Accumulate(x, dx, transfer: true);
                }
                if (weight.TracksGrad)
                {
                    var dw = Autograd.GradientTarget(weight); // dyᵀ (out×N) · x (N×in)
                    backend.MatMul(dy.Buffer, x.Buffer, dw.Buffer, outF, batch, inF, transposeA: true);
                    Autograd.Accumulate(weight, dw, transfer: true);
                }
                if (bias is not null && bias.TracksGrad)
                {
                    var db = Autograd.GradientTarget(bias);
                    backend.SumTo(dy.Buffer, new Ncs(batch, outF, 1), db.Buffer, new Ncs(1, outF, 1));
                    Autograd.Accumulate(bias, db, transfer: true);
                }
            });
        }
        return y;
    }
}
