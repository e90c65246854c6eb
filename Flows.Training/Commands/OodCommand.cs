using System.Globalization;
using Flows.Core.Data;
using Flows.Core.Evaluation;
using Flows.Core.Flows;
using Flows.Core.Training;
using Flows.Kernels;
using Flows.Training.Cli;
using Spectre.Console;

namespace Flows.Training.Commands;

/// <summary>`flows ood`: score the in-distribution test set and OOD sets, AUROC, histogram and report.</summary>
public static class OodCommand
{
    public static CommandSpec Spec { get; } = new("ood",
        "Score a trained flow on its test set and on OOD sets with one or more OOD scores (docs/METRICS.md): bits/dim per\n" +
        "set, AUROC with a bootstrap CI, AUPR-In/Out, FPR95 and a calibrated threshold per score and OOD set (in-distribution\n" +
        "is the positive class), a log-likelihood histogram, ROC curves, scores.csv, report.json and report.md in --out.",
        [
            new("checkpoint", "PATH", "checkpoint.safetensors written by 'flows train'", Required: true),
            new("ood", "SETS", "OOD sets, comma-separated or repeated: registry names or NAME=PATH", "mnist,notmnist", Repeatable: true),
            new("scores", "LIST", "OOD scores, comma-separated or repeated: " + string.Join(", ", OodScoreSetup.Names), "ll", Repeatable: true),
            new("val", "N", "validation split: the last N training images of the in-distribution set (thresholds, typicality's entropy; 0 = none)", "0"),
            new("target-tpr", "T", "calibrate each threshold to accept this fraction of the validation split, in (0, 1]", "0.95"),
            new("typicality-batch", "M", "batch size of the typicality batch test", "10"),
            new("compressor", "NAME", "lossless compressor of the complexity score: " + string.Join(", ", ImageCompressors.Names), "png"),
            new("background", "PATH", "lr: background checkpoint of the same architecture (e.g. 'flows train --perturb MU')"),
            new("feature-checkpoint", "PATH", "features: a tabular flow trained on 'flows features' embeddings"),
            new("feature-size", "S", "features: extractor input size when the feature flow records none", "32"),
            new("feature-cache", "DIR", "features: embedding cache folder (default: --out/features)"),
            new("bootstrap", "B", "bootstrap resamples of the AUROC interval", "1000"),
            CommonOptions.BatchNorm,
            new("in", "SET", "in-distribution set (default: the one the model was trained on)"),
            new("limit", "N", "score at most N images per set (0 = all)", "0"),
            new("batch", "N", "evaluation batch size", "256"),
            new("out", "DIR", "output folder (default: beside the checkpoint, in ood/)"),
            new("no-kde", null, "likelihoods.png without the kernel density line over each set"),
            HistogramInsetOption.Flag, HistogramInsetOption.Percentiles,
            CommonOptions.Seed, CommonOptions.Device, CommonOptions.DataDir, CommonOptions.Offline,
        ],
        Run);

    private static int Run(ParsedArgs args)
    {
        // Cheap checks first: a bad flag fails before the checkpoint or any data is read.
        OodScoreSetup.ParseScores(args);
        var scoring = ScoringOptions(args);
        var bn = CommonOptions.BatchNormMode(args);
        var oodSpecs = ListOption.Values(args, "ood", "mnist,notmnist");
        var inset = HistogramInsetOption.Parse(args);
        var checkpoint = TrainingCheckpoint.Load(args.Required("checkpoint"));
        string outDir = args.String("out") ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(checkpoint.Path))!, "ood");
        using var backend = CommonOptions.CreateBackend(args);
        Evaluate(backend, checkpoint, args.String("in"), oodSpecs, args.Int("limit", 0), args.Int("batch", 256),
                 args.Int("seed", checkpoint.Config.Seed), CommonOptions.Data(args), outDir, scores: args, scoring: scoring, batchNorm: bn,
                 kde: !args.Flag("no-kde"), inset: inset);
        return 0;
    }

    /// <summary>--target-tpr, --bootstrap and --typicality-batch, checked.</summary>
    public static OodScoringOptions ScoringOptions(ParsedArgs args)
    {
        double tpr = args.Double("target-tpr", CalibratedThreshold.DefaultTargetTpr);
        if (!(tpr > 0 && tpr <= 1)) throw new UsageException($"--target-tpr must be in (0, 1], got {tpr.ToString(CultureInfo.InvariantCulture)}");
        int b = args.Int("bootstrap", 1000);
        if (b < 2) throw new UsageException($"--bootstrap must be at least 2, got {b}");
        int m = args.Int("typicality-batch", 10);
        if (m < 1) throw new UsageException($"--typicality-batch must be at least 1, got {m}");
        return new OodScoringOptions { TargetTpr = tpr, Bootstrap = new BootstrapSettings { Resamples = b }, TypicalityBatch = m };
    }

    /// <summary>
    /// Runs the evaluation, prints the tables and the line `report: PATH`, and returns the report. <paramref name="scores"/>
    /// holds the score options (--scores, --val, --background, …); null scores ll alone.
    /// </summary>
    public static OodReport Evaluate(IComputeBackend backend, TrainingCheckpoint checkpoint, string? inSpec, IReadOnlyList<string> oodSpecs,
                                     int limit, int batch, int seed, DataOptions dataOptions, string outDir, bool print = true,
                                     ParsedArgs? scores = null, OodScoringOptions? scoring = null,
                                     BatchNormStatistics batchNorm = BatchNormStatistics.Running, bool kde = true,
                                     HistogramInsetOptions? inset = null)
    {
        if (limit < 0) throw new UsageException($"--limit must not be negative, got {limit}");
        if (batch < 1) throw new UsageException($"--batch must be at least 1, got {batch}");
        if (oodSpecs.Count == 0) throw new UsageException("--ood needs at least one data set");
        var model = FlowModels.Create(checkpoint.Config.Model, backend, checkpoint.Config.Seed);
        checkpoint.LoadModelInto(model);
        string trainedOn = checkpoint.Config.Dataset;
        var inData = CommonOptions.Load(inSpec ?? trainedOn, DatasetSplit.Test, dataOptions, trainedOn);
        var oodData = oodSpecs.Select(s => CommonOptions.Load(s, DatasetSplit.Test, dataOptions, trainedOn)).ToList();
        var names = new HashSet<string> { inData.Name };
        foreach (var d in oodData)
            if (!names.Add(d.Name)) throw new UsageException($"data set '{d.Name}' is listed twice; give each OOD set once");
        using var setup = scores is null ? null : OodScoreSetup.Create(scores, backend, checkpoint, model, inSpec ?? trainedOn, dataOptions, outDir);

        ProgressBar? bar = null;
        string? current = null;
        var (report, path, _) = OodEvaluation.Run(model, inData, oodData, outDir, new OodEvaluation.Options
        {
            Limit = limit,
            BatchSize = batch,
            CheckpointPath = Path.GetFullPath(checkpoint.Path),
            Seed = seed,
            NoiseSeed = (ulong)seed + Trainer.EvaluationNoiseSeed,
            Progress = (set, done, total) =>
            {
                if (set != current) { current = set; bar = new ProgressBar($"score {set}", total, "img"); }
                bar!.Report(done);
            },
            Scores = setup?.Scores,
            Validation = setup?.Validation,
            ValidationSplit = setup?.ValidationSplit,
            Background = setup?.Background,
            Features = setup?.Features,
            BatchNorm = batchNorm,
            Scoring = scoring ?? new OodScoringOptions(),
            HistogramKde = kde,
            HistogramInset = inset,
        });
        if (print)
        {
            PrintTable(report);
            Console.WriteLine($"report: {path}");
        }
        return report;
    }

    public static void PrintTable(OodReport report)
    {
        var table = new Table().Title($"{report.Model} trained on {report.TrainingSetName}");
        table.AddColumn("set");
        table.AddColumn(new TableColumn("images").RightAligned());
        bool images = report.Data == "images";
        table.AddColumn(new TableColumn(images ? "bits/dim" : "NLL (nats)").RightAligned());
        table.AddColumn(new TableColumn("AUROC").RightAligned());
        foreach (var name in report.SetNames())
        {
            string auroc = report.Auroc.TryGetValue(name, out var a) ? a.ToString("F4", CultureInfo.InvariantCulture) : "(in-distribution)";
            table.AddRow(name, report.Counts.GetValueOrDefault(name).ToString(CultureInfo.InvariantCulture),
                         (images ? report.Bpd : report.Nll).GetValueOrDefault(name, double.NaN).ToString("F4", CultureInfo.InvariantCulture), auroc);
        }
        Terminal.Write(table);
        if (report.FeatureFlow is { } f)
        {
            var pairs = new Table().Title($"pixel flow vs feature flow ({f.Extractor})");
            pairs.AddColumn("in-distribution → OOD");
            pairs.AddColumn(new TableColumn("pixel flow AUROC").RightAligned());
            pairs.AddColumn(new TableColumn("feature flow AUROC").RightAligned());
            foreach (var name in report.Auroc.Keys.Concat(f.Auroc.Keys).Distinct())
                pairs.AddRow($"{report.InDistribution} → {name}",
                    report.Auroc.TryGetValue(name, out var p) ? p.ToString("F4", CultureInfo.InvariantCulture) : "—",
                    f.Auroc.TryGetValue(name, out var q) ? q.ToString("F4", CultureInfo.InvariantCulture) : "—");
            Terminal.Write(pairs);
        }
        ScoreTables.Print(report);
        foreach (var (name, a) in report.Auroc)
            Console.WriteLine(a < 0.5
                ? $"AUROC {name}: {a:F4} < 0.5: the flow gives {name} a HIGHER likelihood than its own test set"
                : $"AUROC {name}: {a:F4}: the flow gives {name} a lower likelihood than its own test set");
    }
}
