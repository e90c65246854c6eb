using Flows.Core;
using Flows.Kernels;

namespace TwoMoons;

/// <summary>
/// One RealNVP affine coupling on (N, 2) points. The mask marks the coordinate that is transformed; the
/// other one passes through and feeds the st-network (Linear-ReLU-Linear), whose output splits into the
/// raw scale and the shift. The fused Ops.Coupling then computes y = (x + t)·exp(w·tanh(raw)) on the
/// masked coordinate and the log-determinant per point.
/// </summary>
public sealed class AffineCoupling2D : Module
{
    private readonly float[] _mask;
    private readonly float[] _keep;

    public AffineCoupling2D(IComputeBackend backend, Random rng, int transformed, int hidden) : base(backend)
    {
        _mask = [transformed == 0 ? 1f : 0f, transformed == 1 ? 1f : 0f];
        _keep = [1f - _mask[0], 1f - _mask[1]];
        var output = new Linear(backend, rng, hidden, 4);
        // Zero-initialised last layer (the tabular flow's init_zeros): every coupling starts as the identity.
        output.Weight.CopyFrom(new float[output.Weight.Length]);
        output.Bias!.CopyFrom(new float[4]);
        StNet = AddModule("st_net", new Sequential(new Linear(backend, rng, 2, hidden), new ReLU(backend), output));
        Rescale = AddModule("rescale", new Rescale(backend, 2));
    }

    public Sequential StNet { get; }
    public Rescale Rescale { get; }

    public (Tensor Y, Tensor LogDet) Forward(Tensor x)
    {
        var (raw, t, mask) = Parameters(x);
        return Ops.Coupling(x, raw, t, Rescale.Weight(), mask);
    }

    public (Tensor X, Tensor LogDet) Inverse(Tensor y)
    {
        var (raw, t, mask) = Parameters(y);
        return Ops.CouplingInverse(y, raw, t, Rescale.Weight(), mask);
    }

    // The st-network sees only the pass-through coordinate, so the inverse can recompute it from y.
    private (Tensor Raw, Tensor T, Tensor Mask) Parameters(Tensor x)
    {
        var keep = Tensor.FromArray(Backend, _keep, 2);
        var st = StNet.Forward(Ops.Channelwise(BinaryOp.Mul, x, keep));
        var (raw, t) = Ops.ChunkChannels(st);
        return (raw, t, Tensor.FromArray(Backend, _mask, 2));
    }
}
