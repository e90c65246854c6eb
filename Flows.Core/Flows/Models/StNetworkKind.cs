using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>What an image st-network builder gets for one coupling layer.</summary>
/// <param name="InChannels">Channels of the conditioning input (C, or C/2 for channel-wise masks); the output has twice as many (s and t).</param>
/// <param name="Mid">Width M at this scale.</param>
/// <param name="Width">Spatial width at this coupling (bottleneck st-networks need it).</param>
/// <param name="Checkerboard">The ResNet doubles its normalized input for checkerboard masks (docs/MODELS.md §4.6).</param>
public readonly record struct StNetworkSite(int InChannels, int Mid, int Width, bool Checkerboard);

/// <summary>
/// One st-network name of <see cref="StNetworkCatalog"/> (--st-type, checkpoint key st_type): what it is, what it
/// needs, and how it is built for an image coupling (null for the tabular MLP, which the tabular model builds itself).
/// </summary>
public sealed record StNetworkKind(
    string Name, string Description,
    Func<ModelConfig, IComputeBackend, Random, StNetworkSite, StNetwork>? BuildForImages)
{
    /// <summary>A bottleneck network: the configuration's latent size l must be at least 1.</summary>
    public bool NeedsLatent { get; init; }

    /// <summary>Whether RealNVP doubles M after each squeeze for it (the convolutional autoencoder keeps M).</summary>
    public bool WidensAfterSqueeze { get; init; } = true;

    /// <summary>Lower bounds of what it needs at one coupling (<see cref="ModelFootprint"/>): its dominant terms only.</summary>
    public Func<ModelConfig, CouplingSite, SiteBounds> Bounds { get; init; } = static (_, _) => default;
}
