using System.Runtime.CompilerServices;
using Flows.Core.Data;
using Flows.Core.Flows;

namespace Flows.Core.Evaluation;

/// <summary>
/// Everything the <see cref="IOodScore"/>s of one evaluation share: the model, how it is run (batch size,
/// dequantization noise, BatchNorm statistics), and the optional validation split, background model and feature
/// flow. Per-sample log-likelihoods are computed once per (model, set) and cached, so ll, typicality, complexity
/// and lr all read the same numbers.
/// </summary>
public sealed class ScoringContext
{
    private readonly ConditionalWeakTable<FlowData, double[]> _ll = new();
    private readonly ConditionalWeakTable<FlowData, double[]> _background = new();
    private double? _entropy;

    /// <summary>A context for <paramref name="model"/>; the optional parts are set with init.</summary>
    public ScoringContext(FlowModel model) => Model = model ?? throw new ArgumentNullException(nameof(model));

    /// <summary>The model under test.</summary>
    public FlowModel Model { get; }

    /// <summary>Evaluation batch size (with <see cref="BatchNormStatistics.Batch"/> it also sets the statistics' batches).</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Seed of the one dequantization draw per image (<see cref="LikelihoodScorer"/>).</summary>
    public ulong NoiseSeed { get; init; } = 0xE7A1;

    /// <summary>Score at most this many samples per set (0 = all); the validation split is never cut.</summary>
    public int Limit { get; init; }

    /// <summary>The statistics BatchNorm layers use while scoring.</summary>
    public BatchNormStatistics BatchNorm { get; init; } = BatchNormStatistics.Running;

    /// <summary>A held-out in-distribution split (typicality's entropy estimate, calibrated thresholds), or null.</summary>
    public FlowData? Validation { get; init; }

    /// <summary>The likelihood-ratio background model (same architecture and data shape), or null.</summary>
    public FlowModel? Background { get; init; }

    /// <summary>The feature flow and its extractor, or null.</summary>
    public FeatureFlowScorer? Features { get; init; }

    /// <summary>
    /// Ĥ fixed in advance (nats), e.g. read back from a saved calibration, so typicality needs no validation split;
    /// null estimates it from <see cref="Validation"/>.
    /// </summary>
    public double? FixedEntropy { get; init; }

    /// <summary>Called with (what is being scored, samples done, samples in all).</summary>
    public Action<string, int, int>? Progress { get; init; }

    /// <summary>The validation split, or a clear error naming the score that needs it.</summary>
    public FlowData RequireValidation(string score) =>
        Validation is { Count: > 0 } v ? v
        : throw new InvalidOperationException($"the '{score}' score needs a non-empty in-distribution validation split");

    /// <summary>Per-sample log-likelihood (nats) of <paramref name="data"/> under the model, cached.</summary>
    public double[] LogLikelihoods(FlowData data) => Cached(_ll, Model, data, data.Name);

    /// <summary>Per-sample log-likelihood under the background model, cached.</summary>
    public double[] BackgroundLogLikelihoods(FlowData data) =>
        Cached(_background, Background ?? throw new InvalidOperationException("the 'lr' score needs a background model"), data, data.Name + " (background)");

    /// <summary>Ĥ: the in-distribution entropy estimate, mean −ll over the validation split (nats).</summary>
    public double Entropy(string score)
    {
        _entropy ??= FixedEntropy ?? -LogLikelihoods(RequireValidation(score)).Average();
        return _entropy.Value;
    }

    /// <summary>How many samples of <paramref name="data"/> are scored (the validation split is never cut).</summary>
    public int CountOf(FlowData data) =>
        ReferenceEquals(data, Validation) || Limit <= 0 ? data.Count : Math.Min(Limit, data.Count);

    private double[] Cached(ConditionalWeakTable<FlowData, double[]> cache, FlowModel model, FlowData data, string label)
    {
        if (cache.TryGetValue(data, out var hit)) return hit;
        var scores = Score(model, data, label);
        cache.AddOrUpdate(data, scores);
        return scores;
    }

    /// <summary>Runs <see cref="LikelihoodScorer"/> under this context's BatchNorm statistics.</summary>
    public double[] Score(FlowModel model, FlowData data, string label)
    {
        int total = CountOf(data);
        using var bn = BatchNorm == BatchNormStatistics.Batch ? BatchNormMode.BatchStatistics(model) : null;
        return LikelihoodScorer.Score(model, data, BatchSize, NoiseSeed, total, done => Progress?.Invoke(label, done, total));
    }
}
