namespace Flows.Core.Features;

/// <summary>How <see cref="OnnxNetwork"/> turns a graph into engine calls.</summary>
public sealed record OnnxNetworkOptions
{
    /// <summary>
    /// Fold each BatchNormalization into the Conv before it when that Conv feeds only the BN
    /// (docs/FEATURES.md, "BatchNorm folding"). Off: every BN runs as its own op (the reference the folded
    /// network is tested against).
    /// </summary>
    public bool FoldBatchNorm { get; init; } = true;

    /// <summary>How AveragePool nodes run; see <see cref="Features.AveragePoolMode"/>.</summary>
    public AveragePoolMode AveragePool { get; init; } = AveragePoolMode.Global;
}
