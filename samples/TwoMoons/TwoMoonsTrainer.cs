using Flows.Core;
using Flows.Kernels;

namespace TwoMoons;

/// <summary>The training loop of the paper's scripts (paper-spec §5.1) on the toy flow: Adam, per-group clipping.</summary>
public sealed class TwoMoonsTrainer : IDisposable
{
    private readonly TwoMoonsData _data;
    private readonly Adam _optimizer;

    public TwoMoonsTrainer(IComputeBackend backend, int seed, int batchSize = 256, float learningRate = 5e-3f, int hidden = 64)
    {
        Flow = new TwoMoonsFlow(backend, seed, hidden: hidden);
        _data = new TwoMoonsData(seed);
        BatchSize = batchSize;
        _optimizer = new Adam(ParameterGroups.RealNvpStyle(Flow, 5e-5f, 100f), learningRate);
    }

    public TwoMoonsFlow Flow { get; }
    public int BatchSize { get; }

    /// <summary>One optimizer step on a fresh batch; returns the batch's mean negative log-likelihood (nats).</summary>
    public float Step()
    {
        _optimizer.ZeroGrad();
        using var scope = new TensorScope();
        var x = Tensor.FromArray(Flow.Backend, _data.Next(BatchSize), BatchSize, 2);
        var loss = Flow.Loss(x);
        float value = loss.Item();
        if (!float.IsFinite(value)) throw new NumericalException($"two moons: the loss is {value} at step {_optimizer.StepCount}");
        loss.Backward();
        _optimizer.ClipGradientNorms();
        _optimizer.Step();
        return value;
    }

    /// <summary>The mean negative log-likelihood of n fresh points, without training on them.</summary>
    public float Evaluate(int n, int seed)
    {
        using var scope = new TensorScope();
        using var noGrad = Autograd.NoGrad();
        var x = Tensor.FromArray(Flow.Backend, new TwoMoonsData(seed).Next(n), n, 2);
        return Flow.Loss(x).Item();
    }

    public void Dispose() => _optimizer.Dispose();
}
