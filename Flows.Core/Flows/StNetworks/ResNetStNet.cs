using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// The RealNVP st-network (docs/MODELS.md §4.6): BN_in → (×2 for checkerboard masks) → ReLU(cat[h, −h]) →
/// WNConv3x3 → residual blocks, each followed by a WNConv1x1 whose outputs are summed with the in_skip's →
/// BN_out → ReLU → WNConv1x1 to 2·C_in channels. Every conv is weight-normalized.
/// </summary>
public sealed class ResNetStNet : StNetwork
{
    private readonly BatchNorm _inNorm, _outNorm;
    private readonly Conv2d _inConv, _inSkip, _outConv;
    private readonly ResidualBlock[] _blocks;
    private readonly Conv2d[] _skips;

    public ResNetStNet(IComputeBackend backend, Random rng, int inChannels, int midChannels, int outChannels,
                       int blocks, bool doubleAfterNorm) : base(backend)
    {
        InChannels = inChannels;
        MidChannels = midChannels;
        BlockCount = blocks;
        DoubleAfterNorm = doubleAfterNorm;
        _inNorm = AddModule("in_norm", new BatchNorm(backend, inChannels));
        _inConv = AddModule("in_conv", new Conv2d(backend, rng, 2 * inChannels, midChannels, 3, weightNorm: true));
        _inSkip = AddModule("in_skip", new Conv2d(backend, rng, midChannels, midChannels, 1, weightNorm: true));
        _blocks = new ResidualBlock[blocks];
        _skips = new Conv2d[blocks];
        for (int k = 0; k < blocks; k++)
            _blocks[k] = AddModule($"blocks.{k}", new ResidualBlock(backend, rng, midChannels));
        for (int k = 0; k < blocks; k++)
            _skips[k] = AddModule($"skips.{k}", new Conv2d(backend, rng, midChannels, midChannels, 1, weightNorm: true));
        _outNorm = AddModule("out_norm", new BatchNorm(backend, midChannels));
        _outConv = AddModule("out_conv", new Conv2d(backend, rng, midChannels, outChannels, 1, weightNorm: true));
    }

    public int InChannels { get; }
    public int MidChannels { get; }
    public int BlockCount { get; }
    public bool DoubleAfterNorm { get; }

    public override Tensor Forward(Tensor x)
    {
        var h = _inNorm.Forward(x);
        if (DoubleAfterNorm) h = Ops.Scale(h, 2f);
        h = _inConv.Forward(Ops.Relu(Ops.ConcatChannels(h, Ops.Neg(h))));
        var skip = _inSkip.Forward(h);
        for (int k = 0; k < _blocks.Length; k++)
        {
            h = _blocks[k].Forward(h);
            skip = Ops.Add(skip, _skips[k].Forward(h));
        }
        return _outConv.Forward(_outNorm.ForwardRelu(skip));
    }

    public override string Describe() => $"ResNet(in {InChannels}, mid {MidChannels}, blocks {BlockCount})";
}
