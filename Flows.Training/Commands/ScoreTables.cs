using System.Globalization;
using Flows.Core.Evaluation;
using Flows.Training.Cli;
using Spectre.Console;

namespace Flows.Training.Commands;

/// <summary>One terminal table per OOD score of a report: mean per set and every metric per OOD set (docs/METRICS.md).</summary>
public static class ScoreTables
{
    /// <summary>Prints the tables through <see cref="Terminal.Write"/>; nothing for a report without scores.</summary>
    public static void Print(OodReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        foreach (var s in report.Scores)
        {
            string dir = s.Direction == ScoreDirection.HigherIsOod ? "higher is OOD" : "higher is in-distribution";
            var table = new Table().Title(Markup.Escape($"score {s.Name} ({s.Unit}, {dir})"));
            table.AddColumn("set");
            foreach (var c in new[] { "mean", "AUROC", "95% CI", "AUPR-In", "AUPR-Out", "FPR95", "threshold", "TPR/FPR at thr." })
                table.AddColumn(new TableColumn(c).RightAligned());
            bool batch = s.BatchTest.Count > 0;
            if (batch) table.AddColumn(new TableColumn($"batch AUROC (M={s.BatchTest.Values.First().BatchSize})").RightAligned());
            foreach (var (set, mean) in s.Mean.Where(kv => !s.Metrics.ContainsKey(kv.Key)))
            {
                string role = set == report.InDistribution ? " (test)" : report.Validation?.Name == set ? " (validation)" : "";
                table.AddRow([Markup.Escape(set + role), F(mean, "F3"), "", "", "", "", "", "", "", .. batch ? new[] { "" } : []]);
            }
            foreach (var (set, m) in s.Metrics)
                table.AddRow([Markup.Escape(set), F(s.Mean.GetValueOrDefault(set, double.NaN), "F3"), F(m.Auroc, "F4"),
                    $"[{F(m.AurocLow, "F3")}, {F(m.AurocHigh, "F3")}]", F(m.AuprIn, "F4"), F(m.AuprOut, "F4"), F(m.Fpr95, "F4"),
                    F(m.Threshold, "G5"), $"{F(m.ThresholdTpr, "F3")}/{F(m.ThresholdFpr, "F3")}",
                    .. batch ? new[] { s.BatchTest.TryGetValue(set, out var b) ? F(b.Auroc, "F4") : "—" } : []]);
            Terminal.Write(table);
        }
        if (report.Scores.Count > 0)
            Console.WriteLine(report.Validation is { } v
                ? $"thresholds: calibrated on {v.Name} (TPR {F(report.Scores[0].Metrics.Values.FirstOrDefault()?.TargetTpr ?? double.NaN, "F2")}){(v.DisjointFromTraining ? "" : ", which the model trained on")}; BatchNorm: {report.BatchNorm}"
                : $"thresholds: calibrated on the in-distribution test set (no --val); BatchNorm: {report.BatchNorm}");
    }

    private static string F(double v, string format) =>
        double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : v.ToString(CultureInfo.InvariantCulture);
}
