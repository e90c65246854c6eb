using System.Globalization;
using Flows.Core.Data;
using Flows.Training.Experiments;
using Flows.Core.Features;
using Flows.Training.Cli;

namespace Flows.Training.Commands;

/// <summary>
/// `flows features`: embed image sets with the pretrained ResNet-18 run by our engine into cached .npz files
/// (keys embeddings, labels) that `train --model tabular` and `ood` read (docs/MODELS.md §2 E10, docs/FEATURES.md).
/// </summary>
public static class FeaturesCommand
{
    public static CommandSpec Spec { get; } = new("features",
        "Embed image sets with an ImageNet ResNet-18 (ONNX weights from the NuGet package, run by our engine) into\n" +
        "DIR/NAME_features_SPLIT.npz (keys embeddings [N, 512] float32, labels [N] int64). Grayscale images are\n" +
        "replicated to 3 channels and every image is resized to --size (default 32: see docs/FEATURES.md for the\n" +
        "AUROC/speed trade-off). A cache is reused only when the model files, size and images are the same.\n" +
        "Train a feature flow on the result with: flows train --dataset NAME=DIR/NAME_features_{split}.npz",
        [
            new("data", "SETS", "image sets to embed: registry names or NAME=PATH, comma-separated or repeated", "fashionmnist,mnist,notmnist", Repeatable: true),
            new("splits", "WHICH", "train, test or train,test, comma-separated or repeated (default: every split a set has)", Repeatable: true),
            new("size", "S", "input size (even, ≥ 32; 224 is the graph's own)", "32"),
            new("batch", "N", "images per forward pass", "64"),
            new("train-limit", "N", "embed only the first N training images (0 = all)", "0"),
            new("test-limit", "N", "embed only the first N test images (0 = all)", "0"),
            new("pool", "MODE", "global (any size) or graph (the graph's 7x7 average pool; 224 only)", "global"),
            new("model-dir", "DIR", $"folder with ResNet18.onnx and ResNetPreprocess.onnx (else {ResNetModelFiles.EnvironmentVariable}, else the NuGet package)"),
            new("out", "DIR", "cache folder for the .npz files", "runs/features"),
            CommonOptions.Device, CommonOptions.DataDir, CommonOptions.Offline,
        ],
        Run);

    private static int Run(ParsedArgs args)
    {
        var sets = ListOption.Values(args, "data", "fashionmnist,mnist,notmnist");
        var splits = args.Has("splits") ? ParseSplits(ListOption.Values(args, "splits", null)) : null;
        var options = Options(args);
        int trainLimit = NonNegative(args, "train-limit"), testLimit = NonNegative(args, "test-limit");
        string outDir = Path.GetFullPath(args.String("out") ?? "runs/features");
        using var backend = CommonOptions.CreateBackend(args);
        using var embedder = FeatureEmbedder.Open(backend, options, outDir);
        var data = CommonOptions.Data(args);
        Console.Error.WriteLine($"extractor: {embedder.Description}");
        foreach (var spec in sets)
        {
            string name = FeatureFlowExperiment.SetName(spec);
            foreach (var split in splits ?? SplitsOf(spec))
            {
                var images = DatasetLoader.Load(spec, split, data);
                int limit = split == DatasetSplit.Train ? trainLimit : testLimit;
                if (limit > 0) images = images.Subset(limit);
                var set = Embed(embedder, images, name, split);
                Console.WriteLine(set.Cached
                    ? $"features: {name} {FlowDataLoader.SplitName(split)} {set.Data.Count} vectors (cached) → {set.Path}"
                    : string.Create(CultureInfo.InvariantCulture, $"features: {name} {FlowDataLoader.SplitName(split)} {set.Data.Count} vectors in {set.Seconds:F1} s ({set.Rate:F1} img/s) → {set.Path}"));
            }
            Console.WriteLine($"spec: {FeatureCache.SpecFor(outDir, name)}");
        }
        return 0;
    }

    /// <summary>Embeds one set with a progress bar (images per second) while it computes.</summary>
    public static EmbeddedSet Embed(FeatureEmbedder embedder, ImageDataset images, string name, DatasetSplit split)
    {
        ProgressBar? bar = null;
        var set = embedder.Embed(images, name, split, (done, total) =>
        {
            bar ??= new ProgressBar($"embed {name} {FlowDataLoader.SplitName(split)}", total, "img");
            bar.Report(done);
        });
        return set;
    }

    /// <summary>The extractor settings from --size, --batch, --pool and --model-dir.</summary>
    public static ResNetFeatureOptions Options(ParsedArgs args)
    {
        int size = args.Int("size", ResNetFeatureOptions.DefaultInputSize), batch = args.Int("batch", new ResNetFeatureOptions().BatchSize);
        if (size < 32 || size % 2 != 0) throw new UsageException($"--size must be even and at least 32, got {size}");
        if (batch < 1) throw new UsageException($"--batch must be at least 1, got {batch}");
        var pool = (args.String("pool") ?? "global").ToLowerInvariant() switch
        {
            "global" => AveragePoolMode.Global,
            "graph" when size == 224 => AveragePoolMode.AsWritten,
            "graph" => throw new UsageException($"--pool graph is the graph's fixed 7x7 average pool, global only at --size 224 (got {size}); use --pool global"),
            var p => throw new UsageException($"--pool must be global or graph, got '{p}'"),
        };
        return new ResNetFeatureOptions { InputSize = size, BatchSize = batch, AveragePool = pool, ModelFolder = args.String("model-dir") };
    }

    private static IReadOnlyList<DatasetSplit> SplitsOf(string spec)
    {
        var info = DatasetRegistry.Find(spec.Contains('=') ? spec[..spec.IndexOf('=')].Trim() : spec);
        if (info is null) return [DatasetSplit.Test];
        return new[] { DatasetSplit.Train, DatasetSplit.Test }.Where(info.HasSplit).ToList();
    }

    private static IReadOnlyList<DatasetSplit> ParseSplits(IReadOnlyList<string> values) =>
        values.Select(s => s.ToLowerInvariant() switch
        {
            "train" => DatasetSplit.Train,
            "test" => DatasetSplit.Test,
            _ => throw new UsageException($"--splits takes train, test or train,test; got '{s}'"),
        }).Distinct().ToList();

    private static int NonNegative(ParsedArgs args, string name)
    {
        int v = args.Int(name, 0);
        return v >= 0 ? v : throw new UsageException($"--{name} must not be negative, got {v}");
    }
}
