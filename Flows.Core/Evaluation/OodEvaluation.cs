using System.Diagnostics;
using Flows.Core.Data;
using Flows.Core.Flows;

namespace Flows.Core.Evaluation;

/// <summary>One scored data set: its name and per-image log-likelihoods (nats).</summary>
public sealed record ScoredSet(string Name, double[] LogLikelihoods);

/// <summary>
/// The paper's OOD test (docs/MODELS.md §6): score the in-distribution test set and each OOD set with the flow
/// (eval mode, one fixed dequantization draw per image), then bits/dim per set, AUROC per OOD set
/// (in-distribution positive, mid-rank ties), a likelihood histogram and report.json / report.md.
/// </summary>
public static class OodEvaluation
{
    public sealed record Options
    {
        /// <summary>Score at most this many images per set (0 = all).</summary>
        public int Limit { get; init; }
        public int BatchSize { get; init; } = 256;
        public ulong NoiseSeed { get; init; } = 0xE7A1;
        public string CheckpointPath { get; init; } = "";
        public long Seed { get; init; }
        /// <summary>Called with (set name, images done, images in all).</summary>
        public Action<string, int, int>? Progress { get; init; }

        /// <summary>The OOD scores to compute (docs/METRICS.md, "OOD scores"); null: ll alone.</summary>
        public IReadOnlyList<IOodScore>? Scores { get; init; }

        /// <summary>The in-distribution validation split and where it came from (<see cref="ValidationSplit.Carve"/>), or null.</summary>
        public FlowData? Validation { get; init; }

        /// <summary>Describes <see cref="Validation"/> in the report.</summary>
        public ValidationSplit? ValidationSplit { get; init; }

        /// <summary>The likelihood-ratio background model, or null.</summary>
        public FlowModel? Background { get; init; }

        /// <summary>The feature flow and its extractor, or null.</summary>
        public FeatureFlowScorer? Features { get; init; }

        /// <summary>The statistics BatchNorm uses while scoring.</summary>
        public BatchNormStatistics BatchNorm { get; init; } = BatchNormStatistics.Running;

        /// <summary>Target TPR, bootstrap and typicality batch size.</summary>
        public OodScoringOptions Scoring { get; init; } = new();

        /// <summary>Draw a kernel density line over each set of the likelihood histogram (seaborn's default; docs/MODELS.md §7.1).</summary>
        public bool HistogramKde { get; init; } = true;

        /// <summary>
        /// Figure 1(a)'s zoomed inset on the histogram (docs/MODELS.md §2 E1), or null for none; its window follows
        /// the in-distribution set whatever <see cref="HistogramInsetOptions.InDistributionSet"/> says.
        /// </summary>
        public HistogramInsetOptions? HistogramInset { get; init; }
    }

    public static (OodReport Report, string ReportPath, IReadOnlyList<ScoredSet> Scores) Run(
        FlowModel model, ImageDataset inDistribution, IReadOnlyList<ImageDataset> oodSets, string outputDirectory, Options options) =>
        Run(model, (FlowData)inDistribution, oodSets.Select(d => (FlowData)d).ToList(), outputDirectory, options);

    /// <summary>The same for any data the model takes: images, or vectors for a tabular model (nats, no bits/dim).</summary>
    public static (OodReport Report, string ReportPath, IReadOnlyList<ScoredSet> Scores) Run(
        FlowModel model, FlowData inDistribution, IReadOnlyList<FlowData> oodSets, string outputDirectory, Options options)
    {
        var clock = Stopwatch.StartNew();
        var context = new ScoringContext(model)
        {
            BatchSize = options.BatchSize,
            NoiseSeed = options.NoiseSeed,
            Limit = options.Limit,
            BatchNorm = options.BatchNorm,
            Validation = options.Validation,
            Background = options.Background,
            Features = options.Features,
            Progress = options.Progress,
        };
        var scoreList = options.Scores ?? [new LikelihoodScore()];
        OodScoring.CheckNeeds(scoreList, context);
        var sets = new List<ScoredSet>();
        foreach (var data in new[] { inDistribution }.Concat(oodSets))
            sets.Add(new ScoredSet(data.Name, context.LogLikelihoods(data)));
        // Every score and metric is computed before anything is written: an error leaves the folder as it was.
        var (tables, summaries) = OodScoring.Run(context, scoreList, inDistribution, oodSets, options.Scoring);

        var inScores = sets[0].LogLikelihoods;
        var auroc = new Dictionary<string, double>();
        foreach (var s in sets.Skip(1)) auroc[s.Name] = Auroc.Compute(inScores, s.LogLikelihoods);

        Directory.CreateDirectory(outputDirectory);
        // Figures name the set the model was trained on, not its test split ("fashionmnist", not "fashionmnist/test").
        string title = $"{model.Config.Name} trained on {OodReport.TrainingSet(inDistribution.Name)}";
        ScoreCsv.Write(Path.Combine(outputDirectory, ScoreCsv.FileName), tables);
        summaries = summaries.Select(summary => summary with
        {
            RocFile = RocFigure.Save(outputDirectory, summary, tables, title),
        }).ToList();

        const string histogramFile = "likelihoods.png";
        LikelihoodHistogram.Save(Path.Combine(outputDirectory, histogramFile),
            sets.Select(s => (s.Name == inDistribution.Name ? s.Name + " (test)" : s.Name + " (OOD)", s.LogLikelihoods)).ToList(),
            new HistogramOptions
            {
                DropBelowPercentile = 5, Title = title, Kde = options.HistogramKde,
                Inset = options.HistogramInset is { } inset ? inset with { InDistributionSet = 0 } : null,
            });

        var report = new OodReport
        {
            Model = model.Config.Name,
            Checkpoint = options.CheckpointPath,
            Device = model.Backend.Name,
            Seed = options.Seed,
            InDistribution = inDistribution.Name,
            Counts = sets.ToDictionary(s => s.Name, s => s.LogLikelihoods.Length),
            Bpd = model.DiscreteData ? sets.ToDictionary(s => s.Name, s => BitsPerDim.Mean(s.LogLikelihoods, model.Dimension)) : new Dictionary<string, double>(),
            Nll = sets.ToDictionary(s => s.Name, s => s.LogLikelihoods.Length == 0 ? double.NaN : -s.LogLikelihoods.Average()),
            Data = model.DiscreteData ? "images" : "vectors",
            Auroc = auroc,
            WallTimeSeconds = clock.Elapsed.TotalSeconds,
            HistogramFile = histogramFile,
            Scores = summaries,
            Validation = options.ValidationSplit,
            Entropy = options.Validation is { Count: > 0 } && scoreList.Any(sc => sc is TypicalityScore) ? context.Entropy("typicality") : double.NaN,
            BatchNorm = options.BatchNorm == BatchNormStatistics.Batch ? "batch" : "running",
            ScoresFile = ScoreCsv.FileName,
        };
        var path = OodReportWriter.Write(outputDirectory, report);
        return (report, path, sets);
    }
}
