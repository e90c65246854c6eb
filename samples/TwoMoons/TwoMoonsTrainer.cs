using Flows.Core;
using Flows.Core.Flows;
using Flows.Kernels;

namespace TwoMoons;

/// <summary>
/// A small RealNVP for 2-D points built from the library's parts: affine couplings with tabular masks that
/// alternate which coordinate they transform and MLP st-networks whose last layer starts at zero (so the untrained
/// flow is the identity), run in order (the flow's body is a
/// <see cref="FlowSequence"/>), under a standard normal base distribution: log p(x) = log N(z; 0, I) + Σ log|det J|.
/// Trained with the loop of the paper's scripts (docs/MODELS.md §5.1): Adam, per-group clipping.
/// </summary>
public sealed class TwoMoonsTrainer : IDisposable
{
    private readonly TwoMoonsData _data;
    private readonly Adam _optimizer;

    public TwoMoonsTrainer(IComputeBackend backend, int seed, int batchSize = 256, float learningRate = 5e-3f,
                           int couplings = 6, int hidden = 64)
    {
        var rng = new Random(seed);
        var layers = Enumerable.Range(0, couplings)
            .Select(i => new AffineCoupling(backend, new TabularMask(reverse: i % 2 == 1),
                                            new TabularMlp(backend, rng, dim: 2, hidden, layers: 0, initZeros: true), channels: 2))
            .ToArray();
        Flow = new TabularFlow(backend, ModelConfig.Tabular(2, hidden, layers: 0, couplings), layers, new StandardNormal(backend, 2));
        _data = new TwoMoonsData(seed);
        BatchSize = batchSize;
        _optimizer = new Adam(ParameterGroups.RealNvpStyle(Flow, 5e-5f, 100f), learningRate);
    }

    public TabularFlow Flow { get; }
    public int BatchSize { get; }

    /// <summary>One optimizer step on a fresh batch; returns the batch's mean negative log-likelihood (nats).</summary>
    public float Step()
    {
        _optimizer.ZeroGrad();
        using var scope = new TensorScope();
        var x = Tensor.FromArray(Flow.Backend, _data.Next(BatchSize), BatchSize, 2);
        var loss = FlowLikelihood.Loss(Flow.LogLikelihood(x));
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
        return FlowLikelihood.Loss(Flow.LogLikelihood(x)).Item();
    }

    /// <summary>n points x = f⁻¹(z), z drawn from the base distribution, as a host array (n, 2).</summary>
    public float[] Sample(int n, ulong seed)
    {
        using var scope = new TensorScope();
        return Flow.Sample(n, seed).ToArray();
    }

    public void Dispose() => _optimizer.Dispose();
}
