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
    /// AUROC of log-likelihoods (higher = in-distribution): <see cref="DetectionMetrics.Auroc"/> with
    /// <see cref="ScoreDirection.HigherIsInDistribution"/>, the one implementation (the Mann–Whitney U with
    /// tied scores counting ½, computed exactly in integers from the sorted, grouped scores). O(n log n).
    /// For any other score, call <see cref="DetectionMetrics.Auroc"/> and name its direction.
    /// </summary>
    /// <exception cref="ArgumentException">A set is empty or holds NaN.</exception>
    public static double Compute(IReadOnlyList<double> inDistScores, IReadOnlyList<double> oodScores) =>
        DetectionMetrics.Auroc(inDistScores, oodScores, ScoreDirection.HigherIsInDistribution);
}
