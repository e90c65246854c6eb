using Flows.Core;
using Flows.Kernels;

namespace TwoMoons;

/// <summary>
/// A small RealNVP for 2-D points: a stack of affine couplings that alternate which coordinate they
/// transform, and a standard normal prior. log p(x) = log N(z; 0, I) + Σ log|det J| with z = f(x).
/// </summary>
public sealed class TwoMoonsFlow : Module
{
    private static readonly float LogTwoPi = MathF.Log(2 * MathF.PI);
    private readonly AffineCoupling2D[] _layers;

    public TwoMoonsFlow(IComputeBackend backend, int seed, int couplings = 6, int hidden = 64) : base(backend)
    {
        var rng = new Random(seed);
        _layers = new AffineCoupling2D[couplings];
        for (int i = 0; i < couplings; i++)
            _layers[i] = AddModule($"layers.{i}", new AffineCoupling2D(backend, rng, transformed: i % 2, hidden));
    }

    /// <summary>log p(x) in nats for each of the N points: shape [N].</summary>
    public Tensor LogProb(Tensor x)
    {
        var (z, logdet) = Encode(x);
        // log N(z; 0, I) in 2-D: −½‖z‖² − log 2π.
        var prior = Ops.AddScalar(Ops.Scale(Ops.SumPerSample(Ops.Square(z)), -0.5f), -LogTwoPi);
        return Ops.Add(prior, logdet);
    }

    /// <summary>The training loss: the mean negative log-likelihood in nats.</summary>
    public Tensor Loss(Tensor x) => Ops.Neg(Ops.Mean(LogProb(x)));

    /// <summary>z = f(x) and the per-point log|det ∂z/∂x|, shape [N].</summary>
    public (Tensor Z, Tensor LogDet) Encode(Tensor x)
    {
        Tensor? logdet = null;
        foreach (var layer in _layers)
        {
            var (y, ld) = layer.Forward(x);
            logdet = logdet is null ? ld : Ops.Add(logdet, ld);
            x = y;
        }
        return (x, logdet!);
    }

    /// <summary>x = f⁻¹(z), running the couplings backwards (no gradient).</summary>
    public Tensor Decode(Tensor z)
    {
        for (int i = _layers.Length - 1; i >= 0; i--) z = _layers[i].Inverse(z).X;
        return z;
    }

    /// <summary>n points drawn by pushing prior samples through the inverse couplings, as a host array (n, 2).</summary>
    public float[] Sample(int n, ulong seed)
    {
        using var scope = new TensorScope();
        using var noGrad = Autograd.NoGrad();
        return Decode(Tensor.Normal(Backend, seed, 0, n, 2)).ToArray();
    }
}
