using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// The RealNVP family (docs/MODELS.md §4.7): the multi-scale RealNVP and the single-scale variants
/// (8 or 2 checkerboard layers, horizontal masks, the cycle-mask).
/// </summary>
public static class RealNvpBuilder
{
    /// <summary>
    /// Per scale: 3 checkerboard couplings (F, T, F); at the last scale one more (T); otherwise squeeze, M ← 2M
    /// (not for the autoencoder st-network), 3 channel-wise couplings (F, T, F), factor out half the channels.
    /// </summary>
    public static MultiScaleFlow MultiScale(ModelConfig config, IComputeBackend backend, int seed)
    {
        if (config.Scales < 1) throw new ArgumentException($"{config.Name}: needs at least one scale, got {config.Scales}");
        var rng = new Random(seed);
        var noise = new DequantizationNoise(NoiseSeed(seed));
        int c = config.Image.Channels, h = config.Image.Height, w = config.Image.Width, mid = config.Mid;
        var steps = new List<BodyStep> { BodyStep.Of(new DequantizeLogit(backend, noise)) };
        for (int scale = 0; scale < config.Scales; scale++)
        {
            bool last = scale == config.Scales - 1;
            foreach (bool reverse in last ? new[] { false, true, false, true } : [false, true, false])
                steps.Add(BodyStep.Of(Coupling(config, backend, rng, new CheckerboardMask(reverse), c, mid, w)));
            if (last) break;
            if (h % 2 != 0 || w % 2 != 0)
                throw new ArgumentException($"{config.Name}: image {config.Image} cannot be squeezed at scale {scale}: size {h}×{w} is odd");
            steps.Add(BodyStep.Of(new Squeeze(backend)));
            c *= 4; h /= 2; w /= 2;
            if (StNetworkCatalog.Get(config.StType).WidensAfterSqueeze) mid *= 2;
            foreach (bool reverse in new[] { false, true, false })
                steps.Add(BodyStep.Of(Coupling(config, backend, rng, new ChannelMask(reverse), c, mid, w)));
            steps.Add(BodyStep.FactorOut(c / 2));
            c /= 2;
        }
        return new MultiScaleFlow(backend, config, config.Image, steps, noise);
    }

    /// <summary>The single-scale models: every coupling at full resolution, z in image order; <see cref="ModelCatalog"/> gives each its masks.</summary>
    public static MultiScaleFlow SingleScale(ModelConfig config, IComputeBackend backend, int seed, IReadOnlyList<CouplingMask> masks)
    {
        if (masks.Count == 0) throw new ArgumentException($"{config.Name}: a single-scale RealNVP needs at least one coupling mask");
        var rng = new Random(seed);
        var noise = new DequantizationNoise(NoiseSeed(seed));
        var steps = new List<BodyStep> { BodyStep.Of(new DequantizeLogit(backend, noise)) };
        foreach (var mask in masks)
            steps.Add(BodyStep.Of(Coupling(config, backend, rng, mask, config.Image.Channels, config.Mid, config.Image.Width)));
        return new MultiScaleFlow(backend, config, config.Image, steps, noise);
    }

    internal static AffineCoupling Coupling(ModelConfig config, IComputeBackend backend, Random rng, CouplingMask mask,
                                            int channels, int mid, int width)
    {
        int inChannels = mask.TransformedChannels(channels);
        var stNet = StNetworkFactory.Create(config, backend, rng, inChannels, mid, width, mask is CheckerboardMask);
        return new AffineCoupling(backend, mask, stNet, channels);
    }

    /// <summary>The dequantization stream's seed: distinct from the initialisation's, fixed by the model seed.</summary>
    internal static ulong NoiseSeed(int seed) => 0x5EED_D0_5EUL ^ (ulong)(uint)seed;
}
