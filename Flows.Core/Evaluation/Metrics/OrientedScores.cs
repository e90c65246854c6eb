using System.Globalization;

namespace Flows.Core.Evaluation;

/// <summary>
/// The one place where a score's direction is applied and its values are checked. Every metric works on
/// "oriented" scores, where higher always means more in-distribution: a <see cref="ScoreDirection.HigherIsOod"/>
/// score is negated here, once, and nowhere else. Negation is exact in IEEE arithmetic, so an oriented metric of
/// −s equals the metric of s with the opposite direction bit for bit.
/// </summary>
internal static class OrientedScores
{
    /// <summary>
    /// Copies <paramref name="scores"/> into a new array, oriented so higher = in-distribution. Rejects null,
    /// an empty set and NaN (which has no place in an ordering); ±∞ are ordered like any other value.
    /// </summary>
    /// <param name="description">How the set is named in messages, e.g. "OOD scores".</param>
    public static double[] Orient(IReadOnlyList<double> scores, ScoreDirection direction, string paramName, string description)
    {
        ArgumentNullException.ThrowIfNull(scores, paramName);
        CheckDirection(direction);
        if (scores.Count == 0)
            throw new ArgumentException($"The {description} are empty; OOD metrics need at least one score in each set.", paramName);
        bool negate = direction == ScoreDirection.HigherIsOod;
        var oriented = new double[scores.Count];
        for (int i = 0; i < oriented.Length; i++)
        {
            double s = scores[i];
            if (double.IsNaN(s))
                throw new ArgumentException(
                    $"Score {i} of the {description} is NaN; the model produced an invalid score for that sample (check it for numerical trouble).",
                    paramName);
            oriented[i] = negate ? -s : s;
        }
        return oriented;
    }

    /// <summary>Oriented scores sorted descending (most in-distribution first).</summary>
    public static double[] OrientDescending(IReadOnlyList<double> scores, ScoreDirection direction, string paramName, string description)
    {
        var oriented = Orient(scores, direction, paramName, description);
        Array.Sort(oriented);
        Array.Reverse(oriented);
        return oriented;
    }

    /// <summary>Maps a value between the score's own units and oriented units, either way (negation is its own inverse).</summary>
    public static double Reorient(double value, ScoreDirection direction) =>
        direction == ScoreDirection.HigherIsOod ? -value : value;

    public static void CheckDirection(ScoreDirection direction)
    {
        if (direction is not (ScoreDirection.HigherIsInDistribution or ScoreDirection.HigherIsOod))
            throw new ArgumentException(
                $"Score direction {(int)direction} is not a ScoreDirection; use HigherIsInDistribution or HigherIsOod.", nameof(direction));
    }

    /// <summary>A target TPR must be a fraction of in-distribution samples to accept: (0, 1]; NaN fails too.</summary>
    public static void CheckTargetTpr(double targetTpr, string paramName)
    {
        if (!(targetTpr > 0 && targetTpr <= 1))
            throw new ArgumentException(
                $"Target TPR {targetTpr.ToString("R", CultureInfo.InvariantCulture)} is outside (0, 1]; give the fraction of in-distribution samples to accept, such as 0.95.",
                paramName);
    }

    /// <summary>#{i : descending[i] ≥ t} by binary search on a descending array.</summary>
    public static int CountAtOrAbove(double[] descending, double t)
    {
        int lo = 0, hi = descending.Length; // invariant: [0, lo) are ≥ t, [hi, n) are < t
        while (lo < hi)
        {
            int mid = lo + ((hi - lo) >> 1);
            if (descending[mid] >= t) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}
