using Flows.Kernels;

namespace Flows.Core;

/// <summary>nn.Linear: y = x·Wᵀ + b with W (out × in), PyTorch's initialisation.</summary>
public sealed class Linear : Module, ILayer
{
    public Linear(IComputeBackend backend, Random rng, int inFeatures, int outFeatures, bool bias = true)
        : base(backend)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = AddParameter("weight", Init.KaimingUniform(rng, outFeatures * inFeatures, inFeatures), outFeatures, inFeatures);
        if (bias) Bias = AddParameter("bias", Init.KaimingUniform(rng, outFeatures, inFeatures), outFeatures);
    }

    public int InFeatures { get; }
    public int OutFeatures { get; }
    public Parameter Weight { get; }
    public Parameter? Bias { get; }

    public Tensor Forward(Tensor x) => Ops.Linear(x, Weight, Bias);
}
