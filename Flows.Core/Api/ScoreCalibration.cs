using Flows.Core.Evaluation;

namespace Flows.Core.Api;

/// <summary>
/// One score's calibration: the threshold that keeps <see cref="TargetTpr"/> of the in-distribution validation scores
/// (<see cref="CalibratedThreshold.Calibrate"/>), and those scores themselves, the empirical distribution p-values are
/// read from.
/// </summary>
public sealed class ScoreCalibration
{
    // Oriented (higher = more in-distribution), ascending: "at least as OOD as x" is a prefix, found by binary search.
    private readonly double[] _orientedAscending;

    /// <summary>Calibrates on the validation scores of one score.</summary>
    /// <exception cref="ArgumentException">No scores, a NaN among them, or a target TPR outside (0, 1].</exception>
    public ScoreCalibration(string name, ScoreDirection direction, IReadOnlyList<double> validationScores, double targetTpr)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        Threshold = CalibratedThreshold.Calibrate(validationScores, direction, targetTpr);
        TargetTpr = targetTpr;
        ValidationScores = validationScores.ToArray();
        _orientedAscending = ValidationScores.Select(v => Orient(v, direction)).Order().ToArray();
    }

    /// <summary>The score's name.</summary>
    public string Name { get; }

    /// <summary>The decision threshold, in the score's units and direction.</summary>
    public CalibratedThreshold Threshold { get; }

    /// <summary>The score's direction.</summary>
    public ScoreDirection Direction => Threshold.Direction;

    /// <summary>The fraction of in-distribution validation images the threshold was chosen to keep.</summary>
    public double TargetTpr { get; }

    /// <summary>The validation scores, in calibration order.</summary>
    public IReadOnlyList<double> ValidationScores { get; }

    /// <summary>
    /// (1 + #{v : v at least as OOD as <paramref name="score"/>}) / (n + 1): the +1 counts the scored image itself, as
    /// in a conformal p-value, so the result is never 0 and is in [1/(n+1), 1]. Monotone: a more in-distribution score
    /// never gets a smaller p-value. Ties count as "at least as OOD".
    /// </summary>
    /// <exception cref="ArgumentException">The score is NaN.</exception>
    public double PValue(double score)
    {
        if (double.IsNaN(score)) throw new ArgumentException($"the {Name} score is NaN; it has no p-value", nameof(score));
        double x = Orient(score, Direction);
        // Count of oriented validation scores ≤ x: the first index whose value exceeds x.
        int lo = 0, hi = _orientedAscending.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_orientedAscending[mid] <= x) lo = mid + 1; else hi = mid;
        }
        return (1.0 + lo) / (_orientedAscending.Length + 1.0);
    }

    private static double Orient(double score, ScoreDirection direction) =>
        direction == ScoreDirection.HigherIsInDistribution ? score : -score;
}
