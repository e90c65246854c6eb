using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// The bottlenecked RealNVP st-network "resnet_ae" (docs/MODELS.md §4.9): the ResNet of §4.6 without the skip
/// convs, with h → Linear(M·W·W → l) → Linear(l → M·W·W) inserted after residual block B/2 − 1. The two
/// linear layers ("bottleneck.0", "bottleneck.1") have biases and no activation.
/// </summary>
public sealed class ResNetAEStNet : StNetwork
{
    private readonly BatchNorm _inNorm, _outNorm;
    private readonly Conv2d _inConv, _outConv;
    private readonly ResidualBlock[] _blocks;
    private readonly Linear _encode, _decode;

    public ResNetAEStNet(IComputeBackend backend, Random rng, int inChannels, int midChannels, int outChannels,
                         int blocks, bool doubleAfterNorm, int latent, int width) : base(backend)
    {
        if (blocks < 2)
            throw new ArgumentException($"resnet_ae st-network: needs at least 2 residual blocks to place the bottleneck after block B/2 − 1, got {blocks}");
        if (latent <= 0) throw new ArgumentException($"resnet_ae st-network: latent size must be positive, got {latent}");
        InChannels = inChannels;
        MidChannels = midChannels;
        Latent = latent;
        Width = width;
        DoubleAfterNorm = doubleAfterNorm;
        _inNorm = AddModule("in_norm", new BatchNorm(backend, inChannels));
        _inConv = AddModule("in_conv", new Conv2d(backend, rng, 2 * inChannels, midChannels, 3, weightNorm: true));
        _blocks = new ResidualBlock[blocks];
        for (int k = 0; k < blocks; k++)
            _blocks[k] = AddModule($"blocks.{k}", new ResidualBlock(backend, rng, midChannels));
        _outConv = AddModule("out_conv", new Conv2d(backend, rng, midChannels, outChannels, 1, weightNorm: true));
        int flat = midChannels * width * width;
        _encode = AddModule("bottleneck.0", new Linear(backend, rng, flat, latent));
        _decode = AddModule("bottleneck.1", new Linear(backend, rng, latent, flat));
        _outNorm = AddModule("out_norm", new BatchNorm(backend, midChannels));
    }

    public int InChannels { get; }
    public int MidChannels { get; }
    public int Latent { get; }
    public int Width { get; }
    public bool DoubleAfterNorm { get; }

    public override Tensor Forward(Tensor x)
    {
        if (x.Rank != 4 || x.Shape[2] != Width || x.Shape[3] != Width)
            throw new ArgumentException($"resnet_ae st-network: built for {Width}×{Width} inputs, got {Shapes.Format(x.Shape)}");
        var h = _inNorm.Forward(x);
        if (DoubleAfterNorm) h = Ops.Scale(h, 2f);
        h = _inConv.Forward(Ops.Relu(Ops.ConcatChannels(h, Ops.Neg(h))));
        int n = x.Shape[0];
        for (int k = 0; k < _blocks.Length; k++)
        {
            h = _blocks[k].Forward(h);
            if (k == _blocks.Length / 2 - 1)
            {
                var code = _encode.Forward(Ops.Reshape(h, n, MidChannels * Width * Width));
                h = Ops.Reshape(_decode.Forward(code), n, MidChannels, Width, Width);
            }
        }
        return _outConv.Forward(_outNorm.ForwardRelu(h));
    }

    public override string Describe() => $"ResNetAE(in {InChannels}, mid {MidChannels}, blocks {_blocks.Length}, latent {Latent}, width {Width})";
}
