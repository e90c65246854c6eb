using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// The RealNVP residual block (docs/MODELS.md §4.6): r = BN → ReLU → WNConv3x3 (no bias) → BN → ReLU → WNConv3x3
/// (bias); returns r + h. Names in_norm, in_conv, out_norm, out_conv as the original.
/// </summary>
public sealed class ResidualBlock : Module
{
    private readonly BatchNorm _inNorm, _outNorm;
    private readonly Conv2d _inConv, _outConv;

    public ResidualBlock(IComputeBackend backend, Random rng, int channels) : base(backend)
    {
        _inNorm = AddModule("in_norm", new BatchNorm(backend, channels));
        _inConv = AddModule("in_conv", new Conv2d(backend, rng, channels, channels, 3, bias: false, weightNorm: true));
        _outNorm = AddModule("out_norm", new BatchNorm(backend, channels));
        _outConv = AddModule("out_conv", new Conv2d(backend, rng, channels, channels, 3, bias: true, weightNorm: true));
    }

    public Tensor Forward(Tensor h)
    {
        var r = _inConv.Forward(_inNorm.ForwardRelu(h));
        r = _outConv.Forward(_outNorm.ForwardRelu(r));
        return Ops.Add(r, h);
    }
}
