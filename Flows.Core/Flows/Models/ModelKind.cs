using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// One model name of <see cref="ModelCatalog"/>: what it is, the paper's sizes for an input shape, the sizes it
/// cannot do without, how it is built, and the paper's optimizer settings for it (docs/MODELS.md §4, §5.2–5.3).
/// </summary>
/// <param name="Name">The name a user types (--model) and checkpoints store.</param>
/// <param name="Description">One line for help texts and listings.</param>
/// <param name="RequiredSizes">Size keys (<see cref="ModelConfig.Size"/>) that must be at least 1.</param>
/// <param name="Defaults">The paper's sizes on an image shape (gray sizes for 1 channel, colour otherwise).</param>
/// <param name="Build">Builds the model from a validated configuration and a seed.</param>
public sealed record ModelKind(
    string Name, string Description, IReadOnlyList<string> RequiredSizes,
    Func<ImageShape, ModelConfig> Defaults, Func<ModelConfig, IComputeBackend, int, FlowModel> Build)
{
    /// <summary>Takes feature vectors (D × 1 × 1, sized by "dim") instead of images.</summary>
    public bool TakesVectors { get; init; }

    /// <summary>The paper's optimizer settings for this model.</summary>
    public PaperTraining Training { get; init; } = PaperTraining.RealNvp;

    /// <summary>Its coupling layers as the builder lays them out, for the size bounds of <see cref="ModelFootprint"/>.</summary>
    public Func<ModelConfig, IEnumerable<CouplingSite>> Layout { get; init; } = ModelFootprint.MultiScaleLayout;
}

/// <summary>The optimizer settings the official code uses for a model family (docs/MODELS.md §5.2–5.3).</summary>
public sealed record PaperTraining(string Optimizer, string DecayGroups, double LearningRate, int BatchSize, int SampleCount)
{
    /// <summary>The RealNVP family: Adam 5e-5, weight decay on the weight-norm gains only, batch 32.</summary>
    public static PaperTraining RealNvp { get; } = new("adam", "weight_g", 5e-5, 32, 16);

    /// <summary>Glow: RMSprop 5e-5, weight decay on every parameter.</summary>
    public static PaperTraining Glow { get; } = new("rmsprop", "all", 5e-5, 32, 16);

    /// <summary>The tabular RealNVP on features: Adam 1e-3, decay on all, batch 64, no sample grid.</summary>
    public static PaperTraining Tabular { get; } = new("adam", "all", 1e-3, 64, 0);
}
