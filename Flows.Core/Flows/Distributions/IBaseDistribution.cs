namespace Flows.Core.Flows;

/// <summary>
/// The base distribution of a flow model (nflows' Distribution): the density of the latent z [N, D] and a
/// seeded sampler. The log-density is split into the part that depends on z and a constant, so a model can
/// fold the constant into one addition with its own constants (see <see cref="FlowModel.LogLikelihood"/>).
/// </summary>
public interface IBaseDistribution
{
    /// <summary>D, the length of one latent vector.</summary>
    int Dimension { get; }

    /// <summary>The z-dependent part of log p(z), per sample [N]; differentiable.</summary>
    Tensor UnnormalizedLogProb(Tensor z);

    /// <summary>The constant part of log p(z): log p(z) = <see cref="UnnormalizedLogProb"/>(z) + LogNormalizer.</summary>
    double LogNormalizer { get; }

    /// <summary>count latents [count, D] from the counter RNG at (seed, offset): the same seed gives the same draw.</summary>
    Tensor Sample(int count, ulong seed, ulong offset = 0);

    /// <summary>A one-line summary ("N(0, I)").</summary>
    string Describe();
}

/// <summary>What every base distribution computes from its two parts.</summary>
public static class BaseDistributions
{
    /// <summary>log p(z) per sample [N]; differentiable.</summary>
    public static Tensor LogProb(this IBaseDistribution distribution, Tensor z) =>
        Ops.AddScalar(distribution.UnnormalizedLogProb(z), (float)distribution.LogNormalizer);

    /// <summary>Throws naming the distribution when z is not [N, D].</summary>
    internal static void RequireLatent(IBaseDistribution distribution, Tensor z)
    {
        if (z.Rank != 2 || z.Shape[1] != distribution.Dimension)
            throw new ArgumentException($"{distribution.Describe()}: expected a flat latent [N, {distribution.Dimension}], got {Shapes.Format(z.Shape)}");
    }
}
