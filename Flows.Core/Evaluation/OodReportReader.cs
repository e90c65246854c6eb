using System.Text.Json;

namespace Flows.Core.Evaluation;

/// <summary>Reads the <c>report.json</c> written by <see cref="OodReportWriter"/> (the CI smoke check parses it this way).</summary>
public static class OodReportReader
{
    /// <summary>Reads a report from a <c>report.json</c> path or from the folder that holds one.</summary>
    public static OodReport Read(string pathOrDir)
    {
        ArgumentException.ThrowIfNullOrEmpty(pathOrDir);
        string path = Directory.Exists(pathOrDir) ? Path.Combine(pathOrDir, OodReportWriter.JsonFileName) : pathOrDir;
        if (!File.Exists(path))
            throw new FileNotFoundException($"OOD report '{path}' does not exist; run the OOD evaluation first.", path);
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Bad(path, "it is not a JSON object");
            return ScoreSummaryJson.Read(root, new OodReport
            {
                Model = String(root, "model", path),
                Checkpoint = String(root, "checkpoint", path),
                Device = String(root, "device", path),
                Seed = Get(root, "seed", path).GetInt64(),
                InDistribution = String(root, "in_distribution", path),
                Counts = Map(root, "counts", path, e => e.GetInt32()),
                Bpd = Map(root, "bpd", path, Double),
                Nll = root.TryGetProperty("nll_nats", out _) ? Map(root, "nll_nats", path, Double) : new Dictionary<string, double>(),
                Data = root.TryGetProperty("data", out var kind) && kind.GetString() is { } k ? k : "images",
                Auroc = Map(root, "auroc", path, Double),
                WallTimeSeconds = root.TryGetProperty("wall_time_s", out var w) ? Double(w) : double.NaN,
                HistogramFile = root.TryGetProperty("histogram", out var h) && h.ValueKind == JsonValueKind.String ? h.GetString() : null,
                FeatureFlow = root.TryGetProperty("feature_flow", out var f) && f.ValueKind == JsonValueKind.Object ? FeatureFlow(f, path) : null,
            });
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or KeyNotFoundException or ArgumentException)
        {
            throw Bad(path, e.Message, e);
        }
    }

    private static FeatureFlowSummary FeatureFlow(JsonElement f, string path) => new()
    {
        Extractor = String(f, "extractor", path),
        Report = String(f, "report", path),
        TrainVectors = Get(f, "train_vectors", path).GetInt32(),
        Steps = Get(f, "steps", path).GetInt32(),
        Auroc = Map(f, "auroc", path, Double),
        Nll = Map(f, "nll_nats", path, Double),
        EmbedSeconds = f.TryGetProperty("embed_s", out var e) ? Double(e) : double.NaN,
        FlowSeconds = f.TryGetProperty("flow_s", out var s) ? Double(s) : double.NaN,
    };

    private static double Double(JsonElement e) => e.ValueKind == JsonValueKind.Null ? double.NaN : e.GetDouble();

    private static JsonElement Get(JsonElement root, string key, string path) =>
        root.TryGetProperty(key, out var v) ? v : throw Bad(path, $"the key '{key}' is missing");

    private static string String(JsonElement root, string key, string path) =>
        Get(root, key, path).GetString() ?? throw Bad(path, $"'{key}' is null");

    private static Dictionary<string, T> Map<T>(JsonElement root, string key, string path, Func<JsonElement, T> read)
    {
        var obj = Get(root, key, path);
        if (obj.ValueKind != JsonValueKind.Object) throw Bad(path, $"'{key}' is not an object");
        var result = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var p in obj.EnumerateObject()) result[p.Name] = read(p.Value);
        return result;
    }

    private static InvalidDataException Bad(string path, string what, Exception? inner = null) =>
        new($"OOD report '{path}' is not valid: {what}. Re-run the OOD evaluation to write it again.", inner);
}
