namespace Flows.Kernels;

/// <summary>
/// A counter-based generator: the i-th number of a stream is a pure function of (seed, i), so results do not
/// depend on thread scheduling and the CPU and GPU backends draw identical numbers. The mixer is SplitMix64's
/// finaliser applied to a Weyl sequence; it passes BigCrush when used this way and is trivially parallel.
/// Every method is static and allocation-free so ILGPU can compile it into kernels.
/// </summary>
public static class CounterRng
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;

    public static ulong Hash(ulong seed, ulong counter)
    {
        ulong z = seed * 0xD1B54A32D192ED03UL + (counter + 1UL) * Golden;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform on [0, 1) with 24 bits of resolution (exactly representable in float32).</summary>
    public static float Uniform(ulong seed, ulong counter) =>
        (float)(Hash(seed, counter) >> 40) * (1.0f / 16777216.0f);

    /// <summary>Standard normal by Box–Muller on two uniforms drawn from one 64-bit hash (32 bits each).</summary>
    public static float Normal(ulong seed, ulong counter)
    {
        ulong h = Hash(seed, counter);
        // u1 in (0, 1] so the logarithm is finite; u2 in [0, 1).
        double u1 = ((h >> 32) + 1.0) * (1.0 / 4294967296.0);
        double u2 = (h & 0xFFFFFFFFUL) * (1.0 / 4294967296.0);
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }
}
