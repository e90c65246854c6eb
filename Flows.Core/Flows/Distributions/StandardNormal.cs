using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// N(0, I) in D dimensions, the prior of every model of the paper (docs/MODELS.md §4.3):
/// log p(z) = −½‖z‖² − (D/2)·ln 2π.
/// </summary>
public sealed class StandardNormal : IBaseDistribution
{
    private readonly IComputeBackend _backend;

    public StandardNormal(IComputeBackend backend, int dimension)
    {
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), $"a standard normal needs D ≥ 1, got {dimension}");
        _backend = backend;
        Dimension = dimension;
    }

    public int Dimension { get; }

    public Tensor UnnormalizedLogProb(Tensor z)
    {
        BaseDistributions.RequireLatent(this, z);
        return Ops.Scale(Ops.SumPerSample(Ops.Square(z)), -0.5f);
    }

    public double LogNormalizer => PieceLogNormalizer(Dimension);

    public Tensor Sample(int count, ulong seed, ulong offset = 0) => Tensor.Normal(_backend, seed, offset, count, Dimension);

    /// <summary>−(d/2)·ln 2π: the constant of a d-dimensional standard normal (also of one latent piece).</summary>
    public static double PieceLogNormalizer(int dimension) => -0.5 * dimension * Math.Log(2 * Math.PI);

    public string Describe() => $"N(0, I_{Dimension})";
}
