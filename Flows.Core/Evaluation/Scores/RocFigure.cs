using Flows.Core.Figures;

namespace Flows.Core.Evaluation;

/// <summary>ROC curves of one score, one line per OOD set plus the chance diagonal, as <c>roc_SCORE.png</c> beside the histogram.</summary>
public static class RocFigure
{
    /// <summary>Draws the figure into <paramref name="directory"/> and returns its file name (null when there is no OOD set).</summary>
    public static string? Save(string directory, ScoreSummary score, IReadOnlyList<ScoredSetTable> sets, string title)
    {
        ArgumentNullException.ThrowIfNull(score);
        ArgumentNullException.ThrowIfNull(sets);
        var inSet = sets.Single(s => s.Role == "in-distribution");
        var series = new List<CurveSeries>();
        foreach (var ood in sets.Where(s => s.Role == "ood"))
        {
            var (fpr, tpr) = RocCurve.Compute(inSet.Scores[score.Name], ood.Scores[score.Name], score.Direction);
            string auroc = score.Metrics.TryGetValue(ood.Name, out var m) ? $" (AUROC {m.Auroc:F3})" : "";
            series.Add(new CurveSeries(ood.Name + auroc, fpr, tpr));
        }
        if (series.Count == 0) return null;
        series.Add(new CurveSeries("chance", [0, 1], [0, 1]));
        string file = $"roc_{score.Name}.png";
        CurvePlot.Save(Path.Combine(directory, file), series, "false positive rate (OOD accepted)", "true positive rate (in-distribution accepted)",
            $"{title}: ROC of {score.Name}");
        return file;
    }
}
