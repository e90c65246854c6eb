namespace Flows.Kernels.Ilgpu;

/// <summary>
/// How far a device result is from the reference: max over i of |a_i − b_i| / max(|b_i|, rms(b)).
/// Pure relative error is meaningless for elements that cancel to near zero (a convolution output, tanh near
/// 0 on a GPU's approximate exp), so each element is measured against the larger of itself and the tensor's
/// RMS. Non-finite device values where the reference is finite count as infinite error (catches NaN poison).
/// </summary>
public static class Discrepancy
{
    public static double Max(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, out int worst)
    {
        worst = -1;
        double sumSquares = 0;
        for (int i = 0; i < expected.Length; i++) sumSquares += (double)expected[i] * expected[i];
        double rms = Math.Max(Math.Sqrt(sumSquares / Math.Max(expected.Length, 1)), 1e-30);
        double max = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double error;
            if (!float.IsFinite(expected[i])) error = actual[i].Equals(expected[i]) ? 0 : double.PositiveInfinity;
            else if (!float.IsFinite(actual[i])) error = double.PositiveInfinity;
            else error = Math.Abs((double)actual[i] - expected[i]) / Math.Max(Math.Abs((double)expected[i]), rms);
            if (error > max || worst < 0)
            {
                if (error > max) max = error;
                worst = i;
            }
        }
        return max;
    }
}
