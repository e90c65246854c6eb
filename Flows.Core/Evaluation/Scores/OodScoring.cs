using Flows.Core.Data;

namespace Flows.Core.Evaluation;

/// <summary>Settings of <see cref="OodScoring.Run"/>.</summary>
public sealed record OodScoringOptions
{
    /// <summary>The TPR the thresholds are calibrated for, in (0, 1].</summary>
    public double TargetTpr { get; init; } = CalibratedThreshold.DefaultTargetTpr;

    /// <summary>The AUROC bootstrap.</summary>
    public BootstrapSettings Bootstrap { get; init; } = BootstrapSettings.Default;

    /// <summary>M of the typicality batch test (<see cref="TypicalityBatchTest"/>).</summary>
    public int TypicalityBatch { get; init; } = 10;
}

/// <summary>The per-sample scores of one set: its name, its role ("validation", "in-distribution" or "ood"), labels, and one array per score.</summary>
public sealed record ScoredSetTable(string Name, string Role, int[] Labels, IReadOnlyDictionary<string, double[]> Scores)
{
    /// <summary>Samples in the set.</summary>
    public int Count => Scores.Count == 0 ? 0 : Scores.Values.First().Length;
}

/// <summary>
/// Scores the validation split, the in-distribution test set and every OOD set with every <see cref="IOodScore"/>, then
/// computes <see cref="OodMetrics"/> per score and OOD set, thresholds calibrated on the validation split when there
/// is one (docs/METRICS.md, "OOD scores"). Nothing is written.
/// </summary>
public static class OodScoring
{
    /// <summary>Throws when the context lacks something a score needs, naming the score and the thing.</summary>
    public static void CheckNeeds(IReadOnlyList<IOodScore> scores, ScoringContext context)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(context);
        foreach (var s in scores)
        {
            if (s.Needs.HasFlag(ScoreNeeds.Validation) && context.Validation is not { Count: > 0 })
                throw new InvalidOperationException($"the '{s.Name}' score needs a non-empty in-distribution validation split");
            if (s.Needs.HasFlag(ScoreNeeds.Background) && context.Background is null)
                throw new InvalidOperationException($"the '{s.Name}' score needs a background model");
            if (s.Needs.HasFlag(ScoreNeeds.FeatureFlow) && context.Features is null)
                throw new InvalidOperationException($"the '{s.Name}' score needs a feature flow");
        }
        var twice = scores.GroupBy(s => s.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new ArgumentException($"the score '{twice.Key}' is listed twice");
    }

    /// <summary>Every score of every set, and every metric per score and OOD set.</summary>
    public static (IReadOnlyList<ScoredSetTable> Sets, IReadOnlyList<ScoreSummary> Summaries) Run(
        ScoringContext context, IReadOnlyList<IOodScore> scores, FlowData inDistribution, IReadOnlyList<FlowData> oodSets,
        OodScoringOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(inDistribution);
        ArgumentNullException.ThrowIfNull(oodSets);
        options ??= new OodScoringOptions();
        OrientedScores.CheckTargetTpr(options.TargetTpr, nameof(options));
        options.Bootstrap.Validate(nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.TypicalityBatch, 1);
        CheckNeeds(scores, context);

        var sets = new List<(FlowData Data, string Role)>();
        if (context.Validation is { } v) sets.Add((v, "validation"));
        sets.Add((inDistribution, "in-distribution"));
        sets.AddRange(oodSets.Select(d => (d, "ood")));

        var tables = sets.Select(s => new ScoredSetTable(s.Data.Name, s.Role, s.Data.Labels.Take(context.CountOf(s.Data)).ToArray(),
            scores.ToDictionary(score => score.Name, score => score.Score(context, s.Data)))).ToList();

        var validation = tables.FirstOrDefault(t => t.Role == "validation");
        var inTable = tables.Single(t => t.Role == "in-distribution");
        var summaries = new List<ScoreSummary>();
        foreach (var score in scores)
        {
            var metrics = new Dictionary<string, OodMetrics>();
            var batch = new Dictionary<string, TypicalityBatchResult>();
            foreach (var ood in tables.Where(t => t.Role == "ood"))
            {
                metrics[ood.Name] = OodMetrics.Compute(inTable.Scores[score.Name], ood.Scores[score.Name], score.Direction,
                    validation?.Scores[score.Name], options.TargetTpr, options.Bootstrap);
                if (score is TypicalityScore)
                    batch[ood.Name] = TypicalityBatchTest.Compute(context.LogLikelihoods(inDistribution),
                        context.LogLikelihoods(oodSets.First(d => d.Name == ood.Name)), context.Entropy(score.Name), options.TypicalityBatch);
            }
            summaries.Add(new ScoreSummary
            {
                Name = score.Name,
                Direction = score.Direction,
                Unit = score.Unit,
                Mean = tables.ToDictionary(t => t.Name, t => t.Count == 0 ? double.NaN : t.Scores[score.Name].Average()),
                Metrics = metrics,
                BatchTest = batch,
            });
        }
        return (tables, summaries);
    }
}
