using Flows.Kernels;

namespace Flows.Core;

/// <summary>Differentiable element-wise maps and broadcasting arithmetic.</summary>
public static partial class Ops
{
    public static Tensor Neg(Tensor x) => Unary(x, UnaryOp.Neg);
    public static Tensor Exp(Tensor x) => Unary(x, UnaryOp.Exp);
    public static Tensor Log(Tensor x) => Unary(x, UnaryOp.Log);
    public static Tensor Tanh(Tensor x) => Unary(x, UnaryOp.Tanh);
    public static Tensor Sigmoid(Tensor x) => Unary(x, UnaryOp.Sigmoid);
    public static Tensor Relu(Tensor x) => Unary(x, UnaryOp.Relu);
    public static Tensor LeakyRelu(Tensor x, float slope = 0.01f) => Unary(x, UnaryOp.LeakyRelu, slope);
    public static Tensor Abs(Tensor x) => Unary(x, UnaryOp.Abs);
    public static Tensor Square(Tensor x) => Unary(x, UnaryOp.Square);
    public static Tensor Sqrt(Tensor x) => Unary(x, UnaryOp.Sqrt);
    public static Tensor Reciprocal(Tensor x) => Unary(x, UnaryOp.Reciprocal);
    public static Tensor Softplus(Tensor x) => Unary(x, UnaryOp.Softplus);
    public static Tensor Scale(Tensor x, float alpha) => Unary(x, UnaryOp.Scale, alpha);
    public static Tensor AddScalar(Tensor x, float alpha) => Unary(x, UnaryOp.AddScalar, alpha);

    /// <summary>y = f(x) element-wise, with dx = dy·f'(x).</summary>
    public static Tensor Unary(Tensor x, UnaryOp op, float alpha = 0f)
    {
        var backend = x.Backend;
        var y = Tensor.Empty(backend, x.Shape);
        backend.Unary(op, x.Buffer, y.Buffer, x.Length, alpha);
        if (Autograd.ShouldRecord(x))
        {
            Autograd.Record(op.ToString(), [x], y, dy =>
            {
                var dx = Autograd.GradientTarget(x);
                backend.UnaryBackward(op, x.Buffer, y.Buffer, dy.Buffer, dx.Buffer, x.Length, alpha);
                Autograd.Accumulate(x, dx, transfer: true);
            });
        }
        return y;
    }

    /// <summary>
    /// Glow's highway gate, fused: a·g + h·(1 − g) with g = sigmoid(t), all three of one shape. Equal to
    /// Add(Mul(a, Sigmoid(t)), Mul(h, 1 − Sigmoid(t))) up to rounding, in one pass each way.
    /// </summary>
    public static Tensor HighwayGate(Tensor a, Tensor t, Tensor h)
    {
        Shapes.RequireSame(a, t, "HighwayGate");
        Shapes.RequireSame(a, h, "HighwayGate");
        Shapes.RequireSameBackend(a, t, "HighwayGate");
        Shapes.RequireSameBackend(a, h, "HighwayGate");
        var backend = a.Backend;
        var y = Tensor.Empty(backend, a.Shape);
        backend.HighwayGate(a.Buffer, t.Buffer, h.Buffer, y.Buffer, a.Length);
        if (Autograd.ShouldRecord(a, t, h))
        {
            Autograd.Record("HighwayGate", [a, t, h], y, dy =>
            {
                var da = Tensor.Empty(backend, a.Shape);
                var dt = Tensor.Empty(backend, a.Shape);
                var dh = Tensor.Empty(backend, a.Shape);
                backend.HighwayGateBackward(a.Buffer, t.Buffer, h.Buffer, dy.Buffer, da.Buffer, dt.Buffer, dh.Buffer, a.Length);
                Release(a, da);
                Release(t, dt);
                Release(h, dh);
            });
        }
        return y;

        static void Release(Tensor input, Tensor gradient)
        {
            if (input.TracksGrad) Autograd.Accumulate(input, gradient, transfer: true);
            else gradient.Dispose();
        }
    }

    public static Tensor Add(Tensor a, Tensor b) => SameShape(BinaryOp.Add, a, b);
    public static Tensor Sub(Tensor a, Tensor b) => SameShape(BinaryOp.Sub, a, b);
    public static Tensor Mul(Tensor a, Tensor b) => SameShape(BinaryOp.Mul, a, b);
    public static Tensor Div(Tensor a, Tensor b) => SameShape(BinaryOp.Div, a, b);

    /// <summary>x ∘ v with v holding one value per channel (axis 1) of x.</summary>
    public static Tensor Channelwise(BinaryOp op, Tensor x, Tensor perChannel)
    {
        var xn = Shapes.Ncs(x);
        if (perChannel.Length != xn.C)
            throw new ArgumentException($"{op} per channel: x {Shapes.Format(x.Shape)} has {xn.C} channels, the vector has shape {Shapes.Format(perChannel.Shape)}");
        return Broadcast(op, x, xn, perChannel, new Ncs(1, xn.C, 1), x.Shape);
    }

    /// <summary>x ∘ v with v holding one value per sample (axis 0) of x.</summary>
    public static Tensor Samplewise(BinaryOp op, Tensor x, Tensor perSample)
    {
        int n = x.Shape[0];
        if (perSample.Length != n)
            throw new ArgumentException($"{op} per sample: x {Shapes.Format(x.Shape)} has {n} samples, the vector has shape {Shapes.Format(perSample.Shape)}");
        return Broadcast(op, x, new Ncs(n, 1, x.Length / Math.Max(n, 1)), perSample, new Ncs(n, 1, 1), x.Shape);
    }

    /// <summary>x ∘ s with s a one-element tensor.</summary>
    public static Tensor WithScalar(BinaryOp op, Tensor x, Tensor scalar)
    {
        if (scalar.Length != 1)
            throw new ArgumentException($"{op} with a scalar: expected one element, got shape {Shapes.Format(scalar.Shape)}");
        return Broadcast(op, x, new Ncs(1, 1, x.Length), scalar, Ncs.Scalar, x.Shape);
    }

    private static Tensor SameShape(BinaryOp op, Tensor a, Tensor b)
    {
        Shapes.RequireSame(a, b, op.ToString());
        var n = new Ncs(1, 1, a.Length);
        return Broadcast(op, a, n, b, n, a.Shape);
    }

    /// <summary>
    /// The general broadcasting op: a and b are seen as (N, C, S) views, and the result, of
    /// Ncs.Broadcast(an, bn) elements, gets outShape. Gradients are summed back over broadcast axes.
    /// </summary>
    public static Tensor Broadcast(BinaryOp op, Tensor a, Ncs an, Tensor b, Ncs bn, int[] outShape)
    {
        Shapes.RequireSameBackend(a, b, op.ToString());
        if (an.Length != a.Length || bn.Length != b.Length)
            throw new ArgumentException($"{op}: views {an} / {bn} do not match shapes {Shapes.Format(a.Shape)} / {Shapes.Format(b.Shape)}");
        var on = Ncs.Broadcast(an, bn, op.ToString());
        if (on.Length != Shapes.Count(outShape))
            throw new ArgumentException($"{op}: result {on} does not fit shape {Shapes.Format(outShape)}");
        var backend = a.Backend;
        var c = Tensor.Empty(backend, outShape);
        backend.Binary(op, a.Buffer, an, b.Buffer, bn, c.Buffer);
        if (Autograd.ShouldRecord(a, b))
        {
            Autograd.Record(op.ToString(), [a, b], c, dc =>
            {
                // An add whose gradients pass through unchanged hands dc on without a copy (Autograd.PassThrough);
                // to both inputs, they share it until one of them is added into (Autograd.PassThroughBoth).
                bool aPasses = op == BinaryOp.Add && a.TracksGrad && an == on;
                bool bPasses = op == BinaryOp.Add && b.TracksGrad && bn == on;
                if (aPasses && bPasses)
                {
                    Autograd.PassThroughBoth(a, b, dc);
                    return;
                }
                if (aPasses && !b.TracksGrad)
                {
                    Autograd.PassThrough(a, dc);
                    return;
                }
                if (bPasses && !a.TracksGrad)
                {
                    Autograd.PassThrough(b, dc);
                    return;
                }
                if (a.TracksGrad)
                {
                    switch (op)
                    {
                        case BinaryOp.Add or BinaryOp.Sub: PushReduced(a, dc, on, an, 1f); break;
                        case BinaryOp.Mul: PushProduct(a, an, dc, on, BinaryOp.Mul, b, bn); break;
                        case BinaryOp.Div: PushProduct(a, an, dc, on, BinaryOp.Div, b, bn); break;
                    }
                }
                if (b.TracksGrad)
                {
                    switch (op)
                    {
                        case BinaryOp.Add: PushReduced(b, dc, on, bn, 1f); break;
                        case BinaryOp.Sub: PushReduced(b, dc, on, bn, -1f); break;
                        case BinaryOp.Mul: PushProduct(b, bn, dc, on, BinaryOp.Mul, a, an); break;
                        case BinaryOp.Div:
                        {
                            // d(a/b)/db = −c/b
                            using var cOverB = Tensor.Empty(backend, outShape);
                            backend.Binary(BinaryOp.Div, c.Buffer, on, b.Buffer, bn, cOverB.Buffer);
                            using var g = Tensor.Empty(backend, outShape);
                            backend.Binary(BinaryOp.Mul, dc.Buffer, on, cOverB.Buffer, on, g.Buffer);
                            PushReduced(b, g, on, bn, -1f);
                            break;
                        }
                    }
                }
            });
        }
        return c;
    }

    /// <summary>Pushes (dc ∘ other) reduced to target's view into target's gradient.</summary>
    private static void PushProduct(Tensor target, Ncs targetView, Tensor dc, Ncs on, BinaryOp op, Tensor other, Ncs otherView)
    {
        if (targetView == on)
        {
            // Nothing to reduce: the product is the gradient (no copy).
            var direct = Autograd.GradientTarget(target);
            dc.Backend.Binary(op, dc.Buffer, on, other.Buffer, otherView, direct.Buffer);
            Autograd.Accumulate(target, direct, transfer: true);
            return;
        }
        using var g = Tensor.Empty(dc.Backend, dc.Shape);
        dc.Backend.Binary(op, dc.Buffer, on, other.Buffer, otherView, g.Buffer);
        PushReduced(target, g, on, targetView, 1f);
    }

    /// <summary>Adds sign·SumTo(g) into target's gradient.</summary>
    private static void PushReduced(Tensor target, Tensor g, Ncs from, Ncs to, float sign)
    {
        var backend = g.Backend;
        var reduced = Autograd.GradientTarget(target);
        if (from != to) backend.SumTo(g.Buffer, from, reduced.Buffer, to);
        if (sign != 1f) backend.Unary(UnaryOp.Scale, from == to ? g.Buffer : reduced.Buffer, reduced.Buffer, to.Length, sign);
        else if (from == to) backend.Copy(g.Buffer, reduced.Buffer, to.Length);
        Autograd.Accumulate(target, reduced, transfer: true);
    }
}
