using Flows.Kernels;

namespace Flows.Core.Evaluation;

/// <summary>
/// Percentile-bootstrap confidence interval for AUROC: each resample draws n_in in-distribution and n_ood OOD
/// scores with replacement (the two sets separately, as they are independent samples), computes AUROC with
/// mid-rank ties, and the interval is the (1−level)/2 and (1+level)/2 quantiles of the B resampled AUROCs.
/// <para>
/// Why it is fast: AUROC depends only on how many samples of each set fall in each run of tied scores, so the
/// scores are sorted and grouped once (<see cref="ScoreRanking"/>) and a resample is a histogram of drawn group
/// indices followed by one pass over the groups: O(n + groups) per resample, no sorting.
/// </para>
/// <para>
/// Why it is deterministic: resample b uses the key k_b = CounterRng.Hash(seed, b); its i-th in-distribution draw is
/// the ⌊Hash(k_b, i)·n_in / 2^64⌋-th score of the in-distribution set sorted from most to least in-distribution,
/// and its j-th OOD draw the ⌊Hash(k_b, n_in + j)·n_ood / 2^64⌋-th of the sorted OOD set. Each resample is a pure
/// function of (seed, b, the score values), so the result does not depend on thread count, process or input order.
/// (The multiply-shift map has a bias below n/2^64, negligible.)
/// </para>
/// </summary>
public static class AurocBootstrap
{
    /// <summary>The percentile-bootstrap interval for AUROC of <paramref name="inDistScores"/> vs <paramref name="oodScores"/>.</summary>
    /// <exception cref="ArgumentException">A set is empty or holds NaN, the direction is undefined, or a setting is out of range.</exception>
    public static ConfidenceInterval Compute(
        IReadOnlyList<double> inDistScores, IReadOnlyList<double> oodScores, ScoreDirection direction, BootstrapSettings? settings = null)
    {
        settings ??= BootstrapSettings.Default;
        settings.Validate(nameof(settings));
        var ranking = ScoreRanking.Build(inDistScores, oodScores, direction, nameof(inDistScores), nameof(oodScores));
        return Interval(ranking, settings);
    }

    /// <summary>
    /// The B resampled AUROCs in resample order (resample b at index b), for plotting the bootstrap distribution
    /// or another interval rule. <see cref="BootstrapSettings.ConfidenceLevel"/> is not used.
    /// </summary>
    /// <exception cref="ArgumentException">A set is empty or holds NaN, the direction is undefined, or a setting is out of range.</exception>
    public static double[] ResampledAurocs(
        IReadOnlyList<double> inDistScores, IReadOnlyList<double> oodScores, ScoreDirection direction, BootstrapSettings? settings = null)
    {
        settings ??= BootstrapSettings.Default;
        settings.Validate(nameof(settings));
        var ranking = ScoreRanking.Build(inDistScores, oodScores, direction, nameof(inDistScores), nameof(oodScores));
        return Resample(ranking, settings);
    }

    internal static ConfidenceInterval Interval(ScoreRanking ranking, BootstrapSettings settings)
    {
        var aurocs = Resample(ranking, settings);
        Array.Sort(aurocs);
        double alpha = (1 - settings.ConfidenceLevel) / 2;
        return new ConfidenceInterval(Quantile(aurocs, alpha), Quantile(aurocs, 1 - alpha), settings.ConfidenceLevel);
    }

    /// <summary>
    /// numpy's default quantile (linear interpolation, "type 7"): position h = (B−1)·q between order statistics,
    /// so the interval matches <c>np.percentile(aurocs, [2.5, 97.5])</c> on the same resamples.
    /// </summary>
    internal static double Quantile(double[] sorted, double q)
    {
        double h = (sorted.Length - 1) * q;
        int lo = (int)Math.Floor(h);
        if (lo >= sorted.Length - 1) return sorted[^1];
        return sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]);
    }

    private static double[] Resample(ScoreRanking ranking, BootstrapSettings settings)
    {
        int nIn = ranking.In.Length, nOod = ranking.Ood.Length, groups = ranking.GroupCount;
        var inGroupOf = ranking.InGroupOf;
        var oodGroupOf = ranking.OodGroupOf;
        double denominator = 2.0 * nIn * nOod;
        var aurocs = new double[settings.Resamples];
        var options = new ParallelOptions { MaxDegreeOfParallelism = settings.MaxDegreeOfParallelism };
        // One pair of count buffers per worker, reused across that worker's resamples (no per-resample allocation).
        Parallel.For(0, settings.Resamples, options,
            () => (In: new int[groups], Ood: new int[groups]),
            (b, _, counts) =>
            {
                Array.Clear(counts.In);
                Array.Clear(counts.Ood);
                ulong key = CounterRng.Hash(settings.Seed, (ulong)b);
                for (int i = 0; i < nIn; i++)
                    counts.In[inGroupOf[Draw(key, (ulong)i, nIn)]]++;
                for (int j = 0; j < nOod; j++)
                    counts.Ood[oodGroupOf[Draw(key, (ulong)(nIn + j), nOod)]]++;
                aurocs[b] = ScoreRanking.TwiceU(counts.In, counts.Ood) / denominator;
                return counts;
            },
            _ => { });
        return aurocs;
    }

    /// <summary>An index uniform on [0, n): the high 64 bits of Hash·n (Lemire's multiply-shift, no division).</summary>
    private static int Draw(ulong key, ulong counter, int n) =>
        (int)Math.BigMul(CounterRng.Hash(key, counter), (ulong)n, out _);
}
