namespace Flows.Core.Evaluation;

/// <summary>
/// The outcome of one OOD evaluation: a model trained on <see cref="InDistribution"/> scored on its test set
/// and on OOD sets. Set names key every dictionary; <see cref="Auroc"/> has one entry per OOD set.
/// Non-finite bits/dim (a diverged model) are allowed and written to JSON as null.
/// </summary>
public sealed record OodReport
{
    public required string Model { get; init; }
    public required string Checkpoint { get; init; }
    public required string Device { get; init; }
    public required long Seed { get; init; }

    /// <summary>Name of the in-distribution set (also a key of <see cref="Counts"/> and <see cref="Bpd"/>).</summary>
    public required string InDistribution { get; init; }

    /// <summary>Images scored per set.</summary>
    public required IReadOnlyDictionary<string, int> Counts { get; init; }

    /// <summary>Mean bits/dim per set (image models only; empty for vector models, whose data is continuous).</summary>
    public required IReadOnlyDictionary<string, double> Bpd { get; init; }

    /// <summary>Mean negative log-likelihood per set, nats per sample (every model).</summary>
    public IReadOnlyDictionary<string, double> Nll { get; init; } = new Dictionary<string, double>();

    /// <summary>"images" or "vectors": what the model scores.</summary>
    public string Data { get; init; } = "images";

    /// <summary>AUROC of in-distribution test vs each OOD set (in-distribution positive, score = log-likelihood).</summary>
    public required IReadOnlyDictionary<string, double> Auroc { get; init; }

    public double WallTimeSeconds { get; init; }

    /// <summary>The feature flow trained beside this pixel flow (the main job), or null.</summary>
    public FeatureFlowSummary? FeatureFlow { get; init; }

    /// <summary>The histogram PNG, relative to the report's folder; null when none was drawn.</summary>
    public string? HistogramFile { get; init; }

    /// <summary>Every OOD score with its metrics per OOD set (docs/METRICS.md, "OOD scores"); empty in reports written before scores existed.</summary>
    public IReadOnlyList<ScoreSummary> Scores { get; init; } = [];

    /// <summary>The in-distribution validation split the thresholds (and typicality's Ĥ) came from, or null.</summary>
    public ValidationSplit? Validation { get; init; }

    /// <summary>Ĥ, typicality's entropy estimate: mean −ll over the validation split in nats (NaN when not computed).</summary>
    public double Entropy { get; init; } = double.NaN;

    /// <summary>"running" or "batch": the statistics BatchNorm used while scoring (<see cref="BatchNormStatistics"/>).</summary>
    public string BatchNorm { get; init; } = "running";

    /// <summary>The per-sample CSV (<see cref="ScoreCsv"/>), relative to the report's folder; null when none was written.</summary>
    public string? ScoresFile { get; init; }

    /// <summary>The set the model was trained on, as people name it: the in-distribution test set without "/test".</summary>
    public string TrainingSetName => TrainingSet(InDistribution);

    /// <summary>"fashionmnist" for "fashionmnist/test"; other names unchanged.</summary>
    public static string TrainingSet(string inDistributionName) =>
        inDistributionName.EndsWith("/test", StringComparison.Ordinal) ? inDistributionName[..^"/test".Length] : inDistributionName;

    /// <summary>Set names in report order: the in-distribution set, then the others as first listed.</summary>
    public IReadOnlyList<string> SetNames()
    {
        var names = new List<string> { InDistribution };
        foreach (var n in Counts.Keys.Concat(Bpd.Keys).Concat(Auroc.Keys))
            if (!names.Contains(n)) names.Add(n);
        return names;
    }
}
