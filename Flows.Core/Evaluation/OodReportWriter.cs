using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Flows.Core.Checkpoints;

namespace Flows.Core.Evaluation;

/// <summary>
/// Writes an <see cref="OodReport"/> as <c>report.json</c> (for scripts and CI) and <c>report.md</c>
/// (for people), both atomically.
/// </summary>
public static class OodReportWriter
{
    public const string JsonFileName = "report.json";
    public const string MarkdownFileName = "report.md";

    /// <summary>Writes both files into <paramref name="dir"/> (created if missing); returns the JSON path.</summary>
    public static string Write(string dir, OodReport report)
    {
        ArgumentException.ThrowIfNullOrEmpty(dir);
        ArgumentNullException.ThrowIfNull(report);
        Validate(report);
        string jsonPath = Path.Combine(dir, JsonFileName);
        AtomicFile.Write(jsonPath, s => WriteJson(s, report));
        AtomicFile.WriteAllText(Path.Combine(dir, MarkdownFileName), ToMarkdown(report));
        return jsonPath;
    }

    private static void Validate(OodReport r)
    {
        if (!r.Counts.ContainsKey(r.InDistribution) && !r.Bpd.ContainsKey(r.InDistribution))
            throw new ArgumentException($"The in-distribution set '{r.InDistribution}' has neither a count nor a bits/dim entry.", nameof(r));
        if (r.Auroc.ContainsKey(r.InDistribution))
            throw new ArgumentException($"AUROC is against OOD sets; '{r.InDistribution}' is the in-distribution set.", nameof(r));
    }

    public static void WriteJson(Stream stream, OodReport r)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        json.WriteStartObject();
        json.WriteString("model", r.Model);
        json.WriteString("checkpoint", r.Checkpoint);
        json.WriteString("device", r.Device);
        json.WriteNumber("seed", r.Seed);
        json.WriteString("in_distribution", r.InDistribution);
        json.WriteStartObject("counts");
        foreach (var (k, v) in r.Counts) json.WriteNumber(k, v);
        json.WriteEndObject();
        json.WriteString("data", r.Data);
        WriteDoubles(json, "bpd", r.Bpd);
        WriteDoubles(json, "nll_nats", r.Nll);
        WriteDoubles(json, "auroc", r.Auroc);
        WriteFinite(json, "wall_time_s", r.WallTimeSeconds);
        if (r.HistogramFile is null) json.WriteNull("histogram");
        else json.WriteString("histogram", r.HistogramFile);
        if (r.FeatureFlow is { } f)
        {
            json.WriteStartObject("feature_flow");
            json.WriteString("extractor", f.Extractor);
            json.WriteString("report", f.Report);
            json.WriteNumber("train_vectors", f.TrainVectors);
            json.WriteNumber("steps", f.Steps);
            WriteDoubles(json, "auroc", f.Auroc);
            WriteDoubles(json, "nll_nats", f.Nll);
            WriteFinite(json, "embed_s", f.EmbedSeconds);
            WriteFinite(json, "flow_s", f.FlowSeconds);
            json.WriteEndObject();
        }
        ScoreSummaryJson.Write(json, r);
        json.WriteEndObject();
    }

    private static void WriteDoubles(Utf8JsonWriter json, string name, IReadOnlyDictionary<string, double> values)
    {
        json.WriteStartObject(name);
        foreach (var (k, v) in values) WriteFinite(json, k, v);
        json.WriteEndObject();
    }

    // JSON has no NaN or Infinity; null keeps the file valid and is read back as NaN.
    private static void WriteFinite(Utf8JsonWriter json, string name, double v)
    {
        if (double.IsFinite(v)) json.WriteNumber(name, v);
        else json.WriteNull(name);
    }

    public static string ToMarkdown(OodReport r)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(inv, $"# OOD evaluation: {r.Model}\n\n");
        sb.Append(inv, $"Trained on **{Escape(r.TrainingSetName)}**, in-distribution test set {Escape(r.InDistribution)}. Checkpoint `{r.Checkpoint}`, device {r.Device}, seed {r.Seed}, ");
        sb.Append(inv, $"wall time {r.WallTimeSeconds:F1} s.\n\n");
        bool images = r.Data == "images";
        sb.Append(images ? "| set | role | images | bits/dim | AUROC (in-dist. vs set) |\n" : "| set | role | vectors | NLL (nats) | AUROC (in-dist. vs set) |\n");
        sb.Append("|---|---|---:|---:|---:|\n");
        foreach (var name in r.SetNames())
        {
            bool isIn = name == r.InDistribution;
            string count = r.Counts.TryGetValue(name, out int c) ? c.ToString(inv) : "—";
            string bpd = (images ? r.Bpd : r.Nll).TryGetValue(name, out double b) ? Format(b, "F3") : "—";
            string auroc = isIn ? "—" : r.Auroc.TryGetValue(name, out double a) ? Format(a, "F3") : "—";
            sb.Append(inv, $"| {Escape(name)} | {(isIn ? "in-distribution" : "OOD")} | {count} | {bpd} | {auroc} |\n");
        }
        if (!images) sb.Append("\nThe model is a density over continuous vectors: its NLL is in nats per vector (no dequantization, so no bits/dim).\n");
        sb.Append("\nAUROC is the probability that a random in-distribution test image gets a higher log-likelihood than a ");
        sb.Append("random image of the OOD set (ties count half): 1 means likelihood separates the sets perfectly, 0.5 is chance, ");
        sb.Append("and below 0.5 the flow gives the OOD set the *higher* likelihood.\n\n");
        foreach (var (name, a) in r.Auroc)
        {
            string n = Escape(name), inName = Escape(r.InDistribution), trained = Escape(r.TrainingSetName);
            if (double.IsNaN(a))
                sb.Append(inv, $"- **{n}**: AUROC could not be computed.\n");
            else if (a < 0.5)
                sb.Append(inv, $"- **{n}: AUROC {a:F3} < 0.5, so the flow prefers the OOD set**: it assigns higher likelihood to {n} than to {inName}, the test images of the data it was trained on ({trained}).\n");
            else if (a == 0.5)
                sb.Append(inv, $"- **{n}: AUROC 0.500**: likelihood does no better than chance at telling {n} from {inName}.\n");
            else
                sb.Append(inv, $"- **{n}: AUROC {a:F3} > 0.5**: images of {inName} tend to get higher likelihood than {n}, so likelihood detects {n} as OOD this often.\n");
        }
        if (r.HistogramFile is not null)
            sb.Append(inv, $"\n![log-likelihood histogram]({r.HistogramFile.Replace(" ", "%20", StringComparison.Ordinal)})\n");
        ScoreSummaryMarkdown.Append(sb, r);
        if (r.FeatureFlow is { } f) AppendFeatureFlow(sb, r, f);
        return sb.ToString();
    }

    /// <summary>The pixel flow's and the feature flow's AUROC side by side for every pair (docs/MODELS.md §2 E10).</summary>
    private static void AppendFeatureFlow(StringBuilder sb, OodReport r, FeatureFlowSummary f)
    {
        var inv = CultureInfo.InvariantCulture;
        sb.Append("\n## Pixel flow vs feature flow\n\n");
        sb.Append(inv, $"The feature flow is a tabular RealNVP trained on the embeddings of {f.TrainVectors} training images of {Escape(r.TrainingSetName)} ");
        sb.Append(inv, $"({Escape(f.Extractor)}; {f.Steps} steps), scored on the embeddings of the same sets ([its report]({f.Report.Replace(" ", "%20", StringComparison.Ordinal)})). ");
        sb.Append("A pixel likelihood follows local pixel statistics; a likelihood of semantic features follows what the images show (paper §8).\n\n");
        sb.Append("| in-distribution → OOD | pixel flow AUROC | feature flow AUROC |\n|---|---:|---:|\n");
        foreach (var name in r.Auroc.Keys.Concat(f.Auroc.Keys).Distinct())
        {
            string pixel = r.Auroc.TryGetValue(name, out var a) ? Format(a, "F3") : "—";
            string feature = f.Auroc.TryGetValue(name, out var b) ? Format(b, "F3") : "—";
            sb.Append(inv, $"| {Escape(r.InDistribution)} → {Escape(name)} | {pixel} | {feature} |\n");
        }
    }

    private static string Format(double v, string format) =>
        double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : v.ToString(CultureInfo.InvariantCulture);

    private static string Escape(string s) => s.Replace("|", "\\|", StringComparison.Ordinal);
}
