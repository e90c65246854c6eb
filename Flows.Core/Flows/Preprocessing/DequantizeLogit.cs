using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// The original's iLogits (docs/MODELS.md §4.3). Forward, for x in [0, 1]: v = (255x + u)/256 with fresh uniform
/// noise u; p = 0.05 + 0.9v; y = log p − log(1 − p); log|det J| = Σ[−log p − log(1 − p) + log 0.9] + D·log(255/256).
/// Inverse is a plain sigmoid, as in the original: it does not undo the 0.05 + 0.9v map nor the noise, so
/// samples stay in about [0.05, 0.95]; its log-determinant is that of the sigmoid, Σ log p(1 − p).
/// </summary>
public sealed class DequantizeLogit : FlowLayer
{
    public const float Alpha = 0.05f;
    private static readonly double Constant = Math.Log(1 - 2 * Alpha) + Math.Log(255.0 / 256.0);

    public DequantizeLogit(IComputeBackend backend, DequantizationNoise noise) : base(backend) => Noise = noise;

    public DequantizationNoise Noise { get; }

    public override FlowOutput Forward(Tensor x)
    {
        var u = Noise.Uniform(Backend, x.Shape);
        var v = Ops.Add(Ops.Scale(x, 255f / 256f), Ops.Scale(u, 1f / 256f));
        var p = Ops.AddScalar(Ops.Scale(v, 1 - 2 * Alpha), Alpha);
        var logP = Ops.Log(p);
        var logQ = Ops.Log(Ops.AddScalar(Ops.Neg(p), 1f));
        var y = Ops.Sub(logP, logQ);
        int perSample = x.Length / x.Shape[0];
        var logdet = Ops.AddScalar(Ops.Neg(Ops.SumPerSample(Ops.Add(logP, logQ))), (float)(perSample * Constant));
        return new FlowOutput(y, logdet);
    }

    public override FlowOutput Inverse(Tensor y)
    {
        // log σ(y) + log(1 − σ(y)) = −softplus(−y) − softplus(y)
        var logdet = Ops.Neg(Ops.SumPerSample(Ops.Add(Ops.Softplus(y), Ops.Softplus(Ops.Neg(y)))));
        return new FlowOutput(Ops.Sigmoid(y), logdet);
    }

    public override string Describe() => "DequantizeLogit(α 0.05)";
}
