using Flows.Core;
using Flows.Core.Flows;
using Flows.Kernels;

namespace Flows.Tests.Flows;

/// <summary>One small instance of every flow layer type, with the per-sample shape it takes.</summary>
internal static class LayerCatalog
{
    public static readonly string[] Names =
    [
        "coupling-checkerboard", "coupling-checkerboard-reverse", "coupling-channel", "coupling-channel-reverse",
        "coupling-horizontal", "coupling-vertical", "coupling-quadrant", "coupling-highway", "coupling-resnetae",
        "coupling-autoencoder", "coupling-tabular", "actnorm", "conv1x1", "squeeze", "glowstep",
    ];

    /// <summary>
    /// The layers whose full Jacobian is cheap enough to build numerically. The autoencoder st-network needs a
    /// width of at least 14 (196 inputs, 784 batched passes through a slow side model); Σs = log|det J| holds
    /// for any st-network and is checked here with ten others, and its strided convolutions are checked
    /// against direct loops in StridedConvTests.
    /// </summary>
    public static IEnumerable<string> JacobianNames => Names.Where(n => n != "coupling-autoencoder");

    public static (FlowLayer Layer, int[] Shape) Create(string name, IComputeBackend b)
    {
        var rng = new Random(7);
        var (layer, shape) = name switch
        {
            "coupling-checkerboard" => P(Coupling(b, new CheckerboardMask(false), new ResNetStNet(b, rng, 2, 8, 4, 1, true), 2), 2, 4, 4),
            "coupling-checkerboard-reverse" => P(Coupling(b, new CheckerboardMask(true), new ResNetStNet(b, rng, 2, 8, 4, 1, true), 2), 2, 4, 4),
            "coupling-channel" => P(Coupling(b, new ChannelMask(false), new ResNetStNet(b, rng, 1, 8, 2, 1, false), 2), 2, 4, 4),
            "coupling-channel-reverse" => P(Coupling(b, new ChannelMask(true), new ResNetStNet(b, rng, 1, 8, 2, 1, false), 2), 2, 4, 4),
            "coupling-horizontal" => P(Coupling(b, new HorizontalMask(false), new ResNetStNet(b, rng, 1, 8, 2, 1, false), 1), 1, 4, 4),
            "coupling-vertical" => P(Coupling(b, new VerticalMask(true), new ResNetStNet(b, rng, 1, 8, 2, 1, false), 1), 1, 4, 4),
            "coupling-quadrant" => P(Coupling(b, new QuadrantMask(3, 0), new ResNetStNet(b, rng, 1, 8, 2, 1, false), 1), 1, 4, 4),
            "coupling-highway" => P(Coupling(b, new ChannelMask(false), new HighwayStNet(b, rng, 1, 8, 2, 2), 2), 2, 4, 4),
            "coupling-resnetae" => P(Coupling(b, new CheckerboardMask(false), new ResNetAEStNet(b, rng, 1, 4, 2, 2, true, 3, 4), 1), 1, 4, 4),
            "coupling-autoencoder" => P(Coupling(b, new CheckerboardMask(false), new ConvAutoencoderStNet(b, rng, 1, 4, 2, 14), 1), 1, 14, 14),
            "coupling-tabular" => P(Coupling(b, new TabularMask(false), new TabularMlp(b, rng, 6, 8, 1), 6), 6),
            "actnorm" => P(new ActNorm(b, 2), 2, 4, 4),
            "conv1x1" => P(new InvertibleConv1x1(b, rng, 3), 3, 4, 4),
            "squeeze" => P(new Squeeze(b), 2, 4, 4),
            "glowstep" => P(new GlowStep(b, new ActNorm(b, 4), new InvertibleConv1x1(b, rng, 4),
                               Coupling(b, new ChannelMask(false), new HighwayStNet(b, rng, 2, 8, 4, 1), 4)), 4, 2, 2),
            _ => throw new ArgumentException(name),
        };
        layer.AssignNames("layer");
        // Zero-initialised parts (Glow's last conv, ActNorm before its data init) would make the test trivial.
        FlowTestKit.Perturb(layer, 0.02f, 3);
        FlowTestKit.Settle(layer, layer.Forward, seed => FlowTestKit.Normal(b, seed, 1f, [8, .. shape]));
        return (layer, shape);
    }

    private static (FlowLayer, int[]) P(FlowLayer layer, params int[] shape) => (layer, shape);

    private static AffineCoupling Coupling(IComputeBackend b, CouplingMask mask, StNetwork net, int channels) =>
        new(b, mask, net, channels);
}
