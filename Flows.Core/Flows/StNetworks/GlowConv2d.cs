using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// The Glow code's Conv2d wrapper (paper-spec §4.8): a 'same' convolution held as "conv", with weights drawn
/// from N(0, 0.05²) and a zero bias, or all zeros for Conv2dZeros (the st-network's last layer, so a fresh
/// coupling is the identity).
/// </summary>
public sealed class GlowConv2d : Module
{
    private readonly Conv2d _conv;

    public GlowConv2d(IComputeBackend backend, Random rng, int inChannels, int outChannels, int kernelSize, bool zeros)
        : base(backend)
    {
        _conv = AddModule("conv", new Conv2d(backend, rng, inChannels, outChannels, kernelSize));
        _conv.Weight.CopyFrom(zeros ? new float[_conv.Weight.Length] : Init.Normal(rng, _conv.Weight.Length, 0.05));
        _conv.Bias!.CopyFrom(new float[outChannels]);
    }

    public Tensor Forward(Tensor x) => _conv.Forward(x);
}
