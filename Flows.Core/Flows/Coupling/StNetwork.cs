using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// The network that predicts s and t from the conditioning part of a coupling's input. Its output has twice
/// the transformed channels: the first half is the raw scale, the second the shift (chunk(2, dim=1)).
/// </summary>
public abstract class StNetwork : Module
{
    protected StNetwork(IComputeBackend backend) : base(backend) { }

    public abstract Tensor Forward(Tensor x);

    public virtual string Describe() => GetType().Name;
}
