using Flows.Kernels;

namespace Flows.Core.Data;

/// <summary>
/// The input perturbation of Ren et al. (2019), "Likelihood Ratios for Out-of-Distribution Detection": each
/// pixel value is replaced, with probability μ, by a value drawn uniformly from the 256 8-bit values. A
/// background model trained on such inputs learns the population-level statistics, and the likelihood ratio
/// against it cancels them. The draw for pixel i of the d-th drawn image is a pure function of
/// (seed, d·size + i) through <see cref="CounterRng"/>: the same in every process, on every machine.
/// </summary>
public static class PixelPerturbation
{
    /// <summary>
    /// Writes <paramref name="source"/> into <paramref name="destination"/> with each value replaced with
    /// probability <paramref name="mu"/>; returns how many were replaced (a replacement may draw the old value).
    /// </summary>
    public static int Apply(ReadOnlySpan<byte> source, Span<byte> destination, double mu, ulong seed, ulong drawIndex)
    {
        if (!(mu >= 0 && mu <= 1)) throw new ArgumentOutOfRangeException(nameof(mu), $"the perturbation probability must be in [0, 1], got {mu}");
        if (destination.Length != source.Length)
            throw new ArgumentException($"perturbation: destination holds {destination.Length} values, the image {source.Length}");
        ulong counter = drawIndex * (ulong)source.Length;
        int replaced = 0;
        for (int i = 0; i < source.Length; i++)
        {
            // One 64-bit hash per pixel: its top 24 bits decide (uniform on [0, 1)), its low 8 bits are the new value.
            ulong h = CounterRng.Hash(seed, counter + (ulong)i);
            bool replace = (h >> 40) * (1.0 / 16777216.0) < mu;
            destination[i] = replace ? (byte)(h & 0xFF) : source[i];
            if (replace) replaced++;
        }
        return replaced;
    }
}
