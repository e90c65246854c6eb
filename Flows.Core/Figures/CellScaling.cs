namespace Flows.Core.Figures;

public enum ScalingMode
{
    /// <summary>Clip to [Low, High] and map that range to [0, 1]; with the defaults, "as is", like imshow of a float RGB image.</summary>
    Clip,

    /// <summary>Map [min, max] of the cell to [0, 1], like imshow of a single-channel array with a colormap.</summary>
    Autoscale,

    /// <summary>(a − mean) / std over all the cell's values, then clip to [0, 1]: the paper's s/t and coupling-output figures.</summary>
    Standardize,
}

/// <summary>How a cell's float values become display intensities in [0, 1].</summary>
public sealed record CellScaling(ScalingMode Mode, double Low = 0, double High = 1)
{
    public static CellScaling AsIs { get; } = new(ScalingMode.Clip);
    public static CellScaling Autoscale { get; } = new(ScalingMode.Autoscale);
    public static CellScaling Standardize { get; } = new(ScalingMode.Standardize);

    /// <summary>Clip to [low, high] (e.g. a latent clipped to [−2, 2]) and show that range.</summary>
    public static CellScaling ClipTo(double low, double high)
    {
        if (!(high > low)) throw new ArgumentException($"Clip range [{low}, {high}] is empty.");
        return new(ScalingMode.Clip, low, high);
    }

    /// <summary>
    /// Display intensities in [0, 1]. Non-finite values are ignored by the statistics and shown as 0.
    /// A constant cell shows as 0 under Autoscale and Standardize (no spread to show).
    /// </summary>
    public float[] Apply(ReadOnlySpan<float> values)
    {
        var result = new float[values.Length];
        double offset, scale;
        switch (Mode)
        {
            case ScalingMode.Clip:
                offset = Low;
                scale = 1.0 / (High - Low);
                break;
            case ScalingMode.Autoscale:
            {
                double min = double.PositiveInfinity, max = double.NegativeInfinity;
                foreach (float v in values)
                    if (float.IsFinite(v)) { min = Math.Min(min, v); max = Math.Max(max, v); }
                if (!(max > min)) return result;
                offset = min;
                scale = 1.0 / (max - min);
                break;
            }
            case ScalingMode.Standardize:
            {
                double sum = 0, sumSq = 0;
                int n = 0;
                foreach (float v in values)
                    if (float.IsFinite(v)) { sum += v; n++; }
                if (n == 0) return result;
                double mean = sum / n;
                foreach (float v in values)
                    if (float.IsFinite(v)) sumSq += (v - mean) * (v - mean);
                double std = Math.Sqrt(sumSq / n); // population std, as numpy's default
                if (!(std > 0)) return result;
                offset = mean;
                scale = 1.0 / std;
                break;
            }
            default:
                throw new InvalidOperationException($"Unknown scaling mode {Mode}.");
        }
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            result[i] = float.IsFinite(v) ? (float)Math.Clamp((v - offset) * scale, 0.0, 1.0) : 0f;
        }
        return result;
    }
}
