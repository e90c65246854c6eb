namespace Flows.Core.Evaluation;

/// <summary>
/// The ROC curve of a score, in-distribution positive (docs/METRICS.md): one point per distinct threshold, from
/// (0, 0) to (1, 1), tied scores taken together (sklearn's <c>roc_curve(drop_intermediate=False)</c> plus the origin).
/// </summary>
public static class RocCurve
{
    /// <summary>(FPR, TPR) points in order of a loosening threshold, one per group of tied scores after the origin.</summary>
    public static (double[] Fpr, double[] Tpr) Compute(IReadOnlyList<double> inDistScores, IReadOnlyList<double> oodScores, ScoreDirection direction)
    {
        var ranking = ScoreRanking.Build(inDistScores, oodScores, direction, nameof(inDistScores), nameof(oodScores), "in-distribution scores");
        var fpr = new double[ranking.GroupCount + 1];
        var tpr = new double[ranking.GroupCount + 1];
        long tp = 0, fp = 0;
        for (int g = 0; g < ranking.GroupCount; g++)
        {
            tp += ranking.InCounts[g];
            fp += ranking.OodCounts[g];
            tpr[g + 1] = (double)tp / ranking.In.Length;
            fpr[g + 1] = (double)fp / ranking.Ood.Length;
        }
        return (fpr, tpr);
    }
}
