using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flows.Core.Checkpoints;
using Flows.Core.Data;
using Flows.Core.Evaluation;
using Flows.Core.Features;
using Flows.Core.Flows;
using Flows.Core.Training;
using Flows.Kernels;

namespace Flows.Training.Experiments;

/// <summary>The E10 part's inputs besides the plan: the runs, the embedder (one extractor and cache for all) and how to embed with progress.</summary>
public sealed record FeaturePart(IReadOnlyList<FeatureRun> Runs, FeatureEmbedder Embedder, Func<ImageDataset, string, DatasetSplit, EmbeddedSet>? Embed = null);

/// <summary>
/// Runs one E10 entry (docs/MODELS.md §2 E10, §8): the pixel flow (the comparison's run, or one trained here on the
/// in-distribution set at the comparison's sizes and steps, scored on the other sets converted to its shape), then
/// the feature flow through <see cref="FeatureFlowExperiment"/> on the same sets, and pairs their AUROCs. Writes, in
/// the run's folder, pixel/ (checkpoint, ood report) when it trains one, feature-flow/ (train, ood) and run.json.
/// </summary>
public sealed class FeatureComparison
{
    private readonly IComputeBackend _backend;
    private readonly ExperimentOptions _options;
    private readonly FeaturePart _part;
    private readonly Func<string, DatasetSplit, ImageDataset> _load;

    public FeatureComparison(IComputeBackend backend, ExperimentOptions options, FeaturePart part, Func<string, DatasetSplit, ImageDataset> load)
    {
        _backend = backend;
        _options = options;
        _part = part;
        _load = load;
    }

    /// <param name="comparison">The comparison's finished runs, where a reused pixel flow's results are looked up.</param>
    public FeatureResult Run(FeatureRun run, IReadOnlyList<ExperimentResult> comparison)
    {
        string dir = Path.Combine(_options.OutputDirectory, run.Id);
        Directory.CreateDirectory(dir);
        var pixel = run.PixelRun is { } own ? TrainPixel(own, run, Path.Combine(dir, "pixel")) : Reuse(run, comparison);

        var featureRun = new ExperimentRun(run.Id, "e10-features", $"tabular RealNVP on ResNet-18 features of {run.InDistribution}", run.FeatureConfig);
        var outcome = FeatureFlowExperiment.Run(_backend, _part.Embedder, new FeatureFlowPlan
        {
            InDistribution = run.InDistribution,
            OodSets = run.OodSets,
            Config = run.FeatureConfig,
            TrainLimit = run.TrainLimit,
            TestLimit = run.TestLimit,
            OutputDirectory = Path.Combine(dir, "feature-flow"),
        }, _load, _options.Observer(featureRun), _part.Embed, _options.Log);

        var pairs = run.OodSets.Select(o => new FeaturePair(run.InDistribution, o,
            pixel.Report is null ? double.NaN : AurocOf(pixel.Report.Auroc, o), AurocOf(outcome.Report.Auroc, o))).ToList();
        _options.Log($"  {run.Id}: " + string.Join(", ", pairs.Select(p => $"{p.Ood} pixel {F(p.PixelAuroc)} / features {F(p.FeatureAuroc)}")));
        var result = new FeatureResult(run, outcome, pixel, pairs, dir);
        WriteSummary(Path.Combine(dir, "run.json"), result);
        return result;
    }

    /// <summary>The AUROC of set <paramref name="set"/> ("mnist") in a report keyed by full names ("mnist/test").</summary>
    public static double AurocOf(IReadOnlyDictionary<string, double> auroc, string set)
    {
        string name = FeatureFlowExperiment.SetName(set);
        foreach (var (key, v) in auroc)
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase) || key.StartsWith(name + "/", StringComparison.OrdinalIgnoreCase))
                return v;
        return double.NaN;
    }

    private static PixelFlowInfo Reuse(FeatureRun run, IReadOnlyList<ExperimentResult> comparison)
    {
        var r = comparison.FirstOrDefault(c => c.Run.Id == run.PixelRunId);
        return r is null
            ? new PixelFlowInfo(run.PixelRunId, 0, 0, $"the comparison's {run.PixelRunId} run (not in this invocation's --models)", null, null)
            : new PixelFlowInfo(r.Run.Id, r.Parameters, r.Steps, $"the comparison's {r.Run.Id} run ({r.Run.Description})", r.Ood,
                                Path.Combine(r.Directory, "ood", OodReportWriter.JsonFileName));
    }

    private PixelFlowInfo TrainPixel(ExperimentRun pixelRun, FeatureRun run, string dir)
    {
        var shape = pixelRun.Config.Model.Image;
        var train = _load(pixelRun.Config.Dataset, DatasetSplit.Train);
        var test = _load(run.InDistribution, DatasetSplit.Test);
        // Grayscale 1×28×28 sets are replicated to 3 channels and zero-padded to 3×32×32 (ImageDatasetTransforms says why).
        var ood = run.OodSets.Select(o => ImageDatasetTransforms.ReplicateAndPad(_load(o, DatasetSplit.Test), shape.Channels, shape.Height, shape.Width)).ToList();
        _options.Log($"  {pixelRun.Id}: {pixelRun.Description}");
        using var trainer = new Trainer(pixelRun.Config, _backend, train, test, dir);
        var training = trainer.Run(_options.Observer(pixelRun));
        var (report, reportPath, _) = OodEvaluation.Run(trainer.Model, test, ood, Path.Combine(dir, "ood"), new OodEvaluation.Options
        {
            Limit = _options.EvalLimit, BatchSize = _options.EvalBatchSize, CheckpointPath = Path.GetFullPath(trainer.CheckpointPath),
            Seed = pixelRun.Config.Seed, NoiseSeed = (ulong)pixelRun.Config.Seed + Trainer.EvaluationNoiseSeed,
        });
        return new PixelFlowInfo(pixelRun.Id, trainer.Model.ParameterCount(), training.State.GlobalStep, pixelRun.Description, report, reportPath);
    }

    private static void WriteSummary(string path, FeatureResult r)
    {
        var o = new JsonObject
        {
            ["id"] = r.Run.Id,
            ["in_distribution"] = r.Run.InDistribution,
            ["extractor"] = r.Features.Summary.Extractor,
            ["train_vectors"] = r.Features.Summary.TrainVectors,
            ["feature_steps"] = r.Features.Summary.Steps,
            ["feature_report"] = Path.GetRelativePath(r.Directory, r.Features.ReportPath),
            ["pixel_run"] = r.Pixel.RunId,
            ["pixel_steps"] = r.Pixel.Steps,
            ["pixel_report"] = r.Pixel.ReportPath is null ? null : Path.GetRelativePath(r.Directory, r.Pixel.ReportPath),
            ["pairs"] = new JsonArray(r.Pairs.Select(p => (JsonNode?)new JsonObject
            {
                ["ood"] = p.Ood, ["pixel_auroc"] = Finite(p.PixelAuroc), ["feature_auroc"] = Finite(p.FeatureAuroc),
            }).ToArray()),
            ["skipped"] = new JsonObject(r.Run.Skipped.Select(s => KeyValuePair.Create(s.Set, (JsonNode?)s.Reason))),
        };
        AtomicFile.WriteAllText(path, o.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
    }

    private static string F(double v) => double.IsFinite(v) ? v.ToString("F3", CultureInfo.InvariantCulture) : "n/a";

    private static JsonNode? Finite(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;
}
