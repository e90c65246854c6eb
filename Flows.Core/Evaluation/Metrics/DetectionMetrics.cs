namespace Flows.Core.Evaluation;

/// <summary>
/// Threshold-free OOD detection metrics of an in-distribution score set against an OOD score set, for a score of
/// either direction. In-distribution is the positive class throughout (except AUPR-Out), as in the paper and
/// in the usual OOD benchmarks. Scores are validated (non-empty, no NaN; ±∞ are fine) and oriented once
/// (<see cref="ScoreDirection"/>), so <c>f(s, HigherIsOod)</c> equals <c>f(−s, HigherIsInDistribution)</c> exactly.
/// </summary>
public static class DetectionMetrics
{
    /// <summary>
    /// Area under the ROC curve = P(in more in-distribution than ood) + ½·P(tie): the Mann–Whitney U with mid-rank
    /// ties, as <c>sklearn.metrics.roc_auc_score</c> computes it. 0.5 is chance; below 0.5 the score ranks the OOD
    /// set as more in-distribution (the paper's FashionMNIST → MNIST result).
    /// </summary>
    /// <exception cref="ArgumentException">A set is empty or holds NaN, or the direction is undefined.</exception>
    public static double Auroc(IReadOnlyList<double> inDistScores, IReadOnlyList<double> oodScores, ScoreDirection direction) =>
        Rank(inDistScores, oodScores, direction).Auroc();

    /// <summary>
    /// Area under the precision–recall curve with in-distribution positive, as sklearn's
    /// <c>average_precision_score(y_in, score)</c>: Σ_n (R_n − R_{n−1})·P_n over the distinct thresholds (tied
    /// scores form one threshold), step-wise, no trapezoid. Chance level is n_in / (n_in + n_ood).
    /// </summary>
    /// <exception cref="ArgumentException">A set is empty or holds NaN, or the direction is undefined.</exception>
    public static double AuprIn(IReadOnlyList<double> inDistScores, IReadOnlyList<double> oodScores, ScoreDirection direction) =>
        Rank(inDistScores, oodScores, direction).AuprIn();

    /// <summary>
    /// The same with OOD positive and the score turned to point at OOD: sklearn's
    /// <c>average_precision_score(y_ood, −oriented score)</c>. Chance level is n_ood / (n_in + n_ood).
    /// </summary>
    /// <exception cref="ArgumentException">A set is empty or holds NaN, or the direction is undefined.</exception>
    public static double AuprOut(IReadOnlyList<double> inDistScores, IReadOnlyList<double> oodScores, ScoreDirection direction) =>
        Rank(inDistScores, oodScores, direction).AuprOut();

    /// <summary>
    /// The fraction of OOD samples accepted when the threshold keeps <paramref name="targetTpr"/> of the
    /// in-distribution samples: t is the strictest threshold with TPR(t) ≥ targetTpr on <paramref name="inDistScores"/>
    /// (the rule of <see cref="CalibratedThreshold.Calibrate"/>, no interpolation), and the result is
    /// #{ood accepted at t}/n_ood, OOD samples tied with t counting as accepted.
    /// </summary>
    /// <exception cref="ArgumentException">A set is empty or holds NaN, targetTpr is outside (0, 1], or the direction is undefined.</exception>
    public static double FprAtTpr(
        IReadOnlyList<double> inDistScores, IReadOnlyList<double> oodScores, ScoreDirection direction,
        double targetTpr = CalibratedThreshold.DefaultTargetTpr)
    {
        OrientedScores.CheckTargetTpr(targetTpr, nameof(targetTpr));
        return FprAtTpr(Rank(inDistScores, oodScores, direction), targetTpr);
    }

    /// <summary>FPR at 95% TPR (<see cref="FprAtTpr(IReadOnlyList{double}, IReadOnlyList{double}, ScoreDirection, double)"/> with 0.95), the usual "FPR95" of OOD benchmarks.</summary>
    /// <exception cref="ArgumentException">A set is empty or holds NaN, or the direction is undefined.</exception>
    public static double Fpr95(IReadOnlyList<double> inDistScores, IReadOnlyList<double> oodScores, ScoreDirection direction) =>
        FprAtTpr(inDistScores, oodScores, direction, 0.95);

    internal static double FprAtTpr(ScoreRanking ranking, double targetTpr)
    {
        double t = CalibratedThreshold.OrientedThresholdAt(ranking.In, targetTpr);
        return (double)OrientedScores.CountAtOrAbove(ranking.Ood, t) / ranking.Ood.Length;
    }

    private static ScoreRanking Rank(IReadOnlyList<double> inDistScores, IReadOnlyList<double> oodScores, ScoreDirection direction) =>
        ScoreRanking.Build(inDistScores, oodScores, direction, nameof(inDistScores), nameof(oodScores));
}
