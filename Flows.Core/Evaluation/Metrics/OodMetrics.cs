namespace Flows.Core.Evaluation;

/// <summary>Which in-distribution scores a threshold in <see cref="OodMetrics"/> was calibrated on.</summary>
public enum ThresholdSource
{
    /// <summary>A held-out in-distribution validation set: the honest choice, TPR and FPR are measured on unseen data.</summary>
    Validation = 0,

    /// <summary>No validation set was given, so the in-distribution test set itself: ThresholdTpr is then optimistic.</summary>
    InDistributionTest = 1,
}

/// <summary>
/// Every metric of one OOD score on one OOD set. Rates are fractions in [0, 1]; <see cref="Threshold"/> is in the
/// score's own units, applied as <c>accept if score ≥ Threshold</c> (HigherIsInDistribution) or
/// <c>score ≤ Threshold</c> (HigherIsOod).
/// </summary>
public sealed record OodMetrics
{
    /// <summary>The direction the score was read in.</summary>
    public required ScoreDirection Direction { get; init; }

    /// <summary>Number of in-distribution test scores.</summary>
    public required int InDistCount { get; init; }

    /// <summary>Number of OOD scores.</summary>
    public required int OodCount { get; init; }

    /// <summary>AUROC, in-distribution positive, mid-rank ties (<see cref="DetectionMetrics.Auroc"/>).</summary>
    public required double Auroc { get; init; }

    /// <summary>Lower bound of the percentile-bootstrap interval for AUROC (<see cref="AurocBootstrap"/>).</summary>
    public required double AurocLow { get; init; }

    /// <summary>Upper bound of the percentile-bootstrap interval for AUROC.</summary>
    public required double AurocHigh { get; init; }

    /// <summary>Coverage of [AurocLow, AurocHigh], e.g. 0.95.</summary>
    public required double AurocConfidenceLevel { get; init; }

    /// <summary>Average precision, in-distribution positive (<see cref="DetectionMetrics.AuprIn"/>).</summary>
    public required double AuprIn { get; init; }

    /// <summary>Average precision, OOD positive (<see cref="DetectionMetrics.AuprOut"/>).</summary>
    public required double AuprOut { get; init; }

    /// <summary>FPR at 95% TPR on the test sets (<see cref="DetectionMetrics.Fpr95"/>), always at 0.95 whatever <see cref="TargetTpr"/> is.</summary>
    public required double Fpr95 { get; init; }

    /// <summary>The target TPR the threshold was calibrated for.</summary>
    public required double TargetTpr { get; init; }

    /// <summary>The calibrated threshold, in the score's own units (<see cref="CalibratedThreshold.Calibrate"/>).</summary>
    public required double Threshold { get; init; }

    /// <summary>What the threshold was calibrated on.</summary>
    public required ThresholdSource ThresholdSource { get; init; }

    /// <summary>Fraction of the OOD set the threshold accepts.</summary>
    public required double ThresholdFpr { get; init; }

    /// <summary>Fraction of the in-distribution test set the threshold accepts.</summary>
    public required double ThresholdTpr { get; init; }

    /// <summary>The threshold as a decision rule (a method, so the record's JSON holds only numbers and enums).</summary>
    public CalibratedThreshold ToThresholdRule() => new(Threshold, Direction);

    /// <summary>
    /// All metrics of one score on one OOD set. The threshold is calibrated on <paramref name="inDistValidationScores"/>
    /// when given (else on the test scores, marked in <see cref="ThresholdSource"/>) to keep <paramref name="targetTpr"/>
    /// of them, then measured on the test and OOD sets. The scores are validated, oriented and sorted once.
    /// </summary>
    /// <exception cref="ArgumentException">A set is empty or holds NaN, targetTpr is outside (0, 1], the direction is undefined, or a bootstrap setting is out of range.</exception>
    public static OodMetrics Compute(
        IReadOnlyList<double> inDistTestScores,
        IReadOnlyList<double> oodScores,
        ScoreDirection direction,
        IReadOnlyList<double>? inDistValidationScores = null,
        double targetTpr = CalibratedThreshold.DefaultTargetTpr,
        BootstrapSettings? bootstrap = null)
    {
        // Check every argument before the (comparatively slow) bootstrap starts.
        OrientedScores.CheckTargetTpr(targetTpr, nameof(targetTpr));
        bootstrap ??= BootstrapSettings.Default;
        bootstrap.Validate(nameof(bootstrap));
        var ranking = ScoreRanking.Build(inDistTestScores, oodScores, direction,
            nameof(inDistTestScores), nameof(oodScores), "in-distribution test scores");
        var calibration = inDistValidationScores is null
            ? ranking.In
            : OrientedScores.OrientDescending(inDistValidationScores, direction, nameof(inDistValidationScores), "in-distribution validation scores");

        double t = CalibratedThreshold.OrientedThresholdAt(calibration, targetTpr);
        var interval = AurocBootstrap.Interval(ranking, bootstrap);
        return new OodMetrics
        {
            Direction = direction,
            InDistCount = ranking.In.Length,
            OodCount = ranking.Ood.Length,
            Auroc = ranking.Auroc(),
            AurocLow = interval.Low,
            AurocHigh = interval.High,
            AurocConfidenceLevel = interval.Level,
            AuprIn = ranking.AuprIn(),
            AuprOut = ranking.AuprOut(),
            Fpr95 = DetectionMetrics.FprAtTpr(ranking, 0.95),
            TargetTpr = targetTpr,
            Threshold = OrientedScores.Reorient(t, direction),
            ThresholdSource = inDistValidationScores is null ? ThresholdSource.InDistributionTest : ThresholdSource.Validation,
            ThresholdFpr = (double)OrientedScores.CountAtOrAbove(ranking.Ood, t) / ranking.Ood.Length,
            ThresholdTpr = (double)OrientedScores.CountAtOrAbove(ranking.In, t) / ranking.In.Length,
        };
    }
}
