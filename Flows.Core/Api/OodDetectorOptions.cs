using Flows.Core.Data;

namespace Flows.Core.Api;

/// <summary>How <see cref="OodDetector.Load"/> sets up a detector. Every property has a usable default.</summary>
public sealed record OodDetectorOptions
{
    /// <summary>"cpu", "cuda", "auto" (the first usable CUDA device, else the CPU) or "ilgpu-cpu". Default "cpu".</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>
    /// The scores to compute, by name (<see cref="Evaluation.OodScoreCatalog.Names"/>). Null: ll, typicality and
    /// complexity, plus lr with a <see cref="BackgroundCheckpoint"/>
    /// and features with a <see cref="FeatureCheckpoint"/>.
    /// </summary>
    public IReadOnlyList<string>? Scores { get; init; }

    /// <summary>
    /// The score whose calibrated decision is <see cref="OodResult.IsOod"/> (it must be one of the scores). Null: the
    /// first score. ll is the default's first; for FashionMNIST-vs-MNIST-like shifts typicality, complexity, lr or
    /// features are better choices (docs/METRICS.md).
    /// </summary>
    public string? PrimaryScore { get; init; }

    /// <summary>The likelihood-ratio background checkpoint (same architecture, trained with --perturb), or null.</summary>
    public string? BackgroundCheckpoint { get; init; }

    /// <summary>The feature-flow checkpoint (a 512-dimension vector flow on ResNet-18 embeddings), or null.</summary>
    public string? FeatureCheckpoint { get; init; }

    /// <summary>
    /// The ResNet-18 ONNX folder for the features score. Null: FLOWS_RESNET18_DIR, then the NuGet package
    /// Microsoft.ML.DnnImageFeaturizer.ResNet18 where Flows.Core was built (docs/FEATURES.md).
    /// </summary>
    public string? ResNetModelFolder { get; init; }

    /// <summary>The extractor's input size for the features score (even, at least 32); must match the one the feature flow was trained at.</summary>
    public int FeatureInputSize { get; init; } = Features.ResNetFeatureOptions.DefaultInputSize;

    /// <summary>A calibration written by <see cref="OodDetector.SaveCalibration"/> to load with the model, or null.</summary>
    public string? CalibrationPath { get; init; }

    /// <summary>Images per forward pass.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>
    /// Seed of the dequantization noise. Null: the checkpoint's seed + <see cref="Training.Trainer.EvaluationNoiseSeed"/>,
    /// as `flows ood` uses, so the scores equal the CLI's for the same images in the same order.
    /// </summary>
    public ulong? NoiseSeed { get; init; }

    /// <summary>
    /// Resize (shorter side to the model's size, bilinear) and centre-crop images whose size differs from the model's.
    /// Off by default: a flow's likelihood depends on pixel statistics, so a silent resize can change every score.
    /// </summary>
    public bool ResizeImages { get; init; }

    /// <summary>Limits on decoding user-supplied images (file size, pixels, memory).</summary>
    public ImageDecodeLimits DecodeLimits { get; init; } = ImageDecodeLimits.Default;
}
