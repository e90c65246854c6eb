namespace Flows.Kernels.Cpu;

/// <summary>
/// The device half of gradient clipping and the non-finite check (docs/PERFORMANCE.md, "Host synchronisations per
/// step"): sums of squares added into a group's slot, the clip coefficients min(1, max / (√sum + 1e-6)) and the
/// non-finite flag. On the CPU "device" memory is host memory, so these are plain loops; they exist so that one
/// optimizer code path serves both backends.
/// </summary>
internal static class StepGuardKernels
{
    public static void SumOfSquaresInto(float[] x, int count, float[] sums, int slot) =>
        sums[slot] += (float)ReductionKernels.SumOfSquares(x, count);

    /// <summary>
    /// Every group's sum of squares, written: each member's sum exactly as <see cref="SumOfSquaresInto"/> forms it,
    /// added into its group's slot in member order, so the result equals the per-tensor calls bit for bit. Members
    /// small enough to sum on one thread are summed side by side in one parallel pass.
    /// </summary>
    public static void SumOfSquaresMulti(float[][] x, int[] counts, int[] groupOf, int groups, float[] sums)
    {
        const int serialBelow = 1 << 16;
        var perMember = CallArrays<double>.Get(0, x.Length);
        CpuParallel.For(x.Length, 4096, (x, counts, perMember), static (in s, start, end) =>
        {
            for (int i = start; i < end; i++)
                if (s.counts[i] <= serialBelow) s.perMember[i] = ReductionKernels.SumOfSquares(s.x[i], s.counts[i]);
        });
        for (int i = 0; i < x.Length; i++)
            if (counts[i] > serialBelow) perMember[i] = ReductionKernels.SumOfSquares(x[i], counts[i]);
        for (int k = 0; k < groups; k++) sums[k] = 0f;
        for (int i = 0; i < x.Length; i++) sums[groupOf[i]] += (float)perMember[i];
    }

    public static void ClipCoefficients(float[] sums, float[] maxNorms, int groups, float[] coefficients, float[] flag)
    {
        for (int k = 0; k < groups; k++)
        {
            float norm = MathF.Sqrt(sums[k]);
            if (!float.IsFinite(norm)) flag[0] = 1f;
            coefficients[k] = Coefficient(norm, maxNorms[k]);
        }
    }

    /// <summary>min(1, max / (norm + 1e-6)); a NaN (a non-finite norm) counts as 1: the step is skipped anyway.</summary>
    public static float Coefficient(float norm, float maxNorm)
    {
        float c = maxNorm / (norm + 1e-6f);
        return c < 1f ? c : 1f;
    }

    public static void FlagNonFinite(float[] x, int count, float[] flag)
    {
        for (int i = 0; i < count; i++)
            if (!float.IsFinite(x[i]))
            {
                flag[0] = 1f;
                return;
            }
    }
}
