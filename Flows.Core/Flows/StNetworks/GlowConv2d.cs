using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// The Glow code's Conv2d wrapper (docs/MODELS.md §4.8): a 'same' convolution held as "conv" (parameters
/// conv.weight, conv.bias), with weights drawn from N(0, 0.05²) and a zero bias, or all zeros for Conv2dZeros
/// (the st-network's last layer, so a fresh coupling is the identity). The normal draws come from the
/// backend's counter RNG under a seed taken from the model's generator: the 200M weights of the color Glow
/// initialise in parallel on the device instead of one by one on the host.
/// </summary>
public sealed class GlowConv2d : Module
{
    private readonly ConvParameters _conv;

    public GlowConv2d(IComputeBackend backend, Random rng, int inChannels, int outChannels, int kernelSize, bool zeros)
        : base(backend)
    {
        using var weight = zeros
            ? Tensor.Zeros(backend, outChannels, inChannels, kernelSize, kernelSize)
            : Tensor.Normal(backend, (ulong)rng.NextInt64(), 0, outChannels, inChannels, kernelSize, kernelSize);
        if (!zeros) backend.Unary(UnaryOp.Scale, weight.Buffer, weight.Buffer, weight.Length, 0.05f);
        using var bias = Tensor.Zeros(backend, outChannels);
        _conv = AddModule("conv", new ConvParameters(weight, bias));
    }

    public Tensor Forward(Tensor x) => Ops.Conv2d(x, _conv.Weight, _conv.Bias, _conv.Weight.Shape[2] / 2);

    /// <summary>nn.Conv2d's weight and bias, copied from the given values.</summary>
    private sealed class ConvParameters : Module
    {
        public ConvParameters(Tensor weight, Tensor bias) : base(weight.Backend)
        {
            Weight = AddParameter("weight", Parameter.From(weight));
            Bias = AddParameter("bias", Parameter.From(bias));
        }

        public Parameter Weight { get; }
        public Parameter Bias { get; }
    }
}
