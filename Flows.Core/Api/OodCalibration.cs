using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Flows.Core.Checkpoints;
using Flows.Core.Evaluation;

namespace Flows.Core.Api;

/// <summary>
/// A detector's calibration: per score the threshold and the validation scores (<see cref="ScoreCalibration"/>), Ĥ for
/// typicality, and the SHA-256 of the checkpoint(s) it was computed with, so it is never applied to another model.
/// Saved as versioned JSON (<see cref="FormatTag"/>, <see cref="Version"/>), written atomically.
/// </summary>
public sealed class OodCalibration
{
    /// <summary>The "format" value of a calibration file.</summary>
    public const string FormatTag = "flowsfromscratch.ood-calibration";

    /// <summary>The file version this code writes and reads.</summary>
    public const int Version = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        // Validation scores can be ±∞ (a log-likelihood of −∞); JSON has no literal for them otherwise.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>A calibration of the given scores for the checkpoints with these hashes.</summary>
    public OodCalibration(string checkpointSha256, string? backgroundSha256, string? featureSha256, ulong noiseSeed,
                          int count, double entropyNats, IReadOnlyList<ScoreCalibration> scores)
    {
        CheckpointSha256 = checkpointSha256;
        BackgroundSha256 = backgroundSha256;
        FeatureSha256 = featureSha256;
        NoiseSeed = noiseSeed;
        Count = count;
        EntropyNats = entropyNats;
        Scores = scores;
    }

    /// <summary>SHA-256 (lower-case hex) of the checkpoint file.</summary>
    public string CheckpointSha256 { get; }

    /// <summary>SHA-256 of the background checkpoint, or null without one.</summary>
    public string? BackgroundSha256 { get; }

    /// <summary>SHA-256 of the feature-flow checkpoint, or null without one.</summary>
    public string? FeatureSha256 { get; }

    /// <summary>The dequantization seed the validation images were scored with.</summary>
    public ulong NoiseSeed { get; }

    /// <summary>How many validation images it was computed from.</summary>
    public int Count { get; }

    /// <summary>Ĥ: mean −ll over the validation images (nats), typicality's centre.</summary>
    public double EntropyNats { get; }

    /// <summary>Per score, in the detector's order.</summary>
    public IReadOnlyList<ScoreCalibration> Scores { get; }

    /// <summary>The calibration of the score called <paramref name="name"/>, or null.</summary>
    public ScoreCalibration? For(string name) => Scores.FirstOrDefault(s => s.Name == name);

    /// <summary>Writes the calibration as JSON, atomically (a crash leaves the old file or none, never half of one).</summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var root = new JsonObject
        {
            ["format"] = FormatTag,
            ["version"] = Version,
            ["checkpoint_sha256"] = CheckpointSha256,
            ["background_sha256"] = BackgroundSha256,
            ["feature_sha256"] = FeatureSha256,
            ["noise_seed"] = NoiseSeed,
            ["count"] = Count,
            ["entropy_nats"] = EntropyNats,
            ["scores"] = new JsonArray(Scores.Select(s => (JsonNode)new JsonObject
            {
                ["name"] = s.Name,
                ["direction"] = s.Direction.ToString(),
                ["target_tpr"] = s.TargetTpr,
                ["threshold"] = s.Threshold.Threshold,
                ["validation_scores"] = new JsonArray(s.ValidationScores.Select(v => (JsonNode)JsonValue.Create(v)).ToArray()),
            }).ToArray()),
        };
        AtomicFile.WriteAllText(path, root.ToJsonString(Json));
    }

    /// <summary>Reads a calibration written by <see cref="Save"/>.</summary>
    /// <exception cref="OodDetectorException">The file is missing, not a calibration, of another version, or damaged.</exception>
    public static OodCalibration Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new OodDetectorException($"calibration '{path}' does not exist; calibrate with OodDetector.Calibrate and save it with SaveCalibration");
        try
        {
            var root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions()) as JsonObject
                ?? throw new FormatException("not a JSON object");
            if ((string?)root["format"] != FormatTag)
                throw new OodDetectorException($"'{path}' is not an OOD calibration (no format '{FormatTag}'); pass a file written by SaveCalibration");
            int version = (int?)root["version"] ?? -1;
            if (version != Version)
                throw new OodDetectorException(string.Create(CultureInfo.InvariantCulture,
                    $"calibration '{path}' is version {version}, this library reads version {Version}; calibrate again"));
            var scores = ((JsonArray?)root["scores"] ?? throw new FormatException("no scores")).Select(node =>
            {
                var o = (JsonObject)node!;
                var direction = Enum.Parse<ScoreDirection>((string?)o["direction"] ?? throw new FormatException("a score without a direction"));
                var values = ((JsonArray?)o["validation_scores"] ?? throw new FormatException("a score without validation scores"))
                    .Select(v => v?.Deserialize<double>(Json) ?? throw new FormatException("a null validation score")).ToArray();
                var s = new ScoreCalibration((string?)o["name"] ?? throw new FormatException("a score without a name"), direction, values,
                                             Number(o, "target_tpr"));
                double saved = Number(o, "threshold");
                if (!saved.Equals(s.Threshold.Threshold))
                    throw new FormatException($"the {s.Name} threshold {saved.ToString("R", CultureInfo.InvariantCulture)} does not follow from its validation scores");
                return s;
            }).ToList();
            return new OodCalibration(
                (string?)root["checkpoint_sha256"] ?? throw new FormatException("no checkpoint_sha256"),
                (string?)root["background_sha256"], (string?)root["feature_sha256"],
                (ulong?)root["noise_seed"] ?? throw new FormatException("no noise_seed"),
                (int?)root["count"] ?? throw new FormatException("no count"),
                Number(root, "entropy_nats"), scores);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or InvalidCastException
                                      or ArgumentException or IOException)
        {
            throw new OodDetectorException($"calibration '{path}' is damaged ({e.Message}); calibrate again", e);
        }
    }

    private static double Number(JsonObject o, string key) =>
        o[key]?.Deserialize<double>(Json) ?? throw new FormatException($"no {key}");
}
