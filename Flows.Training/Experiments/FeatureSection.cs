using System.Globalization;
using System.Text;

namespace Flows.Training.Experiments;

/// <summary>
/// The report's "E10 — flows on semantic features" section: per in-distribution → OOD pair the pixel flow's AUROC beside
/// the feature flow's, what each flow was (extractor, vectors, steps), the sets left out, and the §8 claim checks.
/// </summary>
internal static class FeatureSection
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public const string Title = "## E10 — flows on semantic features";

    public static void Render(StringBuilder sb, IReadOnlyList<FeatureResult> results, IReadOnlyList<FeatureRun> planned,
                              IReadOnlyDictionary<string, string> failures, string reportDir)
    {
        if (planned.Count == 0) return;
        sb.Append(Title).Append("\n\n");
        sb.Append("The paper's cure (§8, docs/MODELS.md §2 E10): the same likelihood test on semantic features instead of pixels. Each image is ");
        sb.Append("embedded by an ImageNet ResNet-18 (our ONNX import, run by our engine; grayscale images replicated to 3 channels and ");
        sb.Append("resized to the extractor's input), a tabular RealNVP is trained on the in-distribution training embeddings, and the test ");
        sb.Append("embeddings of every set are scored by likelihood. The pixel column is a pixel flow trained on the same in-distribution set: ");
        sb.Append("for FashionMNIST the comparison's `realnvp` run; for CIFAR-10 a multi-scale RealNVP of the same blocks, channels and steps on ");
        sb.Append("3×32×32, which scores the 1×28×28 sets replicated to 3 channels and zero-padded by 2 pixels on each side (padding, not ");
        sb.Append("resizing, so no pixel value is smoothed: smoother images would get a higher likelihood for a reason that is not the data ");
        sb.Append("set). The paper used 1792-d EfficientNet embeddings of CIFAR-10, SVHN and CelebA; ours are 512-d ResNet-18 ones.\n\n");

        sb.Append(Inv, $"- Runs finished: {results.Count} of {planned.Count} planned ({string.Join(", ", planned.Select(p => p.Id))}).\n");
        foreach (var (id, reason) in failures.Where(f => planned.Any(p => p.Id == f.Key)))
            sb.Append(Inv, $"- **{id} failed**: {reason}\n");
        foreach (var r in results)
        {
            var s = r.Features.Summary;
            var c = r.Run.FeatureConfig;
            sb.Append(Inv, $"- **{r.Run.Id}**: extractor {s.Extractor}; feature flow {c.Model.Name} ({c.Model.Couplings} couplings, hidden {c.Model.Hidden}, {c.Model.Layers} layers) ");
            sb.Append(Inv, $"trained on {s.TrainVectors:N0} {r.Run.InDistribution} training vectors for {s.Steps:N0} steps (batch {c.BatchSize}, lr {c.LearningRate:G3}); ");
            sb.Append(Inv, $"scored on {Counts(r)}; embedding {s.EmbedSeconds:F0} s, flow {s.FlowSeconds:F0} s. ");
            sb.Append(Inv, $"Pixel flow: {r.Pixel.Description}");
            if (r.Pixel.Report is not null) sb.Append(Inv, $", {r.Pixel.Parameters:N0} parameters, {r.Pixel.Steps:N0} steps");
            sb.Append(Inv, $". Reports: `{Rel(reportDir, r.Features.ReportPath)}`");
            if (r.Pixel.ReportPath is not null) sb.Append(Inv, $", `{Rel(reportDir, r.Pixel.ReportPath)}`");
            sb.Append(".\n");
            foreach (var (set, reason) in r.Run.Skipped)
                sb.Append(Inv, $"  - {set} skipped: {reason}.\n");
        }
        sb.Append('\n');

        sb.Append("| in-distribution | OOD set | pixel flow | pixel AUROC | feature AUROC | feature > pixel | feature ≥ ")
          .Append(FeatureClaims.HighAuroc.ToString("F1", Inv)).Append(" |\n|---|---|---|---:|---:|:---:|:---:|\n");
        foreach (var r in results)
            foreach (var p in r.Pairs)
            {
                string better = double.IsFinite(p.PixelAuroc) && double.IsFinite(p.FeatureAuroc) ? (p.FeatureAuroc > p.PixelAuroc ? "yes" : "no") : "—";
                string high = double.IsFinite(p.FeatureAuroc) ? (p.FeatureAuroc >= FeatureClaims.HighAuroc ? "yes" : "no") : "—";
                sb.Append(Inv, $"| {p.InDistribution} | {p.Ood} | {r.Pixel.RunId} | {ReproductionReport.F(p.PixelAuroc)} | {ReproductionReport.F(p.FeatureAuroc)} | {better} | {high} |\n");
            }
        sb.Append('\n');

        sb.Append("### Claims (E10)\n\n");
        foreach (var claim in FeatureClaims.Evaluate(results))
            sb.Append(Inv, $"- **{claim.Title}** — {claim.Verdict}. {claim.Detail}\n");
        sb.Append('\n');
    }

    private static string Counts(FeatureResult r) =>
        string.Join(", ", r.Features.Report.Counts.Select(kv => string.Create(Inv, $"{kv.Value:N0} {kv.Key}")));

    private static string Rel(string reportDir, string path) => Path.GetRelativePath(reportDir, Path.GetFullPath(path)).Replace('\\', '/');
}
