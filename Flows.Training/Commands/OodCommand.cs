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
        "Score a trained flow on its test set and on OOD sets: bits/dim per set, AUROC per OOD set (in-distribution is the\n" +
        "positive class), a log-likelihood histogram, report.json and report.md in --out.",
        [
            new("checkpoint", "PATH", "checkpoint.safetensors written by 'flows train'"),
            new("ood", "SETS", "comma-separated OOD sets: registry names or NAME=PATH", "mnist,notmnist"),
            new("in", "SET", "in-distribution set (default: the one the model was trained on)"),
            new("limit", "N", "score at most N images per set (0 = all)", "0"),
            new("batch", "N", "evaluation batch size", "256"),
            new("out", "DIR", "output folder (default: beside the checkpoint, in ood/)"),
            CommonOptions.Seed, CommonOptions.Device, CommonOptions.DataDir, CommonOptions.Offline,
        ],
        Run);

    private static int Run(ParsedArgs args)
    {
        var checkpoint = TrainingCheckpoint.Load(args.Required("checkpoint"));
        string outDir = args.String("out") ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(checkpoint.Path))!, "ood");
        using var backend = CommonOptions.CreateBackend(args);
        var oodSpecs = (args.String("ood") ?? "mnist,notmnist").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (oodSpecs.Length == 0) throw new UsageException("--ood needs at least one data set");
        Evaluate(backend, checkpoint, args.String("in"), oodSpecs, args.Int("limit", 0), args.Int("batch", 256),
                 args.Int("seed", checkpoint.Config.Seed), CommonOptions.Data(args), outDir);
        return 0;
    }

    /// <summary>Runs the evaluation, prints the table and the line `report: PATH`, and returns the report.</summary>
    public static OodReport Evaluate(IComputeBackend backend, TrainingCheckpoint checkpoint, string? inSpec, IReadOnlyList<string> oodSpecs,
                                     int limit, int batch, int seed, DataOptions dataOptions, string outDir, bool print = true)
    {
        if (limit < 0) throw new UsageException($"--limit must not be negative, got {limit}");
        if (batch < 1) throw new UsageException($"--batch must be at least 1, got {batch}");
        var model = FlowModels.Create(checkpoint.Config.Model, backend, checkpoint.Config.Seed);
        checkpoint.LoadModelInto(model);
        string trainedOn = checkpoint.Config.Dataset;
        var inData = CommonOptions.Load(inSpec ?? trainedOn, DatasetSplit.Test, dataOptions, trainedOn);
        var oodData = oodSpecs.Select(s => CommonOptions.Load(s, DatasetSplit.Test, dataOptions, trainedOn)).ToList();
        var names = new HashSet<string> { inData.Name };
        foreach (var d in oodData)
            if (!names.Add(d.Name)) throw new UsageException($"data set '{d.Name}' is listed twice; give each OOD set once");

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
        var table = new Table().Title($"{report.Model} trained on {report.InDistribution}");
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
        foreach (var (name, a) in report.Auroc)
            Console.WriteLine(a < 0.5
                ? $"AUROC {name}: {a:F4} < 0.5: the flow gives {name} a HIGHER likelihood than its own test set"
                : $"AUROC {name}: {a:F4}: the flow gives {name} a lower likelihood than its own test set");
    }
}
