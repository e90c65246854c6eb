using System.Diagnostics;
using System.Globalization;
using Flows.Core.Data;
using Flows.Training.Experiments;
using Flows.Core.Features;
using Flows.Core.Flows;
using Flows.Training.Cli;

namespace Flows.Training.Commands;

/// <summary>
/// `flows experiments`: the paper's comparison, trained and evaluated in one go on any in-distribution / OOD pair,
/// written up as REPRODUCTION.md under --out (and, with --write-docs, also where that flag says).
/// </summary>
public static class ExperimentsCommand
{
    public static CommandSpec Spec { get; } = new("experiments",
        "Train and evaluate the paper's comparison on --in (FashionMNIST by default) with one seed and one step budget: RealNVP and Glow\n" +
        "(baselines), single-scale RealNVP with checkerboard, horizontal and cycle masks, RealNVP with ResNetAE bottlenecks,\n" +
        "and the 3-layer horizontal model of the co-adaptation figure; score them against the --ood sets (MNIST and notMNIST by default; bits/dim,\n" +
        "AUROC, per-layer attribution, figures) and write the report into --out (docs/ only with --write-docs). --scale cpu sizes the models for two cores and the step\n" +
        "count from --budget-minutes (measured step times); --scale paper trains the paper's configurations and epochs (GPU).\n" +
        "E10 (features-fashionmnist, features-cifar10): a tabular RealNVP on ResNet-18 features of FashionMNIST and of CIFAR-10,\n" +
        "each AUROC beside a pixel flow's (FashionMNIST: the realnvp run; CIFAR-10: a RealNVP of the same size and steps on\n" +
        "3x32x32, gray sets replicated and zero-padded); SVHN and CelebA join CIFAR-10's OOD sets where their files are present.",
        [
            new("scale", "cpu|paper", "model sizes and schedule", "cpu"),
            new("models", "IDS", "subset, comma-separated or repeated, of: " + string.Join(", ", ExperimentPlan.DefaultIds(ExperimentScale.Cpu).Concat(FeaturePlan.Ids)) + " (resnetae-lN for any N)", Repeatable: true),
            new("steps", "N", "optimizer steps per model (overrides the budget; paper scale: the paper's epochs when omitted)"),
            new("budget-minutes", "M", "cpu scale: wall-clock minutes for the whole command; sets the steps per model", "60"),
            new("eval-limit", "N", "test images per set for AUROC and attribution (0 = all; default 500 at cpu scale, all at paper scale)"),
            new("seed", "N", "one seed for every run", "0"),
            new("feature-size", "S", "E10: ResNet-18 input size (even, ≥ 32)", "32"),
            new("feature-train", "N", "E10: training images embedded per in-distribution set (0 = all; default 10000 at cpu scale, all at paper scale)"),
            new("in", "NAME", "in-distribution set: trains every model and is the positive class of AUROC", "fashionmnist"),
            new("ood", "NAMES", "OOD test sets, comma-separated or repeated", "mnist,notmnist"),
            new("out", "DIR", "folder for the runs (checkpoints, metrics, figures) and the report (REPRODUCTION.md, figures/)", "runs/experiments"),
            new("write-docs", "FILE", "also write the report there, e.g. docs/REPRODUCTION.md (figures go beside it unless --figures); off by default"),
            new("figures", "DIR", "where --write-docs' figures go (default: figures/ beside that file)"),
            HistogramInsetOption.Flag, HistogramInsetOption.Percentiles,
            CommonOptions.Device, CommonOptions.DataDir, CommonOptions.Offline,
        ],
        Run);

    private static int Run(ParsedArgs args)
    {
        var clock = Stopwatch.StartNew();
        var scale = (args.String("scale") ?? "cpu").ToLowerInvariant() switch
        {
            "cpu" => ExperimentScale.Cpu,
            "paper" => ExperimentScale.Paper,
            var s => throw new UsageException($"--scale must be cpu or paper, got '{s}'"),
        };
        var ids = args.Has("models") ? ListOption.Values(args, "models", null).ToArray() : null;
        int seed = args.Int("seed", 0);
        int evalLimit = args.Int("eval-limit", scale == ExperimentScale.Cpu ? 500 : 0);
        if (evalLimit < 0) throw new UsageException($"--eval-limit must not be negative, got {evalLimit}");
        int? steps = args.IntOrNull("steps");
        if (steps is < 1) throw new UsageException($"--steps must be at least 1, got {steps}");
        double budget = args.Double("budget-minutes", 60);
        if (!(budget > 0)) throw new UsageException($"--budget-minutes must be positive, got {budget}");
        int featureSize = args.Int("feature-size", Flows.Core.Features.ResNetFeatureOptions.DefaultInputSize);
        if (featureSize < 32 || featureSize % 2 != 0) throw new UsageException($"--feature-size must be even and at least 32, got {featureSize}");
        int featureTrain = args.Int("feature-train", scale == ExperimentScale.Cpu ? 10000 : 0);
        if (featureTrain < 0) throw new UsageException($"--feature-train must not be negative, got {featureTrain}");
        var inset = HistogramInsetOption.Parse(args);
        IReadOnlyList<string>? pixelIds;
        IReadOnlyList<string> featureIds;
        try
        {
            (pixelIds, featureIds) = FeaturePlan.Split(scale, ids);
        }
        catch (ArgumentException e)
        {
            throw new UsageException("--models: " + e.Message);
        }

        ExperimentPair pair;
        ExperimentOutput output;
        try
        {
            pair = ExperimentPair.Create(args.String("in") ?? "fashionmnist", ListOption.Values(args, "ood", "mnist,notmnist"));
            output = ExperimentOutput.Create(args.String("out") ?? "runs/experiments", args.String("write-docs"), args.String("figures"));
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        if (pair.InDistribution != ExperimentPair.Default.InDistribution)
        {
            // E10's pairs are the paper's own: on another pair they run only when --models names them.
            if (ids is null) featureIds = [];
            else if (featureIds.Contains(FeaturePlan.FashionMnistId))
                throw new UsageException($"--models {FeaturePlan.FashionMnistId} compares with the fashionmnist comparison's realnvp; drop it or use --in fashionmnist");
        }

        using var backend = CommonOptions.CreateBackend(args);
        var notes = new List<string>();
        var options = new ExperimentOptions
        {
            OutputDirectory = output.Runs,
            ReportPath = output.Report,
            FiguresDirectory = output.Figures,
            DocsCopy = output.Docs,
            InDistribution = pair.InDistribution,
            OodSets = pair.OodSets,
            FigureImages = pair.FigureImages,
            Data = CommonOptions.Data(args),
            EvalLimit = evalLimit,
            HistogramInset = inset,
            Scale = scale,
            Invocation = "flows experiments " + string.Join(" ", Environment.GetCommandLineArgs().Skip(2)),
            Notes = notes,
            Log = Console.WriteLine,
            Observer = run => new ConsoleTrainingObserver(run.Config.BatchSize, ModelCatalog.Get(run.Config.Model.Name).TakesVectors ? "nats" : "bits/dim"),
        };
        var runner = new ExperimentRunner(backend, options);
        string dataDir = DataDirectory.Resolve(options.Data.DataDir);
        // Only E10 ids in --models: no comparison runs (an empty list would mean "all" to the plan).
        IReadOnlyList<ExperimentRun> Pixel(int s) => pixelIds is { Count: 0 } ? [] : ExperimentPlan.Build(scale, pixelIds, s, seed, evalLimit, pair.InDistribution, runner.InShape);
        IReadOnlyList<FeatureRun> Features(int s) => FeaturePlan.Build(scale, featureIds, options.OodSets, s, seed, featureTrain, evalLimit, dataDir);
        var plan = Pixel(steps ?? 0);
        var featurePlan = Features(steps ?? 0);

        // The E10 CIFAR-10 pixel flow trains the same steps, so it shares the budget; its evaluation is scoring only.
        var timed = plan.Concat(featurePlan.Select(f => f.PixelRun).OfType<ExperimentRun>()).ToList();
        if (steps is null && scale == ExperimentScale.Cpu && timed.Count > 0)
        {
            // Same steps for every model, as many as the budget allows after evaluation.
            var times = timed.Select(run =>
            {
                double s = runner.MeasureStepSeconds(run);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"step time {run.Id}: {s:F2} s"));
                return s;
            }).ToList();
            var evalImages = plan.Select(r => StepBudget.EvalImages(evalLimit, options.OodSets.Count,
                ExperimentPlan.MeasuresCoAdaptation(r)))
                .Concat(featurePlan.Where(f => f.PixelRun is not null).Select(f => evalLimit * (1 + f.OodSets.Count))).ToList();
            double left = budget * 60 - clock.Elapsed.TotalSeconds;
            int sized = StepBudget.Steps(times, timed[0].Config.BatchSize, evalImages, left);
            if (sized < 5)
                throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                    $"--budget-minutes {budget} leaves {sized} steps per model after evaluation (step times {string.Join(", ", times.Select(t => t.ToString("F1", CultureInfo.InvariantCulture)))} s); give more minutes, fewer --models or a smaller --eval-limit"));
            steps = sized;
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"Step budget: {sized} steps per model, sized from a {budget:F0}-minute budget and measured step times ({string.Join(", ", timed.Zip(times, (r, t) => $"{r.Id} {t:F2} s"))})")
                + (featurePlan.Count > 0 ? "; the E10 feature flows' embedding and training are not in the estimate." : "."));
            plan = Pixel(sized);
            featurePlan = Features(sized);
            Console.WriteLine($"budget: {sized} steps per model");
        }
        else if (steps is not null)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"Step budget: {steps} steps per model (--steps)."));
        }
        else
        {
            notes.Add("Schedule: the paper's epochs (82 for the RealNVP family, 152 for Glow; batch 32).");
        }

        FeatureEmbedder? embedder = null;
        try
        {
            if (featurePlan.Count > 0)
            {
                embedder = FeatureEmbedder.Open(backend, new ResNetFeatureOptions { InputSize = featureSize }, Path.GetFullPath(Path.Combine(options.OutputDirectory, "features")));
                Console.WriteLine($"E10 extractor: {embedder.Description}; feature runs: {string.Join(", ", featurePlan.Select(f => f.Id))}");
                foreach (var (set, reason) in featurePlan.SelectMany(f => f.Skipped))
                    Console.WriteLine($"E10: {set} skipped: {reason}");
            }
            var part = embedder is null ? null : new FeaturePart(featurePlan, embedder, (images, name, split) => FeaturesCommand.Embed(embedder, images, name, split));
            var (results, features) = runner.Run(plan, part);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"experiments: {results.Count} runs and {features.Count} feature runs in {clock.Elapsed.TotalMinutes:F1} min"));
        }
        finally
        {
            embedder?.Dispose();
        }
        Console.WriteLine($"report: {Path.GetFullPath(options.ReportPath)}");
        if (options.DocsCopy is { } docs) Console.WriteLine($"report copy (--write-docs): {Path.GetFullPath(docs.Report)}");
        return 0;
    }
}
