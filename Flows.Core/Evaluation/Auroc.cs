namespace Flows.Core.Evaluation;

/// <summary>
/// Area under the ROC curve for likelihood-based OOD detection, as the paper computes it with
/// <c>sklearn.roc_auc_score</c>: in-distribution is the positive class and the score is the
/// log-likelihood, so AUROC = P(ll_in &gt; ll_ood) + ½·P(ll_in = ll_ood). Below 0.5 means the flow
/// gives the OOD set the higher likelihood.
/// </summary>
public static class Auroc
{
    /// <summary>
    /// Mann–Whitney rank-sum form: AUC = (Σ_{i ∈ in} rank_i − n_in(n_in+1)/2) / (n_in·n_ood), with
    /// tied scores sharing their average rank. O(n log n).
    /// </summary>
    public static double Compute(IReadOnlyList<double> inDistScores, IReadOnlyList<double> oodScores)
    {
        ArgumentNullException.ThrowIfNull(inDistScores);
        ArgumentNullException.ThrowIfNull(oodScores);
        if (inDistScores.Count == 0) throw new ArgumentException("AUROC needs at least one in-distribution score.", nameof(inDistScores));
        if (oodScores.Count == 0) throw new ArgumentException("AUROC needs at least one OOD score.", nameof(oodScores));
        CheckNoNaN(inDistScores, nameof(inDistScores));
        CheckNoNaN(oodScores, nameof(oodScores));

        int nIn = inDistScores.Count, nOod = oodScores.Count, n = nIn + nOod;
        var scores = new double[n];
        var isIn = new bool[n];
        for (int i = 0; i < nIn; i++) { scores[i] = inDistScores[i]; isIn[i] = true; }
        for (int j = 0; j < nOod; j++) scores[nIn + j] = oodScores[j];
        Array.Sort(scores, isIn);

        // Walk runs of equal scores; every member of a run gets the run's average 1-based rank.
        double rankSumIn = 0;
        for (int start = 0; start < n;)
        {
            int end = start;
            while (end + 1 < n && scores[end + 1] == scores[start]) end++;
            double midRank = (start + end) / 2.0 + 1.0;
            for (int k = start; k <= end; k++)
                if (isIn[k]) rankSumIn += midRank;
            start = end + 1;
        }
        double u = rankSumIn - nIn * (nIn + 1.0) / 2.0;
        return u / ((double)nIn * nOod);
    }

    private static void CheckNoNaN(IReadOnlyList<double> scores, string name)
    {
        for (int i = 0; i < scores.Count; i++)
            if (double.IsNaN(scores[i]))
                throw new ArgumentException(
                    $"Score {i} of {name} is NaN; the model produced an invalid log-likelihood for that image (check the model for numerical trouble).",
                    name);
    }
}
