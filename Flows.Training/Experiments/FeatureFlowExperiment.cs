using System.Diagnostics;
using Flows.Core.Data;
using Flows.Core.Evaluation;
using Flows.Core.Features;
using Flows.Core.Training;
using Flows.Kernels;

namespace Flows.Training.Experiments;

/// <summary>What one feature-flow run (docs/MODELS.md §2 E10) embeds, trains and scores.</summary>
public sealed record FeatureFlowPlan
{
    /// <summary>The in-distribution image set (registry name or NAME=PATH); its train split trains the flow.</summary>
    public required string InDistribution { get; init; }

    public required IReadOnlyList<string> OodSets { get; init; }

    /// <summary>The tabular flow's recipe; its model width follows the embeddings.</summary>
    public required TrainingConfig Config { get; init; }

    /// <summary>Embed only the first N training images (0 = all).</summary>
    public int TrainLimit { get; init; }

    /// <summary>Embed and score only the first N test images of every set (0 = all).</summary>
    public int TestLimit { get; init; }

    /// <summary>The run's folder: train/ (checkpoint, metrics), ood/ (report); the embeddings go to the embedder's cache.</summary>
    public required string OutputDirectory { get; init; }
}

/// <summary>How a feature-flow run went: its OOD report, where it is, and the summary a pixel report shows beside its own AUROCs.</summary>
public sealed record FeatureFlowOutcome(OodReport Report, string ReportPath, TrainingResult Training, FeatureFlowSummary Summary);

/// <summary>
/// The paper's cure (§8, docs/MODELS.md §2 E10): embed the in-distribution and OOD images with the pretrained
/// ResNet-18, train the tabular RealNVP on the in-distribution training embeddings, and score the test
/// embeddings of every set by likelihood. Used by the main job and by <c>flows experiments</c>.
/// </summary>
public static class FeatureFlowExperiment
{
    /// <param name="load">Loads an image set's split (the app passes its data options and logging).</param>
    /// <param name="embed">Embeds one image set (the app draws a progress bar); defaults to the embedder's own.</param>
    public static FeatureFlowOutcome Run(IComputeBackend backend, FeatureEmbedder embedder, FeatureFlowPlan plan,
        Func<string, DatasetSplit, ImageDataset> load, ITrainingObserver observer,
        Func<ImageDataset, string, DatasetSplit, EmbeddedSet>? embed = null, Action<string>? log = null)
    {
        embed ??= (images, name, split) => embedder.Embed(images, name, split);
        double embedSeconds = 0;
        // Vectors carry the name of the images they came from, so the feature report's sets are the pixel report's.
        VectorDataset Vectors(string spec, DatasetSplit split, int limit)
        {
            var images = load(spec, split);
            if (limit > 0) images = images.Subset(limit);
            var set = embed(images, SetName(spec), split);
            if (!set.Cached) embedSeconds += set.Seconds;
            log?.Invoke(set.Cached ? $"features: {images.Name} from the cache ({set.Path})" : $"features: {images.Name} {set.Data.Count} vectors at {set.Rate:F1} img/s");
            return new VectorDataset(images.Name, set.Data.Values, set.Data.Labels, set.Data.Dim);
        }

        var train = Vectors(plan.InDistribution, DatasetSplit.Train, plan.TrainLimit);
        var test = Vectors(plan.InDistribution, DatasetSplit.Test, plan.TestLimit);
        var ood = plan.OodSets.Select(s => Vectors(s, DatasetSplit.Test, plan.TestLimit)).ToList();

        var flowClock = Stopwatch.StartNew();
        var config = plan.Config with
        {
            Model = plan.Config.Model with { Dim = train.Dim, Image = new Core.Flows.ImageShape(train.Dim, 1, 1) },
            Dataset = FeatureCache.SpecFor(embedder.Directory, SetName(plan.InDistribution)),
        };
        TrainingResult training;
        OodReport report;
        string reportPath;
        using (var trainer = new Trainer(config, backend, train, test, Path.Combine(plan.OutputDirectory, "train")))
        {
            training = trainer.Run(observer);
            (report, reportPath, _) = OodEvaluation.Run(trainer.Model, test, ood.Select(o => (FlowData)o).ToList(),
                Path.Combine(plan.OutputDirectory, "ood"), new OodEvaluation.Options
                {
                    BatchSize = config.EvalBatchSize, CheckpointPath = Path.GetFullPath(training.CheckpointPath), Seed = config.Seed,
                });
        }
        var summary = new FeatureFlowSummary
        {
            Extractor = embedder.Description,
            Report = reportPath,
            TrainVectors = train.Count,
            Steps = training.State.GlobalStep,
            Auroc = report.Auroc,
            Nll = report.Nll,
            EmbedSeconds = embedSeconds,
            FlowSeconds = flowClock.Elapsed.TotalSeconds,
        };
        return new FeatureFlowOutcome(report, reportPath, training, summary);
    }

    /// <summary>A set's short name: the registry name, or NAME of NAME=PATH.</summary>
    public static string SetName(string spec)
    {
        spec = spec.Trim();
        int eq = spec.IndexOf('=');
        if (eq >= 0) return spec[..eq].Trim();
        return DatasetRegistry.Find(spec)?.Name ?? Path.GetFileNameWithoutExtension(spec.TrimEnd('/', '\\'));
    }
}
