using Flows.Core.Data;
using Flows.Core.Evaluation;
using Flows.Core.Features;
using Flows.Core.Flows;
using Flows.Core.Training;
using Flows.Kernels;
using Flows.Training.Cli;

namespace Flows.Training.Commands;

/// <summary>
/// The score-related options of `flows ood` (--scores, --val, --background, --feature-checkpoint, …) checked and
/// turned into scores, a validation split, a background model and a feature flow: every mistake is a one-line
/// UsageException before anything is scored or written (docs/METRICS.md, "OOD scores").
/// </summary>
public sealed class OodScoreSetup : IDisposable
{
    private OodScoreSetup(IReadOnlyList<IOodScore> scores) => Scores = scores;

    /// <summary>The scores, in the order given.</summary>
    public IReadOnlyList<IOodScore> Scores { get; }

    /// <summary>The validation split, or null without --val.</summary>
    public FlowData? Validation { get; private set; }

    /// <summary>Where the validation split came from.</summary>
    public ValidationSplit? ValidationSplit { get; private set; }

    /// <summary>The background model for lr, or null.</summary>
    public FlowModel? Background { get; private set; }

    /// <summary>The feature flow for features, or null.</summary>
    public FeatureFlowScorer? Features { get; private set; }

    /// <summary>The score names --scores accepts.</summary>
    public static IReadOnlyList<string> Names => OodScoreCatalog.Names;

    /// <summary>Parses --scores and --compressor into scores; unknown names are a UsageException.</summary>
    public static IReadOnlyList<IOodScore> ParseScores(ParsedArgs args)
    {
        IImageCompressor compressor;
        try { compressor = ImageCompressors.Create(args.String("compressor") ?? PngCompressor.CompressorName); }
        catch (ArgumentException e) { throw new UsageException("--compressor: " + e.Message); }
        return ListOption.Values(args, "scores", "ll").Select(name =>
        {
            try { return OodScoreCatalog.Create(name, compressor); }
            catch (ArgumentException e) { throw new UsageException("--scores: " + e.Message); }
        }).ToList();
    }

    /// <summary>Checks the options the scores need and loads what they name (validation split, background, feature flow).</summary>
    public static OodScoreSetup Create(ParsedArgs args, IComputeBackend backend, TrainingCheckpoint checkpoint, FlowModel model,
                                       string inSpec, DataOptions dataOptions, string outDir)
    {
        var setup = new OodScoreSetup(ParseScores(args));
        try
        {
            setup.Load(args, backend, checkpoint, model, inSpec, dataOptions, outDir);
            return setup;
        }
        catch
        {
            setup.Dispose();
            throw;
        }
    }

    private void Load(ParsedArgs args, IComputeBackend backend, TrainingCheckpoint checkpoint, FlowModel model,
                      string inSpec, DataOptions dataOptions, string outDir)
    {
        int val = args.Int("val", 0);
        if (val < 0) throw new UsageException($"--val must not be negative, got {val}");
        bool needsVal = Scores.Any(s => s.Needs.HasFlag(ScoreNeeds.Validation));
        if (needsVal && val == 0)
            throw new UsageException($"--scores {string.Join(",", Scores.Where(s => s.Needs.HasFlag(ScoreNeeds.Validation)).Select(s => s.Name))} needs an in-distribution validation split: give --val N (the last N training images of {inSpec})");
        bool needsBackground = Scores.Any(s => s.Needs.HasFlag(ScoreNeeds.Background));
        if (needsBackground && args.String("background") is null)
            throw new UsageException("--scores lr needs --background PATH: a checkpoint of the same architecture trained on perturbed inputs ('flows train --perturb MU')");
        bool needsFeatures = Scores.Any(s => s.Needs.HasFlag(ScoreNeeds.FeatureFlow));
        if (needsFeatures && args.String("feature-checkpoint") is null)
            throw new UsageException("--scores features needs --feature-checkpoint PATH: a tabular flow trained on 'flows features' embeddings");
        if (Scores.Any(s => s is ComplexityScore) && !model.DiscreteData)
            throw new UsageException($"--scores complexity compresses images; the model '{model.Config.Name}' scores vectors");
        if (needsFeatures && !model.DiscreteData)
            throw new UsageException($"--scores features embeds images; the model '{model.Config.Name}' scores vectors");

        if (needsBackground) Background = LoadBackground(args.String("background")!, backend, model);
        if (needsFeatures) Features = LoadFeatureFlow(args, backend, outDir);
        if (val > 0)
        {
            var train = CommonOptions.Load(inSpec, DatasetSplit.Train, dataOptions, checkpoint.Config.Dataset);
            if (val > train.Count)
                throw new UsageException($"--val {val}: {train.Name} has only {train.Count} training samples; give --val 1 to {train.Count}");
            bool trainedOnIt = string.Equals(inSpec, checkpoint.Config.Dataset, StringComparison.OrdinalIgnoreCase);
            var (data, split) = Core.Evaluation.ValidationSplit.Carve(train, val, checkpoint.Config.TrainLimit, trainedOnIt);
            (Validation, ValidationSplit) = (data, split);
            Console.Error.WriteLine(split.DisjointFromTraining
                ? $"validation: the last {split.Count} samples of {split.Source} (from {split.Start}), unseen in training"
                : $"validation: the last {split.Count} samples of {split.Source} (from {split.Start}); the model trained on them (no --train-limit ≤ {split.Start}), so thresholds and Ĥ are optimistic");
        }
    }

    /// <summary>The background checkpoint as a model of the same architecture and data shape as <paramref name="model"/>.</summary>
    public static FlowModel LoadBackground(string path, IComputeBackend backend, FlowModel model)
    {
        var checkpoint = TrainingCheckpoint.Load(path);
        if (LikelihoodRatioScore.ArchitectureMismatch(model.Config, checkpoint.Config.Model) is { } mismatch)
            throw new UsageException($"--background '{path}' is a {checkpoint.Config.Model.Name} with {mismatch}; the likelihood ratio needs a background model of the same architecture and data shape");
        var background = FlowModels.Create(checkpoint.Config.Model, backend, checkpoint.Config.Seed);
        checkpoint.LoadModelInto(background);
        return background;
    }

    private static FeatureFlowScorer LoadFeatureFlow(ParsedArgs args, IComputeBackend backend, string outDir)
    {
        string path = args.String("feature-checkpoint")!;
        var checkpoint = TrainingCheckpoint.Load(path);
        var flow = FlowModels.Create(checkpoint.Config.Model, backend, checkpoint.Config.Seed);
        try { FeatureFlowScorer.CheckDimension(flow); }
        catch (ArgumentException e) { throw new UsageException($"--feature-checkpoint '{path}': {e.Message}"); }
        checkpoint.LoadModelInto(flow);
        int? recorded = FeatureFlowScorer.RecordedInputSize(checkpoint.Config.Dataset);
        int? asked = args.IntOrNull("feature-size");
        if (recorded is { } r && asked is { } a && r != a)
            throw new UsageException($"--feature-size {a}: the feature flow '{path}' was trained on embeddings at size {r}; drop --feature-size or give {r}");
        int size = recorded ?? asked ?? new ResNetFeatureOptions().InputSize;
        if (size < 32 || size % 2 != 0) throw new UsageException($"--feature-size must be even and at least 32, got {size}");
        Console.Error.WriteLine(recorded is null
            ? $"feature flow: no extractor size recorded beside {checkpoint.Config.Dataset}; embedding at {size}"
            : $"feature flow: embedding at the recorded size {size}");
        string cache = Path.GetFullPath(args.String("feature-cache") ?? Path.Combine(outDir, "features"));
        var embedder = FeatureEmbedder.Open(backend, new ResNetFeatureOptions { InputSize = size }, cache);
        return new FeatureFlowScorer(flow, embedder);
    }

    /// <summary>Closes the feature extractor.</summary>
    public void Dispose() => Features?.Embedder.Dispose();
}
