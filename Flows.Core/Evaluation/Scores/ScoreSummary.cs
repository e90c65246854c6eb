namespace Flows.Core.Evaluation;

/// <summary>
/// One OOD score in an <see cref="OodReport"/>: its direction and unit, the mean score per set (the in-distribution
/// test set, the OOD sets, and the validation split when there is one), every metric per OOD set
/// (<see cref="OodMetrics"/>) and, for typicality, the batch test per OOD set.
/// </summary>
public sealed record ScoreSummary
{
    /// <summary>The score's name (<see cref="IOodScore.Name"/>).</summary>
    public required string Name { get; init; }

    /// <summary>Which way the score points.</summary>
    public required ScoreDirection Direction { get; init; }

    /// <summary>The score's unit.</summary>
    public required string Unit { get; init; }

    /// <summary>Mean score per set name.</summary>
    public required IReadOnlyDictionary<string, double> Mean { get; init; }

    /// <summary>Every metric per OOD set name.</summary>
    public required IReadOnlyDictionary<string, OodMetrics> Metrics { get; init; }

    /// <summary>The typicality batch test per OOD set name (typicality only; else empty).</summary>
    public IReadOnlyDictionary<string, TypicalityBatchResult> BatchTest { get; init; } = new Dictionary<string, TypicalityBatchResult>();

    /// <summary>The ROC figure, relative to the report's folder; null when none was drawn.</summary>
    public string? RocFile { get; init; }
}
