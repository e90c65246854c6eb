namespace Flows.Core.Flows;

/// <summary>
/// Lower bounds on what a model configuration needs, computed from its sizes alone (nothing is allocated), so that
/// sizes from flags or a checkpoint's metadata (mid 3000, blocks 100000, batch 1000000) are refused with a message
/// before gigabytes are allocated. They walk the same coupling layout as the builders (docs/MODELS.md §4.7–4.10)
/// and count only the dominant terms (the st-networks' M×M weights, one stored output per st-network layer), so a
/// bound is never above the truth: a configuration refused by it could not have run.
/// </summary>
public static class ModelFootprint
{
    /// <summary>What the machine (or its container limit) offers this process, in bytes.</summary>
    public static long AvailableBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>
    /// Refuses a configuration whose parameters alone cannot fit in <paramref name="availableBytes"/>, or whose largest
    /// weight exceeds a tensor's int32 length. <paramref name="sizes"/> names the sizes for the message ("mid 3000, blocks 6").
    /// </summary>
    public static void RequireParametersFit(ModelConfig config, string sizes, long availableBytes)
    {
        double bytes = MinimumParameters(config) * sizeof(float);
        if (bytes > availableBytes)
            throw new ArgumentException($"model '{config.Name}' ({sizes}) needs at least {Gigabytes(bytes)} for its parameters alone, more than the " +
                                        $"{Gigabytes(availableBytes)} this machine offers; use smaller sizes");
        double largest = LargestTensor(config);
        if (largest > int.MaxValue)
            throw new ArgumentException($"model '{config.Name}' ({sizes}) asks for a weight of {largest:0.###e0} values, more than a tensor holds " +
                                        $"({int.MaxValue}); use smaller sizes");
    }

    /// <summary>
    /// Refuses a training batch whose step cannot fit: parameters, gradients and two optimizer moments, plus the
    /// activations kept for the backward pass of one batch: <paramref name="batch"/> samples, or all
    /// <paramref name="trainCount"/> when the set is smaller. Names the flag and the largest batch that the bound allows.
    /// </summary>
    public static void RequireTrainingStepFits(ModelConfig config, int batch, int trainCount, long availableBytes)
    {
        int samples = Math.Min(batch, trainCount);
        double fixedBytes = 4 * MinimumParameters(config) * sizeof(float);
        double perSample = MinimumActivationsPerSample(config) * sizeof(float);
        double bytes = fixedBytes + samples * perSample;
        if (bytes <= availableBytes) return;
        long largest = perSample > 0 ? (long)Math.Max(0, (availableBytes - fixedBytes) / perSample) : 0;
        throw new ArgumentException($"--batch {batch}: one training step of '{config.Name}' needs at least {Gigabytes(bytes)} " +
                                    $"({Gigabytes(perSample)} per sample, {samples} samples per batch), more than the {Gigabytes(availableBytes)} this machine offers; " +
                                    (largest >= 1 ? $"use --batch {largest} or less" : "use a smaller model"));
    }

    /// <summary>
    /// Refuses an evaluation batch (no gradients) whose pass cannot fit: the parameters plus one st-network layer's
    /// output for every sample of the batch, the least any forward pass holds at once.
    /// </summary>
    public static void RequireEvaluationFits(ModelConfig config, int batch, int count, long availableBytes)
    {
        int samples = Math.Min(batch, count);
        double perSample = Sites(config).Select(site => LayerOutput(config, site)).DefaultIfEmpty(0).Max() * sizeof(float);
        double bytes = MinimumParameters(config) * sizeof(float) + samples * perSample;
        if (bytes <= availableBytes) return;
        long largest = perSample > 0 ? (long)Math.Max(0, (availableBytes - MinimumParameters(config) * sizeof(float)) / perSample) : 0;
        throw new ArgumentException($"--eval-batch {batch}: one evaluation pass of '{config.Name}' over {samples} samples needs at least " +
                                    $"{Gigabytes(bytes)}, more than the {Gigabytes(availableBytes)} this machine offers; " +
                                    (largest >= 1 ? $"use --eval-batch {largest} or less" : "use a smaller model"));
    }

    private static double LayerOutput(ModelConfig c, CouplingSite s) => c.StType switch
    {
        "mlp" => c.Hidden,
        "autoencoder" => c.Latent,
        _ => s.Mid * s.Height * s.Width,
    };

    private static string Gigabytes(double bytes) =>
        bytes >= 1e9 ? $"{bytes / 1e9:0.#} GB" : bytes >= 1e6 ? $"{bytes / 1e6:0.#} MB" : $"{bytes / 1e3:0.#} kB";

    /// <summary>One coupling layer as the builders lay it out: channels in, st-network width and spatial size.</summary>
    private readonly record struct CouplingSite(int Channels, double Mid, int Height, int Width);

    /// <summary>A lower bound on the number of parameters.</summary>
    public static double MinimumParameters(ModelConfig config) =>
        Sites(config).Sum(site => StNetworkWeights(config, site));

    /// <summary>A lower bound on the float32 values a training step keeps per sample for its backward pass.</summary>
    public static double MinimumActivationsPerSample(ModelConfig config) =>
        Sites(config).Sum(site => StNetworkOutputs(config, site));

    /// <summary>The largest single weight tensor the configuration asks for, in elements (tensors are int-indexed).</summary>
    public static double LargestTensor(ModelConfig config) =>
        Sites(config).Select(site => LargestWeight(config, site)).DefaultIfEmpty(0).Max();

    private static double StNetworkWeights(ModelConfig c, CouplingSite s) => c.StType switch
    {
        // Residual blocks of two 3×3 M→M convolutions, plus (resnet) one 1×1 skip per block.
        "resnet" => c.Blocks * (2 * 9 + 1) * s.Mid * s.Mid,
        "resnet_ae" => c.Blocks * 2 * 9 * s.Mid * s.Mid + 2.0 * s.Mid * s.Width * s.Width * c.Latent,
        "autoencoder" => 2.0 * c.Latent,
        // Glow's highway layers: two 3×3 M→M convolutions each, plus the 3×3 input convolution.
        "highway" => (c.Layers * 2 * 9 * s.Mid + 9.0 * s.Channels / 2) * s.Mid,
        "mlp" => (double)c.Layers * c.Hidden * c.Hidden + 3.0 * c.Dim * c.Hidden,
        _ => 0,
    };

    private static double StNetworkOutputs(ModelConfig c, CouplingSite s) => c.StType switch
    {
        "resnet" or "resnet_ae" => (2.0 * c.Blocks + 1) * s.Mid * s.Height * s.Width,
        "autoencoder" => c.Latent,
        "highway" => (2.0 * c.Layers + 1) * s.Mid * s.Height * s.Width,
        "mlp" => (c.Layers + 1.0) * c.Hidden,
        _ => 0,
    };

    private static double LargestWeight(ModelConfig c, CouplingSite s) => c.StType switch
    {
        "resnet" or "highway" => 9 * s.Mid * s.Mid,
        "resnet_ae" => Math.Max(9 * s.Mid * s.Mid, s.Mid * s.Width * s.Width * c.Latent),
        "mlp" => (double)Math.Max(c.Hidden, c.Dim) * Math.Max(c.Hidden, 2.0 * c.Dim),
        _ => c.Latent,
    };

    /// <summary>The coupling layers of the configuration, in the order the builders create them.</summary>
    private static IEnumerable<CouplingSite> Sites(ModelConfig c)
    {
        int channels = c.Image.Channels, h = c.Image.Height, w = c.Image.Width;
        switch (c.Name)
        {
            case "tabular":
                for (int i = 0; i < c.Couplings; i++) yield return new CouplingSite(c.Dim, c.Hidden, 1, 1);
                yield break;
            case "glow":
                for (int level = 0; level < c.Scales && h % 2 == 0 && w % 2 == 0; level++)
                {
                    channels *= 4; h /= 2; w /= 2;
                    for (int k = 0; k < c.K; k++) yield return new CouplingSite(channels, c.Mid, h, w);
                    channels /= 2;
                }
                yield break;
            case "realnvp" or "realnvp-resnetae" or "realnvp-ae":
                double mid = c.Mid;
                for (int scale = 0; scale < c.Scales; scale++)
                {
                    bool last = scale == c.Scales - 1;
                    for (int i = 0; i < (last ? 4 : 3); i++) yield return new CouplingSite(channels, mid, h, w);
                    if (last || h % 2 != 0 || w % 2 != 0) yield break;
                    channels *= 4; h /= 2; w /= 2;
                    if (c.StType != "autoencoder") mid *= 2;
                    for (int i = 0; i < 3; i++) yield return new CouplingSite(channels, mid, h, w);
                    channels /= 2;
                }
                yield break;
            default:
                int layers = c.Name switch { "realnvp-small" => 2, "horizontal3" => 3, _ => 8 };
                for (int i = 0; i < layers; i++) yield return new CouplingSite(channels, c.Mid, h, w);
                yield break;
        }
    }
}
