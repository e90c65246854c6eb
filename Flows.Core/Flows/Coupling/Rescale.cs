using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// The per-channel scale w_c of s = w_c·tanh(raw) (docs/MODELS.md §4.5): PyTorch's weight_norm(Rescale) with
/// parameters weight_g and weight_v, both initialised to 1, so w = g·v/|v| = g·sign(v) and |s| ≤ |g|.
/// Image couplings store (C, 1, 1) as the original does; tabular couplings store (D).
/// </summary>
public sealed class Rescale : Module
{
    public Rescale(IComputeBackend backend, int channels, bool tabular) : base(backend)
    {
        Channels = channels;
        int[] shape = tabular ? [channels] : [channels, 1, 1];
        WeightG = AddParameter("weight_g", Init.Constant(channels, 1f), shape);
        WeightV = AddParameter("weight_v", Init.Constant(channels, 1f), shape);
    }

    public int Channels { get; }
    public Parameter WeightG { get; }
    public Parameter WeightV { get; }

    /// <summary>The effective per-channel weight g·v/|v| (differentiable; Channels elements).</summary>
    public Tensor Weight() => WeightNorm.Compute(WeightG, WeightV);
}
