using Flows.Kernels;

namespace Flows.Core;

/// <summary>
/// nn.Conv2d with stride 1 and zero padding, optionally weight-normalized (parameters weight_g, weight_v,
/// bias, as PyTorch's weight_norm names them). Initialised as PyTorch does; weight_norm sets g = ‖v‖.
/// </summary>
public sealed class Conv2d : Module, ILayer
{
    public Conv2d(IComputeBackend backend, Random rng, int inChannels, int outChannels, int kernelSize,
                  int? padding = null, bool bias = true, bool weightNorm = false)
        : base(backend)
    {
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Padding = padding ?? kernelSize / 2;
        IsWeightNormalized = weightNorm;
        int fanIn = inChannels * kernelSize * kernelSize;
        var w = Init.KaimingUniform(rng, outChannels * fanIn, fanIn);
        if (weightNorm)
        {
            WeightG = AddParameter("weight_g", WeightNorm.RowNorms(w, outChannels), outChannels, 1, 1, 1);
            Weight = AddParameter("weight_v", w, outChannels, inChannels, kernelSize, kernelSize);
        }
        else
        {
            Weight = AddParameter("weight", w, outChannels, inChannels, kernelSize, kernelSize);
        }
        if (bias) Bias = AddParameter("bias", Init.KaimingUniform(rng, outChannels, fanIn), outChannels);
    }

    public int InChannels { get; }
    public int OutChannels { get; }
    public int KernelSize { get; }
    public int Padding { get; }
    public bool IsWeightNormalized { get; }

    /// <summary>The weight (or v, when weight-normalized).</summary>
    public Parameter Weight { get; }
    public Parameter? WeightG { get; }
    public Parameter? Bias { get; }

    /// <summary>The effective weight: g·v/‖v‖ when weight-normalized.</summary>
    public Tensor EffectiveWeight() => WeightG is null ? Weight : WeightNorm.Compute(WeightG, Weight);

    public Tensor Forward(Tensor x) => Ops.Conv2d(x, EffectiveWeight(), Bias, Padding);
}
