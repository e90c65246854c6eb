using System.Text.Json;

namespace Flows.Core.Evaluation;

/// <summary>
/// The <c>scores</c>, <c>validation</c> and related keys of report.json (docs/METRICS.md, "report.json"). A threshold
/// is a number, the string <c>"Infinity"</c> or <c>"-Infinity"</c> when infinite (a score with ±∞ values), or null
/// when NaN; every other non-finite number is null and is read back as NaN.
/// </summary>
internal static class ScoreSummaryJson
{
    public static void Write(Utf8JsonWriter json, OodReport r)
    {
        json.WriteString("batch_norm", r.BatchNorm);
        if (r.ScoresFile is null) json.WriteNull("scores_file");
        else json.WriteString("scores_file", r.ScoresFile);
        Number(json, "entropy_nats", r.Entropy);
        if (r.Validation is { } v)
        {
            json.WriteStartObject("validation");
            json.WriteString("source", v.Source);
            json.WriteString("name", v.Name);
            json.WriteNumber("start", v.Start);
            json.WriteNumber("count", v.Count);
            json.WriteBoolean("disjoint_from_training", v.DisjointFromTraining);
            json.WriteEndObject();
        }
        else json.WriteNull("validation");
        json.WriteStartObject("scores");
        foreach (var s in r.Scores)
        {
            json.WriteStartObject(s.Name);
            json.WriteString("direction", s.Direction.ToString());
            json.WriteString("unit", s.Unit);
            if (s.RocFile is null) json.WriteNull("roc");
            else json.WriteString("roc", s.RocFile);
            json.WriteStartObject("mean");
            foreach (var (k, m) in s.Mean) Number(json, k, m);
            json.WriteEndObject();
            json.WriteStartObject("metrics");
            foreach (var (set, m) in s.Metrics) WriteMetrics(json, set, m);
            json.WriteEndObject();
            json.WriteStartObject("batch_test");
            foreach (var (set, b) in s.BatchTest)
            {
                json.WriteStartObject(set);
                json.WriteNumber("batch_size", b.BatchSize);
                json.WriteNumber("in_batches", b.InDistBatches);
                json.WriteNumber("ood_batches", b.OodBatches);
                Number(json, "auroc", b.Auroc);
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }

    private static void WriteMetrics(Utf8JsonWriter json, string set, OodMetrics m)
    {
        json.WriteStartObject(set);
        json.WriteNumber("in_count", m.InDistCount);
        json.WriteNumber("ood_count", m.OodCount);
        Number(json, "auroc", m.Auroc);
        Number(json, "auroc_low", m.AurocLow);
        Number(json, "auroc_high", m.AurocHigh);
        Number(json, "confidence_level", m.AurocConfidenceLevel);
        Number(json, "aupr_in", m.AuprIn);
        Number(json, "aupr_out", m.AuprOut);
        Number(json, "fpr95", m.Fpr95);
        Number(json, "target_tpr", m.TargetTpr);
        if (double.IsPositiveInfinity(m.Threshold)) json.WriteString("threshold", "Infinity");
        else if (double.IsNegativeInfinity(m.Threshold)) json.WriteString("threshold", "-Infinity");
        else Number(json, "threshold", m.Threshold);
        json.WriteString("threshold_source", m.ThresholdSource == ThresholdSource.Validation ? "validation" : "in_distribution_test");
        Number(json, "threshold_tpr", m.ThresholdTpr);
        Number(json, "threshold_fpr", m.ThresholdFpr);
        json.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter json, string name, double v)
    {
        if (double.IsFinite(v)) json.WriteNumber(name, v);
        else json.WriteNull(name);
    }

    /// <summary>The keys <see cref="Write"/> writes, applied to <paramref name="r"/>; absent keys (an older report) keep the defaults.</summary>
    public static OodReport Read(JsonElement root, OodReport r) => r with
    {
        BatchNorm = root.TryGetProperty("batch_norm", out var bn) && bn.GetString() is { } b ? b : "running",
        ScoresFile = root.TryGetProperty("scores_file", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null,
        Entropy = root.TryGetProperty("entropy_nats", out var h) ? Double(h) : double.NaN,
        Validation = root.TryGetProperty("validation", out var v) && v.ValueKind == JsonValueKind.Object
            ? new ValidationSplit(v.GetProperty("source").GetString()!, v.GetProperty("start").GetInt32(), v.GetProperty("count").GetInt32(),
                                  v.GetProperty("disjoint_from_training").GetBoolean())
            : null,
        Scores = root.TryGetProperty("scores", out var s) && s.ValueKind == JsonValueKind.Object
            ? s.EnumerateObject().Select(p => ReadScore(p.Name, p.Value)).ToList()
            : [],
    };

    private static ScoreSummary ReadScore(string name, JsonElement e) => new()
    {
        Name = name,
        Direction = Enum.Parse<ScoreDirection>(e.GetProperty("direction").GetString()!),
        Unit = e.GetProperty("unit").GetString()!,
        RocFile = e.TryGetProperty("roc", out var roc) && roc.ValueKind == JsonValueKind.String ? roc.GetString() : null,
        Mean = e.GetProperty("mean").EnumerateObject().ToDictionary(p => p.Name, p => Double(p.Value)),
        Metrics = e.GetProperty("metrics").EnumerateObject().ToDictionary(p => p.Name, p => ReadMetrics(p.Value,
            Enum.Parse<ScoreDirection>(e.GetProperty("direction").GetString()!))),
        BatchTest = e.TryGetProperty("batch_test", out var bt)
            ? bt.EnumerateObject().ToDictionary(p => p.Name, p => new TypicalityBatchResult(p.Value.GetProperty("batch_size").GetInt32(),
                p.Value.GetProperty("in_batches").GetInt32(), p.Value.GetProperty("ood_batches").GetInt32(), Double(p.Value.GetProperty("auroc"))))
            : new Dictionary<string, TypicalityBatchResult>(),
    };

    private static OodMetrics ReadMetrics(JsonElement m, ScoreDirection direction) => new()
    {
        Direction = direction,
        InDistCount = m.GetProperty("in_count").GetInt32(),
        OodCount = m.GetProperty("ood_count").GetInt32(),
        Auroc = Double(m.GetProperty("auroc")),
        AurocLow = Double(m.GetProperty("auroc_low")),
        AurocHigh = Double(m.GetProperty("auroc_high")),
        AurocConfidenceLevel = Double(m.GetProperty("confidence_level")),
        AuprIn = Double(m.GetProperty("aupr_in")),
        AuprOut = Double(m.GetProperty("aupr_out")),
        Fpr95 = Double(m.GetProperty("fpr95")),
        TargetTpr = Double(m.GetProperty("target_tpr")),
        Threshold = m.GetProperty("threshold") is { ValueKind: JsonValueKind.String } t
            ? t.GetString() switch { "Infinity" => double.PositiveInfinity, "-Infinity" => double.NegativeInfinity, var x => throw new FormatException($"threshold '{x}' is not a number") }
            : Double(m.GetProperty("threshold")),
        ThresholdSource = m.GetProperty("threshold_source").GetString() == "validation" ? ThresholdSource.Validation : ThresholdSource.InDistributionTest,
        ThresholdTpr = Double(m.GetProperty("threshold_tpr")),
        ThresholdFpr = Double(m.GetProperty("threshold_fpr")),
    };

    private static double Double(JsonElement e) => e.ValueKind == JsonValueKind.Null ? double.NaN : e.GetDouble();
}
