using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Flows.Core.Checkpoints;
using Flows.Core.Evaluation;
using Flows.Core.Figures;

namespace Flows.Core.Inspection;

/// <summary>
/// The per-layer likelihood attribution of one model over an in-distribution set and OOD sets: the mean of each
/// term per set and the difference in-distribution minus OOD (negative: the OOD set gains likelihood from that
/// term). Written as attribution.json, attribution.md and attribution.png (bars of the differences).
/// </summary>
public sealed class AttributionReport
{
    public const string JsonFile = "attribution.json";
    public const string MarkdownFile = "attribution.md";
    public const string FigureFile = "attribution.png";

    public AttributionReport(string model, AttributedSet inDistribution, IReadOnlyList<AttributedSet> ood)
    {
        Model = model;
        InDistribution = inDistribution;
        Ood = ood;
        foreach (var set in ood)
            if (!set.Terms.Select(t => t.Name).SequenceEqual(inDistribution.Terms.Select(t => t.Name)))
                throw new ArgumentException($"{set.Name} was attributed with other terms than {inDistribution.Name}");
    }

    public string Model { get; }
    public AttributedSet InDistribution { get; }
    public IReadOnlyList<AttributedSet> Ood { get; }
    public IReadOnlyList<AttributionTerm> Terms => InDistribution.Terms;

    /// <summary>Mean of each term for in-distribution minus the same for an OOD set.</summary>
    public double[] Difference(AttributedSet ood)
    {
        var a = InDistribution.Means();
        var b = ood.Means();
        return a.Zip(b, (x, y) => x - y).ToArray();
    }

    /// <summary>Writes the three files into <paramref name="dir"/>; returns the markdown path.</summary>
    public string Write(string dir)
    {
        Directory.CreateDirectory(dir);
        AtomicFile.Write(Path.Combine(dir, JsonFile), WriteJson);
        SaveFigure(Path.Combine(dir, FigureFile));
        string md = Path.Combine(dir, MarkdownFile);
        AtomicFile.WriteAllText(md, ToMarkdown(FigureFile));
        return md;
    }

    public string ToMarkdown(string? figure)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        var sets = new[] { InDistribution }.Concat(Ood).ToList();
        sb.Append(inv, $"Per-layer likelihood attribution of **{Model}** (trained on {OodReport.TrainingSet(InDistribution.Name)}; ");
        sb.Append(string.Join(", ", sets.Select(s => string.Create(inv, $"{s.Name}: {s.Count} images"))));
        sb.Append("). Mean nats per image; each row is one additive term of the log-likelihood, the last row their sum. ");
        sb.Append("Δ = in-distribution − OOD: a negative Δ means the OOD set gets more likelihood from that term.\n\n");
        sb.Append("| term | " + string.Join(" | ", sets.Select(s => s.Name)) + " | " + string.Join(" | ", Ood.Select(s => "Δ " + s.Name)) + " |\n");
        sb.Append("|---|" + string.Concat(Enumerable.Repeat("---:|", sets.Count + Ood.Count)) + "\n");
        var means = sets.Select(s => s.Means()).ToList();
        var diffs = Ood.Select(Difference).ToList();
        for (int k = 0; k < Terms.Count; k++)
        {
            sb.Append(inv, $"| {Terms[k].Label} | ");
            sb.Append(string.Join(" | ", means.Select(m => m[k].ToString("F1", inv))));
            sb.Append(" | ").Append(string.Join(" | ", diffs.Select(d => d[k].ToString("F1", inv)))).Append(" |\n");
        }
        sb.Append("| **total** | ").Append(string.Join(" | ", means.Select(m => m.Sum().ToString("F1", inv))));
        sb.Append(" | ").Append(string.Join(" | ", diffs.Select(d => d.Sum().ToString("F1", inv)))).Append(" |\n\n");
        foreach (var (set, d) in Ood.Zip(diffs))
        {
            var kinds = Terms.Select((t, k) => (t.Kind, d[k])).GroupBy(p => p.Kind).Select(g => (g.Key, g.Sum(p => p.Item2))).ToList();
            sb.Append(inv, $"- {set.Name}: Δ total {d.Sum():F1} nats = ");
            sb.Append(string.Join(" + ", kinds.Select(kv => string.Create(inv, $"{kv.Key} {kv.Item2:F1}"))));
            sb.Append(".\n");
        }
        if (figure is not null) sb.Append(inv, $"\n![per-layer likelihood difference]({figure})\n");
        return sb.ToString();
    }

    /// <summary>Grouped bars: for each term, in-distribution minus OOD mean, one color per OOD set.</summary>
    public void SaveFigure(string path)
    {
        var plot = PlotPng.NewPlot();
        int groups = Ood.Count;
        double width = 0.8 / Math.Max(1, groups);
        for (int s = 0; s < groups; s++)
        {
            var d = Difference(Ood[s]);
            var color = Palette.Tab10(s);
            var bars = d.Select((v, k) => new ScottPlot.Bar
            {
                Position = k - 0.4 + width * (s + 0.5), Value = v, Size = width * 0.95, FillColor = color, LineWidth = 0,
            }).ToList();
            plot.Add.Bars(bars);
            plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = $"{InDistribution.Name} - {Ood[s].Name}", FillColor = color });
        }
        var ticks = Terms.Select((t, k) => new ScottPlot.Tick(k, ShortLabel(t))).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        plot.Axes.Bottom.TickLabelStyle.Rotation = -60;
        plot.Axes.Bottom.TickLabelStyle.Alignment = ScottPlot.Alignment.MiddleRight;
        plot.Axes.Bottom.MinimumSize = 90;
        plot.Add.HorizontalLine(0, 1, ScottPlot.Colors.Black);
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        plot.YLabel("mean log-likelihood difference (nats)");
        plot.Title($"{Model}: where the likelihood gap comes from (negative: OOD gains)");
        PlotPng.Save(plot, path, Math.Max(800, 40 + 22 * Terms.Count), 520);
    }

    private static string ShortLabel(AttributionTerm t) => t.Kind switch
    {
        "coupling" => "c" + t.Label["coupling ".Length..].Split(' ')[0],
        "actnorm" => "an" + t.Label["actnorm ".Length..],
        "invconv" => "w" + t.Label["1x1 conv ".Length..],
        "prior" => t.Label.Split(' ')[0] + " " + t.Label.Split(' ')[1],
        "dequantize" => "logit",
        "constant" => "const",
        _ => t.Name,
    };

    private void WriteJson(Stream stream)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        json.WriteStartObject();
        json.WriteString("model", Model);
        json.WriteString("in_distribution", InDistribution.Name);
        json.WriteStartArray("terms");
        foreach (var t in Terms)
        {
            json.WriteStartObject();
            json.WriteString("name", t.Name);
            json.WriteString("label", t.Label);
            json.WriteString("kind", t.Kind);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartObject("mean");
        foreach (var set in new[] { InDistribution }.Concat(Ood)) WriteArray(json, set.Name, set.Means());
        json.WriteEndObject();
        json.WriteStartObject("difference");
        foreach (var set in Ood) WriteArray(json, set.Name, Difference(set));
        json.WriteEndObject();
        json.WriteStartObject("count");
        foreach (var set in new[] { InDistribution }.Concat(Ood)) json.WriteNumber(set.Name, set.Count);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteArray(Utf8JsonWriter json, string name, double[] values)
    {
        json.WriteStartArray(name);
        foreach (var v in values)
            if (double.IsFinite(v)) json.WriteNumberValue(v); else json.WriteNullValue();
        json.WriteEndArray();
    }
}
