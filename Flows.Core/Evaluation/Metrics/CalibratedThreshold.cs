using System.Globalization;

namespace Flows.Core.Evaluation;

/// <summary>
/// A decision threshold on one score, in that score's own units and direction: a sample is accepted as
/// in-distribution when <c>score ≥ Threshold</c> for a <see cref="ScoreDirection.HigherIsInDistribution"/> score and
/// when <c>score ≤ Threshold</c> for a <see cref="ScoreDirection.HigherIsOod"/> score (<see cref="Rule"/> says which).
/// Calibrate it on in-distribution <em>validation</em> scores, then measure it on the test set and each OOD set:
/// its TPR on in-distribution data and its FPR (the fraction of OOD samples wrongly accepted) on OOD data.
/// </summary>
public sealed class CalibratedThreshold
{
    /// <summary>The default target: keep 95% of in-distribution samples, as FPR95 does.</summary>
    public const double DefaultTargetTpr = 0.95;

    /// <summary>A threshold given directly (e.g. read back from a report).</summary>
    /// <exception cref="ArgumentException">The threshold is NaN or the direction is not a <see cref="ScoreDirection"/>.</exception>
    public CalibratedThreshold(double threshold, ScoreDirection direction)
    {
        OrientedScores.CheckDirection(direction);
        if (double.IsNaN(threshold))
            throw new ArgumentException("The threshold is NaN; a threshold must be a number (±∞ are allowed).", nameof(threshold));
        Threshold = threshold;
        Direction = direction;
    }

    /// <summary>The threshold, in the score's own units.</summary>
    public double Threshold { get; }

    /// <summary>The direction of the score the threshold applies to.</summary>
    public ScoreDirection Direction { get; }

    /// <summary>The decision rule in words, e.g. "accept as in-distribution if score ≥ -812.5".</summary>
    public string Rule =>
        $"accept as in-distribution if score {(Direction == ScoreDirection.HigherIsInDistribution ? "≥" : "≤")} {Threshold.ToString("R", CultureInfo.InvariantCulture)}";

    /// <summary>Whether the rule accepts <paramref name="score"/> as in-distribution.</summary>
    /// <exception cref="ArgumentException">The score is NaN (it can be neither accepted nor rejected honestly).</exception>
    public bool Accepts(double score)
    {
        if (double.IsNaN(score))
            throw new ArgumentException("The score is NaN; a NaN score cannot be compared with a threshold.", nameof(score));
        return Direction == ScoreDirection.HigherIsInDistribution ? score >= Threshold : score <= Threshold;
    }

    /// <summary>The fraction of in-distribution samples the rule accepts (TPR, in-distribution positive).</summary>
    public double TruePositiveRate(IReadOnlyList<double> inDistScores) =>
        AcceptedFraction(inDistScores, nameof(inDistScores), "in-distribution scores");

    /// <summary>The fraction of OOD samples the rule wrongly accepts (FPR).</summary>
    public double FalsePositiveRate(IReadOnlyList<double> oodScores) =>
        AcceptedFraction(oodScores, nameof(oodScores), "OOD scores");

    private double AcceptedFraction(IReadOnlyList<double> scores, string paramName, string description)
    {
        // Oriented, the rule is always "oriented ≥ oriented threshold"; the orientation is applied in one place.
        var oriented = OrientedScores.Orient(scores, Direction, paramName, description);
        double t = OrientedScores.Reorient(Threshold, Direction);
        int accepted = 0;
        foreach (double s in oriented) if (s >= t) accepted++;
        return (double)accepted / oriented.Length;
    }

    /// <summary>
    /// The threshold that keeps at least <paramref name="targetTpr"/> of the validation scores, chosen as the
    /// <em>strictest</em> one that does: the largest (oriented) t such that TPR(t) = #{v ≥ t}/n ≥ targetTpr, with
    /// TPR computed as a double division. t is always one of the validation scores: with the scores sorted from
    /// most to least in-distribution, it is the k-th, k the smallest count with k/n ≥ targetTpr, and samples tied
    /// with it are all accepted (so the validation TPR can exceed the target when there are ties at t).
    /// This is the rule of the usual OOD-benchmark code (the first ROC point with TPR ≥ 0.95, no interpolation).
    /// </summary>
    /// <exception cref="ArgumentException">The validation set is empty or holds NaN, or targetTpr is outside (0, 1].</exception>
    public static CalibratedThreshold Calibrate(
        IReadOnlyList<double> validationInDistScores, ScoreDirection direction, double targetTpr = DefaultTargetTpr)
    {
        OrientedScores.CheckTargetTpr(targetTpr, nameof(targetTpr));
        var descending = OrientedScores.OrientDescending(
            validationInDistScores, direction, nameof(validationInDistScores), "in-distribution validation scores");
        return new CalibratedThreshold(OrientedScores.Reorient(OrientedThresholdAt(descending, targetTpr), direction), direction);
    }

    /// <summary>The rule of <see cref="Calibrate"/> on oriented scores sorted descending; targetTpr already checked.</summary>
    internal static double OrientedThresholdAt(double[] descending, double targetTpr)
    {
        int n = descending.Length;
        // Start from the exact-arithmetic answer and correct for rounding of targetTpr·n, so the test is
        // literally "k/n ≥ targetTpr" in doubles (19/20 ≥ 0.95 holds: both round to the same double).
        int k = Math.Clamp((int)Math.Ceiling(targetTpr * n), 1, n);
        while (k > 1 && (double)(k - 1) / n >= targetTpr) k--;
        while (k < n && (double)k / n < targetTpr) k++;
        return descending[k - 1];
    }

    /// <inheritdoc />
    public override string ToString() => Rule;
}
