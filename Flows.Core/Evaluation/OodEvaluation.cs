using System.Diagnostics;
using Flows.Core.Data;
using Flows.Core.Flows;

namespace Flows.Core.Evaluation;

/// <summary>One scored data set: its name and per-image log-likelihoods (nats).</summary>
public sealed record ScoredSet(string Name, double[] LogLikelihoods);

/// <summary>
/// The paper's OOD test (paper-spec §6): score the in-distribution test set and each OOD set with the flow
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
    }

    public static (OodReport Report, string ReportPath, IReadOnlyList<ScoredSet> Scores) Run(
        FlowModel model, ImageDataset inDistribution, IReadOnlyList<ImageDataset> oodSets, string outputDirectory, Options options) =>
        Run(model, (FlowData)inDistribution, oodSets.Select(d => (FlowData)d).ToList(), outputDirectory, options);

    /// <summary>The same for any data the model takes: images, or vectors for a tabular model (nats, no bits/dim).</summary>
    public static (OodReport Report, string ReportPath, IReadOnlyList<ScoredSet> Scores) Run(
        FlowModel model, FlowData inDistribution, IReadOnlyList<FlowData> oodSets, string outputDirectory, Options options)
    {
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(outputDirectory);
        var sets = new List<ScoredSet>();
        foreach (var data in new[] { inDistribution }.Concat(oodSets))
        {
            int total = options.Limit > 0 ? Math.Min(options.Limit, data.Count) : data.Count;
            var scores = LikelihoodScorer.Score(model, data, options.BatchSize, options.NoiseSeed, options.Limit,
                done => options.Progress?.Invoke(data.Name, done, total));
            sets.Add(new ScoredSet(data.Name, scores));
        }

        var inScores = sets[0].LogLikelihoods;
        var auroc = new Dictionary<string, double>();
        foreach (var s in sets.Skip(1)) auroc[s.Name] = Auroc.Compute(inScores, s.LogLikelihoods);

        const string histogramFile = "likelihoods.png";
        LikelihoodHistogram.Save(Path.Combine(outputDirectory, histogramFile),
            sets.Select(s => (s.Name == inDistribution.Name ? s.Name + " (test)" : s.Name + " (OOD)", s.LogLikelihoods)).ToList(),
            new HistogramOptions { DropBelowPercentile = 5, Title = $"{model.Config.Name} trained on {inDistribution.Name}" });

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
        };
        var path = OodReportWriter.Write(outputDirectory, report);
        return (report, path, sets);
    }
}
