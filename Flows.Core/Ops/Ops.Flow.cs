using Flows.Kernels;

namespace Flows.Core;

/// <summary>The fused flow operations: affine coupling, ActNorm and the invertible 1×1 convolution.</summary>
public static partial class Ops
{
    /// <summary>
    /// The affine coupling on its transformed part (docs/MODELS.md §4.5): with m = mask (1 = transformed; null =
    /// all), s = m·scale_c·tanh(raw), y = (x + m·t)·exp(s); returns y and the per-sample log-determinant Σ s.
    /// x, raw, t are (N, C, H, W) or (N, C); scale has C elements; mask has C·H·W.
    /// </summary>
    public static (Tensor Y, Tensor LogDet) Coupling(Tensor x, Tensor raw, Tensor t, Tensor scale, Tensor? mask)
    {
        var shape = CheckCoupling("Coupling", x, raw, t, scale, mask);
        var backend = x.Backend;
        var y = Tensor.Empty(backend, x.Shape);
        var logdet = Tensor.Empty(backend, shape.N);
        backend.CouplingForward(x.Buffer, raw.Buffer, t.Buffer, scale.Buffer, mask?.Buffer, y.Buffer, logdet.Buffer, shape);
        if (Autograd.ShouldRecord(x, raw, t, scale))
        {
            Autograd.Record("Coupling", [x, raw, t, scale], [y, logdet], grads =>
            {
                using var zerosY = grads[0] is null ? Tensor.Zeros(backend, x.Shape) : null;
                using var zerosL = grads[1] is null ? Tensor.Zeros(backend, shape.N) : null;
                var dy = grads[0] ?? zerosY!;
                var dlogdet = grads[1] ?? zerosL!;
                var dx = Tensor.Empty(backend, x.Shape);
                var draw = Tensor.Empty(backend, raw.Shape);
                var dt = Tensor.Empty(backend, t.Shape);
                var dscale = Autograd.GradientTarget(scale);
                backend.CouplingBackward(x.Buffer, raw.Buffer, t.Buffer, scale.Buffer, mask?.Buffer, dy.Buffer, dlogdet.Buffer,
                                         dx.Buffer, draw.Buffer, dt.Buffer, dscale.Buffer, shape);
                Autograd.Accumulate(x, dx, transfer: true);
                Autograd.Accumulate(raw, draw, transfer: true);
                Autograd.Accumulate(t, dt, transfer: true);
                Autograd.Accumulate(scale, dscale, transfer: true);
            });
        }
        return (y, logdet);
    }

    /// <summary>The coupling's inverse: x = y·exp(−s) − m·t, log-determinant −Σ s. Records no gradient.</summary>
    public static (Tensor X, Tensor LogDet) CouplingInverse(Tensor y, Tensor raw, Tensor t, Tensor scale, Tensor? mask)
    {
        var shape = CheckCoupling("CouplingInverse", y, raw, t, scale, mask);
        var backend = y.Backend;
        var x = Tensor.Empty(backend, y.Shape);
        var logdet = Tensor.Empty(backend, shape.N);
        backend.CouplingInverse(y.Buffer, raw.Buffer, t.Buffer, scale.Buffer, mask?.Buffer, x.Buffer, logdet.Buffer, shape);
        return (x, logdet);
    }

    private static Ncs CheckCoupling(string op, Tensor x, Tensor raw, Tensor t, Tensor scale, Tensor? mask)
    {
        Shapes.RequireSame(x, raw, op + " (x vs s)");
        Shapes.RequireSame(x, t, op + " (x vs t)");
        var shape = Shapes.Ncs(x);
        if (scale.Length != shape.C)
            throw new ArgumentException($"{op}: the rescale has shape {Shapes.Format(scale.Shape)}, the input {Shapes.Format(x.Shape)} has {shape.C} channels");
        if (mask is not null && mask.Length != shape.C * shape.S)
            throw new ArgumentException($"{op}: the mask has shape {Shapes.Format(mask.Shape)}, expected {shape.C * shape.S} elements for input {Shapes.Format(x.Shape)}");
        return shape;
    }

    /// <summary>Glow's ActNorm: y = (x + bias_c)·exp(logScale_c). The log-determinant S·Σ logScale is the caller's.</summary>
    public static Tensor ActNorm(Tensor x, Tensor bias, Tensor logScale)
    {
        var shape = Shapes.Ncs(x);
        if (bias.Length != shape.C || logScale.Length != shape.C)
            throw new ArgumentException($"ActNorm: input {Shapes.Format(x.Shape)} has {shape.C} channels, parameters have {bias.Length} and {logScale.Length}");
        var backend = x.Backend;
        var y = Tensor.Empty(backend, x.Shape);
        backend.ActNormForward(x.Buffer, bias.Buffer, logScale.Buffer, y.Buffer, shape);
        if (Autograd.ShouldRecord(x, bias, logScale))
        {
            Autograd.Record("ActNorm", [x, bias, logScale], y, dy =>
            {
                var dx = Tensor.Empty(backend, x.Shape);
                var dbias = Autograd.GradientTarget(bias);
                var dlog = Autograd.GradientTarget(logScale);
                backend.ActNormBackward(x.Buffer, bias.Buffer, logScale.Buffer, dy.Buffer, dx.Buffer, dbias.Buffer, dlog.Buffer, shape);
                Autograd.Accumulate(x, dx, transfer: true);
                Autograd.Accumulate(bias, dbias, transfer: true);
                Autograd.Accumulate(logScale, dlog, transfer: true);
            });
        }
        return y;
    }

    /// <summary>ActNorm's inverse, x = y·exp(−logScale_c) − bias_c. Records no gradient.</summary>
    public static Tensor ActNormInverse(Tensor y, Tensor bias, Tensor logScale)
    {
        var shape = Shapes.Ncs(y);
        var x = Tensor.Empty(y.Backend, y.Shape);
        y.Backend.ActNormInverse(y.Buffer, bias.Buffer, logScale.Buffer, x.Buffer, shape);
        return x;
    }

    /// <summary>The invertible 1×1 convolution y[n, :, s] = W·x[n, :, s] with W (C×C).</summary>
    public static Tensor Conv1x1(Tensor x, Tensor weight)
    {
        Shapes.RequireRank(x, 4, "Conv1x1");
        var shape = Shapes.Ncs(x);
        if (weight.Rank != 2 || weight.Shape[0] != shape.C || weight.Shape[1] != shape.C)
            throw new ArgumentException($"Conv1x1: input {Shapes.Format(x.Shape)} needs a {shape.C}×{shape.C} weight, got {Shapes.Format(weight.Shape)}");
        var backend = x.Backend;
        var y = Tensor.Empty(backend, x.Shape);
        backend.Conv1x1(x.Buffer, weight.Buffer, y.Buffer, shape);
        if (Autograd.ShouldRecord(x, weight))
        {
            Autograd.Record("Conv1x1", [x, weight], y, dy =>
            {
                if (x.TracksGrad)
                {
                    var dx = Tensor.Empty(backend, x.Shape);
                    backend.Conv1x1(dy.Buffer, weight.Buffer, dx.Buffer, shape, transposeWeight: true);
                    Autograd.Accumulate(x, dx, transfer: true);
                }
                if (weight.TracksGrad)
                {
                    var dw = Autograd.GradientTarget(weight);
                    var g = new ConvGeometry(shape.N, shape.C, shape.S, 1, shape.C, 1, 0);
                    backend.Conv2dBackwardWeight(x.Buffer, dy.Buffer, dw.Buffer, g);
                    Autograd.Accumulate(weight, dw, transfer: true);
                }
            });
        }
        return y;
    }

    /// <summary>Conv1x1 with the transposed (or, given W⁻¹, inverse) weight, without gradient.</summary>
    public static Tensor Conv1x1NoGrad(Tensor x, Tensor weight, bool transposeWeight)
    {
        var shape = Shapes.Ncs(x);
        var y = Tensor.Empty(x.Backend, x.Shape);
        x.Backend.Conv1x1(x.Buffer, weight.Buffer, y.Buffer, shape, transposeWeight);
        return y;
    }

    /// <summary>
    /// log|det W| of a small square matrix and its gradient W⁻ᵀ, both on the device (Gauss–Jordan with partial
    /// pivoting, <see cref="IComputeBackend.LogAbsDeterminant"/>): no host read. A singular W gives −∞; the invertible
    /// 1×1 convolution checks it (LogDets.RequireFiniteLogAbsDet: the step's flag in training, at once otherwise).
    /// The host path (<see cref="LogAbsDetOnHost"/>) is the checked reference. Returns a one-element tensor.
    /// </summary>
    public static Tensor LogAbsDet(Tensor weight)
    {
        var (y, inverseTranspose) = LogAbsDetAndInverseTranspose(weight);
        if (Autograd.ShouldRecord(weight))
        {
            var backend = weight.Backend;
            int c = weight.Shape[0];
            Autograd.Record("LogAbsDet", [weight], y, dy =>
            {
                var grad = Autograd.GradientTarget(weight);
                backend.Binary(BinaryOp.Mul, inverseTranspose.Buffer, new Ncs(1, 1, c * c), dy.Buffer, Ncs.Scalar, grad.Buffer);
                Autograd.Accumulate(weight, grad, transfer: true);
            });
        }
        return y;
    }

    /// <summary>log|det W| (one element) and W⁻ᵀ, computed on the device without history.</summary>
    internal static (Tensor LogAbsDet, Tensor InverseTranspose) LogAbsDetAndInverseTranspose(Tensor weight)
    {
        if (weight.Rank != 2 || weight.Shape[0] != weight.Shape[1])
            throw new ArgumentException($"LogAbsDet: expected a square matrix, got {Shapes.Format(weight.Shape)}");
        int c = weight.Shape[0];
        var backend = weight.Backend;
        var y = Tensor.Empty(backend, 1);
        var inverseTranspose = Tensor.Empty(backend, c, c);
        using (var lu = Tensor.Empty(backend, c * c))
            backend.LogAbsDeterminant(weight.Buffer, c, y.Buffer, inverseTranspose.Buffer, lu.Buffer);
        return (y, inverseTranspose);
    }

    /// <summary>
    /// The host path the device op replaced (download W, LU in double, upload), kept as the reference the tests check
    /// <see cref="LogAbsDet"/> against; its gradient W⁻ᵀ is formed on the host too.
    /// </summary>
    public static Tensor LogAbsDetOnHost(Tensor weight)
    {
        if (weight.Rank != 2 || weight.Shape[0] != weight.Shape[1])
            throw new ArgumentException($"LogAbsDet: expected a square matrix, got {Shapes.Format(weight.Shape)}");
        int c = weight.Shape[0];
        var w = weight.ToArray();
        double value = DenseLinearAlgebra.LogAbsDeterminant(w, c);
        if (!double.IsFinite(value))
            throw new NumericalException($"LogAbsDet: the {c}×{c} weight of an invertible 1×1 convolution is singular (log|det| = {value})");
        var backend = weight.Backend;
        var y = Tensor.FromArray(backend, [(float)value], 1);
        if (Autograd.ShouldRecord(weight))
        {
            Autograd.Record("LogAbsDetOnHost", [weight], y, dy =>
            {
                float scale = dy.Item();
                var inverse = DenseLinearAlgebra.Inverse(w, c);
                var grad = new float[c * c];
                for (int i = 0; i < c; i++)
                    for (int j = 0; j < c; j++)
                        grad[i * c + j] = (float)(scale * inverse[j * c + i]);
                Autograd.Accumulate(weight, Tensor.FromArray(backend, grad, c, c), transfer: true);
            });
        }
        return y;
    }
}
