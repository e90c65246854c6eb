using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// N(0, diag(σ²)) with fixed per-dimension scales σ (not trained): log p(z) = −½Σ(z_d/σ_d)² − Σ ln σ_d − (D/2)·ln 2π.
/// A flow with this base is the same transform under a wider or narrower prior, e.g. a sampling temperature σ &lt; 1.
/// </summary>
public sealed class DiagonalNormal : IBaseDistribution
{
    private readonly IComputeBackend _backend;
    private readonly float[] _scales;

    public DiagonalNormal(IComputeBackend backend, IReadOnlyList<float> scales)
    {
        if (scales.Count < 1) throw new ArgumentException("a diagonal normal needs at least one scale");
        for (int d = 0; d < scales.Count; d++)
            if (!(scales[d] > 0) || !float.IsFinite(scales[d]))
                throw new ArgumentOutOfRangeException(nameof(scales), $"scale {d} of a diagonal normal must be positive and finite, got {scales[d]}");
        _backend = backend;
        _scales = scales.ToArray();
    }

    /// <summary>The same scale σ in every one of D dimensions.</summary>
    public DiagonalNormal(IComputeBackend backend, int dimension, float scale) : this(backend, Enumerable.Repeat(scale, dimension).ToArray()) { }

    public int Dimension => _scales.Length;

    public IReadOnlyList<float> Scales => _scales;

    public Tensor UnnormalizedLogProb(Tensor z)
    {
        BaseDistributions.RequireLatent(this, z);
        var inverse = Tensor.FromArray(_backend, _scales.Select(s => 1f / s).ToArray(), Dimension);
        var standardized = Ops.Channelwise(BinaryOp.Mul, z, inverse);
        return Ops.Scale(Ops.SumPerSample(Ops.Square(standardized)), -0.5f);
    }

    public double LogNormalizer => StandardNormal.PieceLogNormalizer(Dimension) - _scales.Sum(s => Math.Log(s));

    public Tensor Sample(int count, ulong seed, ulong offset = 0)
    {
        var scales = Tensor.FromArray(_backend, _scales, Dimension);
        var noise = Tensor.Normal(_backend, seed, offset, count, Dimension);
        return Ops.Channelwise(BinaryOp.Mul, noise, scales);
    }

    public string Describe() => $"N(0, diag(σ²)), D {Dimension}";
}
