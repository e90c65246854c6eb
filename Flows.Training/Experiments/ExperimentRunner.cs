using System.Diagnostics;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flows.Core.Checkpoints;
using Flows.Core.Data;
using Flows.Core.Evaluation;
using Flows.Core.Flows;
using Flows.Core.Inspection;
using Flows.Core;
using Flows.Core.Training;
using Flows.Kernels;

namespace Flows.Training.Experiments;

/// <summary>
/// Trains and evaluates every run of a comparison in turn (same data, seed and step budget each), then writes
/// the REPRODUCTION report. Per run, in its folder: checkpoint.safetensors and metrics.json (the trainer's),
/// ood/report.json and the likelihood histogram, attribution/attribution.json (+ .md, .png), figures/*.png and
/// run.json with the run's summary. The report is rewritten after every run, so a stopped comparison still
/// leaves a report of what finished.
/// </summary>
public sealed class ExperimentRunner
{
    private readonly IComputeBackend _backend;
    private readonly ExperimentOptions _options;
    private readonly ImageDataset _train;
    private readonly ImageDataset _test;
    private readonly IReadOnlyList<ImageDataset> _ood;
    private readonly Dictionary<string, ImageDataset> _bySet = new(StringComparer.OrdinalIgnoreCase);

    public ExperimentRunner(IComputeBackend backend, ExperimentOptions options)
    {
        _backend = backend;
        _options = options;
        _train = DatasetLoader.Load(options.InDistribution, DatasetSplit.Train, options.Data);
        _test = TestSet(options.InDistribution);
        _ood = options.OodSets.Select(TestSet).ToList();
        // One model scores every set, so they must share the in-distribution images' shape.
        foreach (var ood in _ood)
            if ((ood.Channels, ood.Height, ood.Width) != (_train.Channels, _train.Height, _train.Width))
                throw new ArgumentException($"--ood {ood.Name} is {ood.Channels}x{ood.Height}x{ood.Width} but --in {options.InDistribution} is " +
                                            $"{_train.Channels}x{_train.Height}x{_train.Width}; pick OOD sets of the in-distribution set's shape");
    }

    /// <summary>The in-distribution images' shape: the plan sizes every model for it.</summary>
    public ImageShape InShape => new(_train.Channels, _train.Height, _train.Width);

    /// <summary>
    /// Seconds per training step of a run, measured on a throw-away model: one warm-up step, then the mean of
    /// <paramref name="steps"/> more. Used to size a step budget from a wall-clock budget.
    /// </summary>
    public double MeasureStepSeconds(ExperimentRun run, int steps = 2)
    {
        string dir = Path.Combine(_options.OutputDirectory, "probe-" + run.Id);
        try
        {
            // A run on another set (the E10 CIFAR-10 pixel flow) is timed on its own images.
            var train = string.Equals(run.Config.Dataset, _options.InDistribution, StringComparison.OrdinalIgnoreCase) ? _train : Load(run.Config.Dataset, DatasetSplit.Train);
            using var trainer = new Trainer(run.Config with { MaxSteps = steps + 1 }, _backend, train, train, dir);
            var batch = Enumerable.Range(0, run.Config.BatchSize).ToArray();
            trainer.TrainStep(batch);
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < steps; i++) trainer.TrainStep(batch);
            return clock.Elapsed.TotalSeconds / steps;
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Runs that failed (diverged), by id, with the reason; the comparison goes on without them.</summary>
    public IReadOnlyDictionary<string, string> Failures => _failures;

    private readonly Dictionary<string, string> _failures = new();

    /// <summary>
    /// Trains and evaluates the runs in order, rewriting the report after each; returns their results. A run
    /// that diverges is reported as failed and the others go on, so one unstable model does not cost the rest.
    /// </summary>
    public IReadOnlyList<ExperimentResult> Run(IReadOnlyList<ExperimentRun> runs) => Run(runs, null).Comparison;

    /// <summary>
    /// The comparison's runs, then the E10 part's (docs/MODELS.md §2 E10), which reuse the comparison's realnvp results for
    /// the FashionMNIST pairs; the report is rewritten after each run of either part.
    /// </summary>
    public (IReadOnlyList<ExperimentResult> Comparison, IReadOnlyList<FeatureResult> Features) Run(IReadOnlyList<ExperimentRun> runs, FeaturePart? features)
    {
        var clock = Stopwatch.StartNew();
        var results = new List<ExperimentResult>();
        var featureResults = new List<FeatureResult>();
        var featureRuns = features?.Runs ?? [];
        int total = runs.Count + featureRuns.Count;
        void Report()
        {
            string device = _backend.Name + " (" + _backend.DeviceDescription + ")";
            ReproductionReport.Write(results, runs, _options, device, clock.Elapsed, _failures, featureResults, featureRuns);
            if (_options.DocsCopy is { } docs)
                ReproductionReport.Write(results, runs, _options with { ReportPath = docs.Report, FiguresDirectory = docs.Figures },
                                         device, clock.Elapsed, _failures, featureResults, featureRuns);
        }
        for (int i = 0; i < runs.Count; i++)
        {
            var run = runs[i];
            _options.Log($"[{i + 1}/{total}] {run.Id}: {run.Description}");
            Guard(run.Id, () => results.Add(RunOne(run)));
            Report();
        }
        if (features is null) return (results, featureResults);
        var comparison = new FeatureComparison(_backend, _options, features, Load);
        for (int i = 0; i < featureRuns.Count; i++)
        {
            var run = featureRuns[i];
            _options.Log($"[{runs.Count + i + 1}/{total}] {run.Id}: flows on ResNet-18 features of {run.InDistribution} vs {string.Join(", ", run.OodSets)} (E10)");
            Guard(run.Id, () => featureResults.Add(comparison.Run(run, results)));
            Report();
        }
        return (results, featureResults);
    }

    private void Guard(string id, Action run)
    {
        try
        {
            run();
        }
        catch (Exception e) when (e is TrainingDivergedException or NumericalException)
        {
            _failures[id] = e.Message;
            _options.Log($"  {id} failed: {e.Message}");
        }
    }

    private ExperimentResult RunOne(ExperimentRun run)
    {
        string dir = Path.Combine(_options.OutputDirectory, run.Id);
        Directory.CreateDirectory(dir);
        using var trainer = new Trainer(run.Config, _backend, _train, _test, dir);
        var training = trainer.Run(_options.Observer(run));
        var model = trainer.Model as MultiScaleFlow
            ?? throw new InvalidOperationException($"{run.Id}: the comparison needs an image flow, got {trainer.Model.GetType().Name}");
        ulong noiseSeed = (ulong)run.Config.Seed + Trainer.EvaluationNoiseSeed;

        var (report, _, _) = OodEvaluation.Run(model, _test, _ood, Path.Combine(dir, "ood"), new OodEvaluation.Options
        {
            Limit = _options.EvalLimit, BatchSize = _options.EvalBatchSize, CheckpointPath = Path.GetFullPath(trainer.CheckpointPath),
            Seed = run.Config.Seed, NoiseSeed = noiseSeed, HistogramInset = _options.HistogramInset,
        });
        _options.Log($"  {run.Id}: test bpd {F(report.Bpd[_test.Name])}; " + string.Join(", ", report.Auroc.Select(a => $"AUROC {a.Key} {F(a.Value)}")));

        var attribution = new AttributionReport(run.Id,
            LikelihoodAttribution.Score(model, _test, _options.EvalLimit, _options.EvalBatchSize, noiseSeed),
            _ood.Select(d => LikelihoodAttribution.Score(model, d, _options.EvalLimit, _options.EvalBatchSize, noiseSeed)).ToList());
        attribution.Write(Path.Combine(dir, "attribution"));

        var figures = new Dictionary<string, string>
        {
            ["histogram"] = Path.Combine(dir, "ood", report.HistogramFile ?? "likelihoods.png"),
            ["attribution"] = Path.Combine(dir, "attribution", AttributionReport.FigureFile),
        };
        foreach (var (kind, path) in InspectionArtifacts.Write(model, _options.FigureImages, TestSet, Path.Combine(dir, "figures"), noiseSeed, (ulong)run.Config.Seed))
            figures[kind] = path;

        Dictionary<string, IReadOnlyList<CoAdaptation.LayerError>>? coadaptation = null;
        if (model.Couplings().All(c => c.Mask is HorizontalMask))
        {
            coadaptation = new[] { _test }.Concat(_ood).ToDictionary(d => d.Name,
                d => CoAdaptation.Measure(model, d, _options.EvalLimit, _options.EvalBatchSize, noiseSeed));
        }

        var result = new ExperimentResult(run, model.ParameterCount(), training.State.GlobalStep, training.Seconds,
            training.LastTrainLoss, report, attribution, figures, coadaptation, dir);
        WriteSummary(Path.Combine(dir, "run.json"), result);
        return result;
    }

    private ImageDataset TestSet(string name) => Load(name, DatasetSplit.Test);

    // Every set is read once per runner: the E10 part scores the comparison's sets again.
    private ImageDataset Load(string name, DatasetSplit split)
    {
        if (split == DatasetSplit.Train && string.Equals(name, _options.InDistribution, StringComparison.OrdinalIgnoreCase))
            return _train;
        string key = name + "|" + split;
        if (!_bySet.TryGetValue(key, out var data))
            _bySet[key] = data = DatasetLoader.Load(name, split, _options.Data);
        return data;
    }

    private static void WriteSummary(string path, ExperimentResult r)
    {
        var o = new JsonObject
        {
            ["id"] = r.Run.Id,
            ["group"] = r.Run.Group,
            ["description"] = r.Run.Description,
            ["training"] = JsonSerializer.SerializeToNode(r.Run.Config.ToDictionary()),
            ["parameters"] = r.Parameters,
            ["steps"] = r.Steps,
            ["train_seconds"] = r.TrainSeconds,
            ["train_bpd"] = Finite(r.TrainBitsPerDim),
            ["bpd"] = new JsonObject(r.Ood.Bpd.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)Finite(kv.Value)))),
            ["auroc"] = new JsonObject(r.Ood.Auroc.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)Finite(kv.Value)))),
            ["counts"] = new JsonObject(r.Ood.Counts.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["figures"] = new JsonObject(r.Figures.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)Path.GetRelativePath(r.Directory, kv.Value)))),
        };
        if (r.CoAdaptation is { } co)
            o["coadaptation"] = new JsonObject(co.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)new JsonArray(
                kv.Value.Select(e => (JsonNode?)new JsonObject
                {
                    ["layer"] = e.Number, ["name"] = e.Layer, ["error"] = Finite(e.WithEarlierLayers), ["error_bypassed"] = Finite(e.Bypassed),
                }).ToArray()))));
        var text = o.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        AtomicFile.WriteAllText(path, text);
    }

    private static string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);

    private static JsonNode? Finite(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;
}
