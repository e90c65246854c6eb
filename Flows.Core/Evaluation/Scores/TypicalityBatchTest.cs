namespace Flows.Core.Evaluation;

/// <summary>
/// The batch form of the typicality test (Nalisnick et al. 2019, §3): for consecutive, non-overlapping batches of
/// M samples of a set, the statistic |mean over the batch of −ll − Ĥ|. A trailing partial batch is dropped, so a
/// set of n samples gives ⌊n / M⌋ statistics. Higher is OOD; <see cref="Compute"/> gives its AUROC (in-distribution
/// batches positive), a different quantity from the per-sample typicality AUROC.
/// </summary>
public static class TypicalityBatchTest
{
    /// <summary>One statistic per whole batch of <paramref name="batchSize"/> consecutive log-likelihoods.</summary>
    public static double[] Statistics(IReadOnlyList<double> logLikelihoods, double entropy, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(logLikelihoods);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var stats = new double[logLikelihoods.Count / batchSize];
        for (int b = 0; b < stats.Length; b++)
        {
            double sum = 0;
            for (int i = b * batchSize; i < (b + 1) * batchSize; i++) sum -= logLikelihoods[i];
            stats[b] = Math.Abs(sum / batchSize - entropy);
        }
        return stats;
    }

    /// <summary>
    /// The batch test of one OOD set: the batch statistics of both sets and their AUROC, or NaN AUROC when a set
    /// has fewer than <paramref name="batchSize"/> samples (no whole batch).
    /// </summary>
    public static TypicalityBatchResult Compute(IReadOnlyList<double> inDistLogLikelihoods, IReadOnlyList<double> oodLogLikelihoods,
                                                double entropy, int batchSize)
    {
        var inStats = Statistics(inDistLogLikelihoods, entropy, batchSize);
        var oodStats = Statistics(oodLogLikelihoods, entropy, batchSize);
        double auroc = inStats.Length == 0 || oodStats.Length == 0
            ? double.NaN
            : DetectionMetrics.Auroc(inStats, oodStats, ScoreDirection.HigherIsOod);
        return new TypicalityBatchResult(batchSize, inStats.Length, oodStats.Length, auroc);
    }
}

/// <summary>The typicality batch test on one OOD set: batch size M, whole batches per set, and the AUROC (NaN: no whole batch).</summary>
public sealed record TypicalityBatchResult(int BatchSize, int InDistBatches, int OodBatches, double Auroc);
