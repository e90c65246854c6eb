using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// Glow's st-network in the paper's code (docs/MODELS.md §4.8): in_conv 3×3 (C_in → M) → highway layers
/// (gate = sigmoid(conv_t(h)); h = conv_h(h)·gate + h·(1 − gate), no other nonlinearity) → out_conv, a zero-
/// initialised 1×1 conv to the output channels. No normalization, no weight norm.
/// </summary>
public sealed class HighwayStNet : StNetwork
{
    private readonly GlowConv2d _inConv, _outConv;
    private readonly (GlowConv2d H, GlowConv2d T)[] _layers;

    public HighwayStNet(IComputeBackend backend, Random rng, int inChannels, int midChannels, int outChannels, int layers)
        : base(backend)
    {
        InChannels = inChannels;
        MidChannels = midChannels;
        _inConv = AddModule("in_conv", new GlowConv2d(backend, rng, inChannels, midChannels, 3, zeros: false));
        _layers = new (GlowConv2d, GlowConv2d)[layers];
        for (int k = 0; k < layers; k++)
            _layers[k] = (AddModule($"layers.{k}.conv_h", new GlowConv2d(backend, rng, midChannels, midChannels, 3, zeros: false)),
                          AddModule($"layers.{k}.conv_t", new GlowConv2d(backend, rng, midChannels, midChannels, 3, zeros: false)));
        _outConv = AddModule("out_conv", new GlowConv2d(backend, rng, midChannels, outChannels, 1, zeros: true));
    }

    public int InChannels { get; }
    public int MidChannels { get; }

    public override Tensor Forward(Tensor x)
    {
        var h = _inConv.Forward(x);
        foreach (var (convH, convT) in _layers)
        {
            // h = conv_h(h)·gate + h·(1 − gate), gate = sigmoid(conv_t(h)), fused into one op each way.
            h = Ops.HighwayGate(convH.Forward(h), convT.Forward(h), h);
        }
        return _outConv.Forward(h);
    }

    public override string Describe() => $"Highway(in {InChannels}, mid {MidChannels}, layers {_layers.Length})";
}
