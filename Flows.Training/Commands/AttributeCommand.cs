using Flows.Core;
using Flows.Core.Evaluation;
using System.Globalization;
using Flows.Core.Data;
using Flows.Core.Flows;
using Flows.Core.Inspection;
using Flows.Core.Training;
using Flows.Training.Cli;
using Spectre.Console;

namespace Flows.Training.Commands;

/// <summary>`flows attribute`: split each image's log-likelihood into per-layer terms and compare sets.</summary>
public static class AttributeCommand
{
    public static CommandSpec Spec { get; } = new("attribute",
        "Per-layer likelihood attribution: each image's log-likelihood split into one log-determinant per layer, one prior\n" +
        "term per latent piece and the constant -D ln 256 (they sum to the log-likelihood). Writes the mean of every term per\n" +
        "set and the in-distribution minus OOD difference as attribution.json, attribution.md and attribution.png in --out.",
        [
            new("checkpoint", "PATH", "checkpoint.safetensors written by 'flows train'", Required: true),
            new("ood", "SETS", "OOD sets, comma-separated or repeated: registry names or NAME=PATH", "mnist,notmnist", Repeatable: true),
            new("in", "SET", "in-distribution set (default: the one the model was trained on)"),
            new("limit", "N", "use at most N test images per set (0 = all)", "1000"),
            new("batch", "N", "evaluation batch size", "100"),
            new("out", "DIR", "output folder (default: beside the checkpoint, in attribution/)"),
            CommonOptions.BatchNorm, CommonOptions.Seed, CommonOptions.Device, CommonOptions.DataDir, CommonOptions.Offline,
        ],
        Run);

    private static int Run(ParsedArgs args)
    {
        var oodSpecs = ListOption.Values(args, "ood", "mnist,notmnist");
        var bn = CommonOptions.BatchNormMode(args);
        var checkpoint = TrainingCheckpoint.Load(args.Required("checkpoint"));
        string outDir = args.String("out") ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(checkpoint.Path))!, "attribution");
        int limit = args.Int("limit", 1000), batch = args.Int("batch", 100);
        if (limit < 0) throw new UsageException($"--limit must not be negative, got {limit}");
        if (batch < 1) throw new UsageException($"--batch must be at least 1, got {batch}");
        using var backend = CommonOptions.CreateBackend(args);
        var model = FlowModels.Create(checkpoint.Config.Model, backend, checkpoint.Config.Seed);
        if (model is not (MultiScaleFlow or TabularFlow))
            throw new UsageException($"'{checkpoint.Config.Model.Name}' has no likelihood attribution; it covers the multi-scale image flows and the tabular flow");
        checkpoint.LoadModelInto(model);
        var dataOptions = CommonOptions.Data(args);
        string trainedOn = checkpoint.Config.Dataset;
        var inData = CommonOptions.Load(args.String("in") ?? trainedOn, DatasetSplit.Test, dataOptions, trainedOn);
        var oodData = oodSpecs.Select(s => CommonOptions.Load(s, DatasetSplit.Test, dataOptions, trainedOn)).ToList();
        ulong noiseSeed = (ulong)args.Int("seed", checkpoint.Config.Seed) + Trainer.EvaluationNoiseSeed;

        var sets = new List<AttributedSet>();
        // --bn batch: every BatchNorm uses each batch's statistics while attributing (restored afterwards).
        using var bnMode = bn == BatchNormStatistics.Batch ? BatchNormMode.BatchStatistics(model) : null;
        foreach (var data in new[] { inData }.Concat(oodData))
        {
            Console.Error.WriteLine($"attributing {data.Name} ({(limit > 0 ? Math.Min(limit, data.Count) : data.Count)} samples)");
            sets.Add(model switch
            {
                TabularFlow tabular => TabularAttribution.Score(tabular, data, limit, batch, noiseSeed),
                _ => LikelihoodAttribution.Score((MultiScaleFlow)model, data.Images
                    ?? throw new UsageException($"{data.Name} holds vectors; '{checkpoint.Config.Model.Name}' scores images"), limit, batch, noiseSeed),
            });
        }
        var report = new AttributionReport(checkpoint.Config.Model.Name, sets[0], sets.Skip(1).ToList());
        string md = report.Write(outDir);
        Print(report);
        Console.WriteLine($"attribution: {Path.GetFullPath(md)}");
        return 0;
    }

    private static void Print(AttributionReport report)
    {
        var table = new Table().Title($"{report.Model}: mean nats per sample");
        table.AddColumn("term");
        foreach (var s in new[] { report.InDistribution }.Concat(report.Ood)) table.AddColumn(new TableColumn(s.Name).RightAligned());
        foreach (var s in report.Ood) table.AddColumn(new TableColumn("Δ " + s.Name).RightAligned());
        var means = new[] { report.InDistribution }.Concat(report.Ood).Select(s => s.Means()).ToList();
        var diffs = report.Ood.Select(report.Difference).ToList();
        for (int k = 0; k < report.Terms.Count; k++)
            table.AddRow([Markup.Escape(report.Terms[k].Label), .. means.Select(m => F(m[k])), .. diffs.Select(d => F(d[k]))]);
        table.AddRow(["total", .. means.Select(m => F(m.Sum())), .. diffs.Select(d => F(d.Sum()))]);
        Terminal.Write(table);
    }

    private static string F(double v) => v.ToString("F1", CultureInfo.InvariantCulture);
}
