using Flows.Core.Data;

namespace Flows.Core.Evaluation;

/// <summary>What an <see cref="IOodScore"/> needs besides the model and the set it scores (docs/METRICS.md, "OOD scores").</summary>
[Flags]
public enum ScoreNeeds
{
    /// <summary>The model alone.</summary>
    None = 0,

    /// <summary>A held-out in-distribution validation split (<see cref="ScoringContext.Validation"/>).</summary>
    Validation = 1,

    /// <summary>A background model of the same architecture (<see cref="ScoringContext.Background"/>).</summary>
    Background = 2,

    /// <summary>A feature flow and the extractor it was trained on (<see cref="ScoringContext.Features"/>).</summary>
    FeatureFlow = 4,
}

/// <summary>
/// One OOD score: a number per sample that separates in-distribution from OOD data, read in a fixed
/// <see cref="ScoreDirection"/>. A new score is one class implementing this interface plus one line in
/// <see cref="OodScoreCatalog"/> (docs/METRICS.md, "OOD scores").
/// </summary>
public interface IOodScore
{
    /// <summary>The name used on the command line, in reports and as the CSV column (e.g. "typicality").</summary>
    string Name { get; }

    /// <summary>Which way the score points.</summary>
    ScoreDirection Direction { get; }

    /// <summary>Its unit, for tables and axes (e.g. "nats", "bits/dim").</summary>
    string Unit { get; }

    /// <summary>What <see cref="ScoringContext"/> must hold for this score.</summary>
    ScoreNeeds Needs { get; }

    /// <summary>The score of every sample of <paramref name="data"/> (the first <see cref="ScoringContext.Limit"/> when set), in order.</summary>
    double[] Score(ScoringContext context, FlowData data);
}
