using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// Glow as the paper's code implements it (docs/MODELS.md §4.8): per level, squeeze then K steps of
/// ActNorm → 1×1 conv → channel-wise affine coupling (first half transformed) with a highway st-network;
/// factor out half the channels after every level but the last.
/// </summary>
public static class GlowBuilder
{
    public static MultiScaleFlow Create(ModelConfig config, IComputeBackend backend, int seed)
    {
        if (config.Scales < 1 || config.K < 1)
            throw new ArgumentException($"{config.Name}: needs at least one level and one step, got {config.Scales} levels, K {config.K}");
        var rng = new Random(seed);
        var noise = new DequantizationNoise(RealNvpBuilder.NoiseSeed(seed));
        int c = config.Image.Channels, h = config.Image.Height, w = config.Image.Width;
        var steps = new List<BodyStep> { BodyStep.Of(new DequantizeLogit(backend, noise)) };
        for (int level = 0; level < config.Scales; level++)
        {
            if (h % 2 != 0 || w % 2 != 0)
                throw new ArgumentException($"{config.Name}: image {config.Image} cannot be squeezed at level {level}: size {h}×{w} is odd");
            steps.Add(BodyStep.Of(new Squeeze(backend)));
            c *= 4; h /= 2; w /= 2;
            for (int k = 0; k < config.K; k++)
            {
                var coupling = RealNvpBuilder.Coupling(config, backend, rng, new ChannelMask(false), c, config.Mid, w);
                steps.Add(BodyStep.Of(new GlowStep(backend, new ActNorm(backend, c), new InvertibleConv1x1(backend, rng, c), coupling)));
            }
            if (level < config.Scales - 1)
            {
                steps.Add(BodyStep.FactorOut(c / 2));
                c /= 2;
            }
        }
        return new MultiScaleFlow(backend, config, config.Image, steps, noise);
    }
}
