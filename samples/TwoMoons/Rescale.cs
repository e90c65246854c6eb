using Flows.Core;
using Flows.Kernels;

namespace TwoMoons;

/// <summary>
/// The coupling's per-dimension scale w with weight norm (paper-spec §4.5, RescaleTabular): parameters
/// weight_g and weight_v, both initialised to 1, and w = g·v/|v|, which bounds |s| = |w·tanh(raw)| by |g|.
/// </summary>
public sealed class Rescale : Module
{
    public Rescale(IComputeBackend backend, int features) : base(backend)
    {
        WeightG = AddParameter("weight_g", Init.Constant(features, 1f), features);
        WeightV = AddParameter("weight_v", Init.Constant(features, 1f), features);
    }

    public Parameter WeightG { get; }
    public Parameter WeightV { get; }

    public Tensor Weight() => WeightNorm.Compute(WeightG, WeightV);
}
