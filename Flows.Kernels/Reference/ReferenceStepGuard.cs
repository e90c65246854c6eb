namespace Flows.Kernels.Reference;

/// <summary>
/// Gradient clipping on the device and the non-finite flag (docs/PERFORMANCE.md, "Host synchronisations per step"),
/// in plain double loops: the per-group coefficient min(1, max / (norm + 1e-6)) of clip_grad_norm_ (docs/MODELS.md
/// §5.1) and the guarded updates, which scale the gradient by it and change nothing once the flag is set.
/// </summary>
internal static class ReferenceStepGuard
{
    public static double SumOfSquares(float[] x, int count)
    {
        double sum = 0;
        for (int i = 0; i < count; i++) sum += (double)x[i] * x[i];
        return sum;
    }

    public static (double[] Coefficients, bool Flagged) ClipCoefficients(float[] sums, float[] maxNorms, int groups)
    {
        var coefficients = new double[groups];
        bool flagged = false;
        for (int k = 0; k < groups; k++)
        {
            double norm = Math.Sqrt(sums[k]);
            flagged |= !double.IsFinite(norm);
            coefficients[k] = Math.Min(1.0, maxNorms[k] / (norm + 1e-6));
        }
        return (coefficients, flagged);
    }

    public static bool AnyNonFinite(float[] x, int count)
    {
        for (int i = 0; i < count; i++)
            if (!float.IsFinite(x[i])) return true;
        return false;
    }
}
