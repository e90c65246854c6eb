using System.Diagnostics;
using System.Globalization;
using Flows.Core.Data;
using Flows.Core.Evaluation;
using Flows.Training.Experiments;
using Flows.Core.Features;
using Flows.Core.Training;
using Flows.Training.Cli;

namespace Flows.Training.Commands;

/// <summary>
/// What `dotnet run --project Flows.Training` does with no arguments: the paper's headline and its cure on this
/// machine. Train a small RealNVP on FashionMNIST pixels and score FashionMNIST (test), MNIST and notMNIST (the
/// failure: MNIST gets the higher likelihood); then embed the same images with the pretrained ResNet-18, train the
/// tabular flow on the embeddings and score them (the cure, docs/MODELS.md §2 E10). Prints both AUROC tables side by side
/// and ends with `report: PATH`.
/// </summary>
public static class MainJobCommand
{
    public static CommandSpec Spec { get; } = new("run",
        "The main job (also what runs with no command): train the small RealNVP preset on FashionMNIST pixels, score\n" +
        "FashionMNIST test, MNIST and notMNIST; then train the tabular flow on ResNet-18 features of the same sets and\n" +
        "score those. Prints the pixel flow's and the feature flow's AUROC per pair and ends with 'report: PATH'.",
        [
            new("preset", "NAME", "training recipe of the pixel flow (see 'flows train --help')", "cpu-small"),
            new("steps", "N", "optimizer steps of the pixel flow (default: the preset's)"),
            new("ood", "SETS", "OOD sets, comma-separated or repeated", "mnist,notmnist", Repeatable: true),
            new("limit", "N", "test images scored per set", "2000"),
            new("val", "N", "held-out training images for typicality and calibrated thresholds", "2000"),
            new("no-features", null, "skip the feature flow (pixel flow only)"),
            new("feature-size", "S", "ResNet-18 input size", "32"),
            new("feature-train", "N", "training images embedded for the feature flow", "10000"),
            new("feature-epochs", "N", "epochs of the feature flow", "10"),
            new("out", "DIR", "output folder", "runs/main"),
            CommonOptions.Seed, CommonOptions.Device, CommonOptions.DataDir, CommonOptions.Offline,
        ],
        Run);

    private static int Run(ParsedArgs args)
    {
        var clock = Stopwatch.StartNew();
        var preset = TrainingPresets.Get(args.String("preset") ?? "cpu-small");
        string outDir = Path.GetFullPath(args.String("out") ?? "runs/main");
        var config = preset.Config with
        {
            MaxSteps = args.Int("steps", preset.Config.MaxSteps),
            Seed = args.Int("seed", preset.Config.Seed),
        };
        var oodSpecs = ListOption.Values(args, "ood", "mnist,notmnist");
        int limit = args.Int("limit", 2000);
        if (limit < 0) throw new UsageException($"--limit must not be negative, got {limit}");
        bool features = !args.Flag("no-features");
        var featureOptions = features ? FeaturesCommand.Options(new ParsedArgs("run", SizeOnly(args), [], [])) : null;
        int featureTrain = args.Int("feature-train", 10000), featureEpochs = args.Int("feature-epochs", 10);
        if (featureTrain < 0) throw new UsageException($"--feature-train must not be negative, got {featureTrain}");
        if (featureEpochs < 1) throw new UsageException($"--feature-epochs must be at least 1, got {featureEpochs}");
        // Every flag and every OOD set is checked before training, so a typo does not cost a training run.
        int validation = args.Int("val", 2000);
        if (validation < 0) throw new UsageException($"--val must not be negative, got {validation}");
        config.Validate();
        TrainCommand.CheckOutputFolder(outDir);
        var dataOptions = CommonOptions.Data(args);
        foreach (var spec in oodSpecs) CommonOptions.Load(spec, DatasetSplit.Test, dataOptions);
        Console.WriteLine($"FlowsFromScratch main job: train '{preset.Name}' ({preset.Description}),");
        Console.WriteLine($"then score {config.Dataset} test vs {string.Join(", ", oodSpecs)} ({(limit > 0 ? $"{limit} images each" : "all images")}). Output: {outDir}");
        if (features)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Then the cure: a tabular flow on ResNet-18 features ({featureOptions!.InputSize}x{featureOptions.InputSize}) of {(featureTrain > 0 ? $"{featureTrain}" : "all")} training images, scored on the same sets."));

        var result = TrainCommand.Train(config, args, Path.Combine(outDir, "train"), resume: null);
        if (!result.Completed) return 130;

        // The training backend and its pool are gone but only garbage until a full collection; an aggressive one
        // returns their pages before the next phase adds its own (docs/PERFORMANCE.md, "Memory").
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        MemoryReport.Print("pixel training");
        var checkpoint = TrainingCheckpoint.Load(result.CheckpointPath);
        using var backend = CommonOptions.CreateBackend(args);
        string pixelDir = Path.Combine(outDir, "ood");
        // Beside the raw likelihood, the scores that correct it (docs/METRICS.md), with thresholds calibrated on
        // held-out training images: the cpu-small recipe trains on the first 50,000, so the last ones are unseen (a
        // recipe that trained on them is flagged in the report).
        var scoreArgs = new ParsedArgs("run", new Dictionary<string, string>
        {
            ["scores"] = validation > 0 ? "ll,typicality,complexity" : "ll,complexity",
            ["val"] = validation.ToString(CultureInfo.InvariantCulture),
        }, [], []);
        var report = OodCommand.Evaluate(backend, checkpoint, null, oodSpecs, limit, config.EvalBatchSize, config.Seed,
                                         dataOptions, pixelDir, print: false, scores: scoreArgs);
        string reportPath = Path.Combine(pixelDir, OodReportWriter.JsonFileName);
        MemoryReport.Print("pixel scoring", backend);
        // The scoring batches' buffers are of no use to the feature phase (docs/PERFORMANCE.md, "Memory").
        backend.TrimPool();
        if (features)
        {
            using var embedder = FeatureEmbedder.Open(backend, featureOptions!, Path.Combine(outDir, "features"));
            Console.Error.WriteLine($"extractor: {embedder.Description}");
            var recipe = TrainingPresets.Get("features-tabular").Config;
            var plan = new FeatureFlowPlan
            {
                InDistribution = config.Dataset,
                OodSets = oodSpecs,
                Config = recipe with { Seed = config.Seed, Epochs = featureEpochs },
                TrainLimit = featureTrain,
                TestLimit = limit,
                OutputDirectory = Path.Combine(outDir, "feature-flow"),
            };
            var outcome = FeatureFlowExperiment.Run(backend, embedder, plan,
                (spec, split) => DatasetLoader.Load(spec, split, dataOptions),
                new ConsoleTrainingObserver(recipe.BatchSize, "nats"),
                (images, name, split) => FeaturesCommand.Embed(embedder, images, name, split),
                message => Console.Error.WriteLine(message));
            var summary = outcome.Summary with { Report = Path.GetRelativePath(pixelDir, outcome.ReportPath) };
            report = report with { FeatureFlow = summary };
            reportPath = OodReportWriter.Write(pixelDir, report);
            MemoryReport.Print("feature flow", backend);
        }
        OodCommand.PrintTable(report);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"main job: {clock.Elapsed.TotalMinutes:F1} min"));
        Console.WriteLine($"report: {reportPath}");
        return 0;
    }

    private static Dictionary<string, string> SizeOnly(ParsedArgs args) =>
        args.String("feature-size") is { } size ? new Dictionary<string, string> { ["size"] = size } : new Dictionary<string, string>();
}
