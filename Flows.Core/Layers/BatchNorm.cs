using Flows.Kernels;

namespace Flows.Core;

/// <summary>
/// nn.BatchNorm2d / nn.BatchNorm1d (affine, eps 1e-5, momentum 0.1): batch statistics in training mode with
/// running statistics updated from the unbiased variance, running statistics in evaluation mode.
/// </summary>
public sealed class BatchNorm : Module, ILayer
{
    public BatchNorm(IComputeBackend backend, int channels, float momentum = 0.1f, float epsilon = 1e-5f)
        : base(backend)
    {
        Channels = channels;
        Momentum = momentum;
        Epsilon = epsilon;
        Weight = AddParameter("weight", Init.Constant(channels, 1f), channels);
        Bias = AddParameter("bias", Init.Constant(channels, 0f), channels);
        RunningMean = AddBuffer("running_mean", Init.Constant(channels, 0f), channels);
        RunningVar = AddBuffer("running_var", Init.Constant(channels, 1f), channels);
    }

    public int Channels { get; }
    /// <summary>Weight of a new batch in the running statistics (recalibration sets it per batch for a cumulative average).</summary>
    public float Momentum { get; internal set; }
    public float Epsilon { get; }
    public Parameter Weight { get; }
    public Parameter Bias { get; }
    public Tensor RunningMean { get; }
    public Tensor RunningVar { get; }

    /// <summary>Overrides the module's mode for one call (E12 compares train- and eval-mode latents).</summary>
    public bool? ForceBatchStatistics { get; set; }

    public Tensor Forward(Tensor x) =>
        Ops.BatchNorm(x, Weight, Bias, RunningMean, RunningVar, ForceBatchStatistics ?? Training, Momentum, Epsilon);

    /// <summary>ReLU(Forward(x)) in one fused pass each way (RealNVP's BN → ReLU → conv).</summary>
    public Tensor ForwardRelu(Tensor x) =>
        Ops.BatchNorm(x, Weight, Bias, RunningMean, RunningVar, ForceBatchStatistics ?? Training, Momentum, Epsilon, relu: true);
}
