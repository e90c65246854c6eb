using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// RealNVPTabular (docs/MODELS.md §4.10): K affine couplings on feature vectors [N, D] with alternating halves
/// (reverse for odd i) and MLP st-networks; no dequantization, z = the output. The body is a
/// <see cref="FlowSequence"/> of the couplings, so the layers are named "body.{i}".
/// </summary>
public sealed class TabularFlow : FlowModel
{
    public TabularFlow(IComputeBackend backend, ModelConfig config, IReadOnlyList<AffineCoupling> couplings, IBaseDistribution? prior = null)
        : base(backend, config, [config.Dim], new FlowSequence(backend, couplings), prior)
    {
    }

    /// <summary>The couplings in order.</summary>
    public new FlowSequence Body => (FlowSequence)base.Body;

    /// <summary>Feature vectors are continuous: no dequantization, no −D·ln 256 (docs/MODELS.md §4.10).</summary>
    public override bool DiscreteData => false;

    public override string Describe() => $"TabularFlow(D {Config.Dim}, {Body.Layers.Count} couplings)";
}
