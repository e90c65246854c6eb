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
