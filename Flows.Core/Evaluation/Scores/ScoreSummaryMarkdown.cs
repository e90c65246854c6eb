using System.Globalization;
using System.Text;

namespace Flows.Core.Evaluation;

/// <summary>The "OOD scores" section of report.md: one table per score with every metric per OOD set (docs/METRICS.md).</summary>
internal static class ScoreSummaryMarkdown
{
    public static void Append(StringBuilder sb, OodReport r)
    {
        if (r.Scores.Count == 0) return;
        var inv = CultureInfo.InvariantCulture;
        sb.Append("\n## OOD scores\n\n");
        sb.Append(inv, $"BatchNorm statistics: {r.BatchNorm}. ");
        if (r.Validation is { } v)
        {
            sb.Append(inv, $"Validation split: the last {v.Count} samples of {Escape(v.Source)} (from index {v.Start}), ");
            sb.Append(v.DisjointFromTraining ? "disjoint from the samples the model trained on. " : "**not** disjoint from the samples the model trained on (train without --train-limit covering them), so thresholds and Ĥ are optimistic. ");
            sb.Append("Thresholds are calibrated on it.");
        }
        else sb.Append("No validation split: thresholds are calibrated on the in-distribution test set (optimistic).");
        if (double.IsFinite(r.Entropy)) sb.Append(inv, $" Typicality's Ĥ = {r.Entropy:F2} nats.");
        if (r.ScoresFile is not null) sb.Append(inv, $" Per-sample scores: [{r.ScoresFile}]({r.ScoresFile}).");
        sb.Append("\n");
        foreach (var s in r.Scores)
        {
            string dir = s.Direction == ScoreDirection.HigherIsOod ? "higher is OOD" : "higher is in-distribution";
            sb.Append(inv, $"\n### {s.Name} ({s.Unit}, {dir})\n\n");
            sb.Append("| OOD set | mean | AUROC [95% CI] | AUPR-In | AUPR-Out | FPR95 | threshold | TPR / FPR at threshold |\n");
            sb.Append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
            foreach (var (set, m) in s.Metrics)
                sb.Append(inv, $"| {Escape(set)} | {F(s.Mean.GetValueOrDefault(set, double.NaN), "F3")} | {F(m.Auroc, "F3")} [{F(m.AurocLow, "F3")}, {F(m.AurocHigh, "F3")}] | {F(m.AuprIn, "F3")} | {F(m.AuprOut, "F3")} | {F(m.Fpr95, "F3")} | {F(m.Threshold, "G5")} | {F(m.ThresholdTpr, "F3")} / {F(m.ThresholdFpr, "F3")} |\n");
            sb.Append(inv, $"\nIn-distribution mean: {F(s.Mean.GetValueOrDefault(r.InDistribution, double.NaN), "F3")}.");
            if (s.Metrics.Count > 0) sb.Append(inv, $" Threshold for TPR {F(s.Metrics.Values.First().TargetTpr, "F2")}.");
            sb.Append("\n");
            foreach (var (set, b) in s.BatchTest)
                sb.Append(inv, $"\nBatch test (M = {b.BatchSize}) vs {Escape(set)}: AUROC {F(b.Auroc, "F3")} over {b.InDistBatches} in-distribution and {b.OodBatches} OOD batches.\n");
            if (s.RocFile is not null) sb.Append(inv, $"\n![ROC {s.Name}]({s.RocFile.Replace(" ", "%20", StringComparison.Ordinal)})\n");
        }
    }

    private static string F(double v, string format) =>
        double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : v.ToString(CultureInfo.InvariantCulture);

    private static string Escape(string s) => s.Replace("|", "\\|", StringComparison.Ordinal);
}
