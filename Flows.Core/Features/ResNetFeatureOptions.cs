namespace Flows.Core.Features;

/// <summary>Settings of <see cref="ResNetFeatureExtractor"/> (docs/FEATURES.md, "Input size").</summary>
public sealed record ResNetFeatureOptions
{
    /// <summary>
    /// The square size images are resized to before the network. 224 is the graph's own size; 32 is the
    /// default: on 28×28 and 32×32 images it separated FashionMNIST from MNIST and notMNIST better than 64, 128
    /// or a flow at 224 cost-for-cost, and it is about 12× cheaper than 224 (measured: docs/FEATURES.md,
    /// "Input size"). Must be even (the stem's asymmetric pads).
    /// </summary>
    public int InputSize { get; init; } = DefaultInputSize;

    /// <summary>The default <see cref="InputSize"/>.</summary>
    public const int DefaultInputSize = 32;

    /// <summary>Images per forward pass.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Fold BatchNormalization into the convolutions (exact up to rounding; faster).</summary>
    public bool FoldBatchNorm { get; init; } = true;

    /// <summary>How the final AveragePool runs; Global is identical to the graph at 224 and defined elsewhere.</summary>
    public AveragePoolMode AveragePool { get; init; } = AveragePoolMode.Global;

    /// <summary>A folder holding the ONNX files; null: FLOWS_RESNET18_DIR, then the NuGet package folder.</summary>
    public string? ModelFolder { get; init; }
}
