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
            // Transposed (one column per set) so that several metrics fit an 80-column terminal.
            var inSets = s.Mean.Keys.Where(k => !s.Metrics.ContainsKey(k)).ToList();
            var oodSets = s.Metrics.Keys.ToList();
            table.AddColumn("");
            foreach (var set in inSets)
                table.AddColumn(new TableColumn(Markup.Escape(set + (set == report.InDistribution ? " (in)" : " (val)"))).RightAligned());
            foreach (var set in oodSets) table.AddColumn(new TableColumn(Markup.Escape(set)).RightAligned());
            string[] Row(string label, Func<OodMetrics, string> cell, string inCell = "") =>
                [label, .. inSets.Select(_ => inCell), .. oodSets.Select(o => Markup.Escape(cell(s.Metrics[o])))];
            table.AddRow([$"mean {Markup.Escape(s.Unit)}", .. inSets.Concat(oodSets).Select(k => F(s.Mean[k], "F3"))]);
            table.AddRow(Row("AUROC", m => F(m.Auroc, "F4")));
            table.AddRow(Row("AUROC 95% CI", m => $"{F(m.AurocLow, "F3")}-{F(m.AurocHigh, "F3")}"));
            table.AddRow(Row("AUPR-In", m => F(m.AuprIn, "F4")));
            table.AddRow(Row("AUPR-Out", m => F(m.AuprOut, "F4")));
            table.AddRow(Row("FPR95", m => F(m.Fpr95, "F4")));
            table.AddRow(Row("threshold", m => F(m.Threshold, "G6")));
            table.AddRow(Row("FPR at thr.", m => F(m.ThresholdFpr, "F4")));
            table.AddRow(Row("TPR at thr.", m => F(m.ThresholdTpr, "F4")));
            if (s.BatchTest.Count > 0)
                table.AddRow([$"batch AUROC M={s.BatchTest.Values.First().BatchSize}", .. inSets.Select(_ => ""),
                    .. oodSets.Select(o => s.BatchTest.TryGetValue(o, out var b) ? F(b.Auroc, "F4") : "—")]);
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
