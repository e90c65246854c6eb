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
        double perSample = Bounds(config).Select(b => b.LayerOutput).DefaultIfEmpty(0).Max() * sizeof(float);
        double bytes = MinimumParameters(config) * sizeof(float) + samples * perSample;
        if (bytes <= availableBytes) return;
        long largest = perSample > 0 ? (long)Math.Max(0, (availableBytes - MinimumParameters(config) * sizeof(float)) / perSample) : 0;
        throw new ArgumentException($"--eval-batch {batch}: one evaluation pass of '{config.Name}' over {samples} samples needs at least " +
                                    $"{Gigabytes(bytes)}, more than the {Gigabytes(availableBytes)} this machine offers; " +
                                    (largest >= 1 ? $"use --eval-batch {largest} or less" : "use a smaller model"));
    }

    private static string Gigabytes(double bytes) =>
        bytes >= 1e9 ? $"{bytes / 1e9:0.#} GB" : bytes >= 1e6 ? $"{bytes / 1e6:0.#} MB" : $"{bytes / 1e3:0.#} kB";

    /// <summary>A lower bound on the number of parameters.</summary>
    public static double MinimumParameters(ModelConfig config) => Bounds(config).Sum(b => b.Weights);

    /// <summary>A lower bound on the float32 values a training step keeps per sample for its backward pass.</summary>
    public static double MinimumActivationsPerSample(ModelConfig config) => Bounds(config).Sum(b => b.StoredOutputs);

    /// <summary>The largest single weight tensor the configuration asks for, in elements (tensors are int-indexed).</summary>
    public static double LargestTensor(ModelConfig config) => Bounds(config).Select(b => b.LargestWeight).DefaultIfEmpty(0).Max();

    /// <summary>Per coupling layer: the model's layout (<see cref="ModelKind.Layout"/>), sized by its st-network (<see cref="StNetworkKind.Bounds"/>).</summary>
    private static IEnumerable<SiteBounds> Bounds(ModelConfig config)
    {
        var st = StNetworkCatalog.Get(config.StType);
        return ModelCatalog.Get(config.Name).Layout(config).Select(site => st.Bounds(config, site));
    }

    // ---- the layouts the catalogue's models declare (the same loops as their builders) ----------------------

    /// <summary>Multi-scale RealNVP (docs/MODELS.md §4.7): 3 checkerboard couplings per scale (4 at the last), then a
    /// squeeze, M doubled unless the st-network keeps it, and 3 channel-wise couplings before half is factored out.</summary>
    public static IEnumerable<CouplingSite> MultiScaleLayout(ModelConfig c)
    {
        int channels = c.Image.Channels, h = c.Image.Height, w = c.Image.Width;
        double mid = c.Mid;
        bool widens = StNetworkCatalog.Get(c.StType).WidensAfterSqueeze;
        for (int scale = 0; scale < c.Scales; scale++)
        {
            bool last = scale == c.Scales - 1;
            for (int i = 0; i < (last ? 4 : 3); i++) yield return new CouplingSite(channels, mid, h, w);
            if (last || h % 2 != 0 || w % 2 != 0) yield break;
            channels *= 4; h /= 2; w /= 2;
            if (widens) mid *= 2;
            for (int i = 0; i < 3; i++) yield return new CouplingSite(channels, mid, h, w);
            channels /= 2;
        }
    }

    /// <summary>Single-scale models: <paramref name="couplings"/> couplings at full resolution.</summary>
    public static IEnumerable<CouplingSite> SingleScaleLayout(ModelConfig c, int couplings) =>
        Enumerable.Repeat(new CouplingSite(c.Image.Channels, c.Mid, c.Image.Height, c.Image.Width), couplings);

    /// <summary>Glow (docs/MODELS.md §4.8): per level a squeeze, K steps, then half the channels factored out.</summary>
    public static IEnumerable<CouplingSite> GlowLayout(ModelConfig c)
    {
        int channels = c.Image.Channels, h = c.Image.Height, w = c.Image.Width;
        for (int level = 0; level < c.Scales && h % 2 == 0 && w % 2 == 0; level++)
        {
            channels *= 4; h /= 2; w /= 2;
            for (int k = 0; k < c.K; k++) yield return new CouplingSite(channels, c.Mid, h, w);
            channels /= 2;
        }
    }

    /// <summary>The tabular flow (docs/MODELS.md §4.10): its couplings on D-vectors, width H.</summary>
    public static IEnumerable<CouplingSite> TabularLayout(ModelConfig c) =>
        Enumerable.Repeat(new CouplingSite(c.Dim, c.Hidden, 1, 1), c.Couplings);
}

/// <summary>One coupling layer as a builder lays it out: channels in, st-network width M and spatial size.</summary>
public readonly record struct CouplingSite(int Channels, double Mid, int Height, int Width);

/// <summary>
/// What one st-network at one <see cref="CouplingSite"/> needs at least: weights, outputs kept for the backward pass
/// (per sample), its largest weight tensor and its largest single layer output (per sample), in float32 values.
/// </summary>
public readonly record struct SiteBounds(double Weights, double StoredOutputs, double LargestWeight, double LayerOutput);
