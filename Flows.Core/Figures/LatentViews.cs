namespace Flows.Core.Figures;

/// <summary>
/// Element-wise views of a latent z in image layout (channel-planar C×H×W floats) that the notebooks show
/// (docs/MODELS.md §7.3): z as an RGB image, which a float imshow clips to [0, 1]; and sigmoid(z), which the Glow
/// notebook shows because its "reshape model" keeps the logit step.
/// </summary>
public static class LatentViews
{
    /// <summary>The RGB view: each value clipped to [0, 1] (non-finite values show as 0), as matplotlib's float imshow.</summary>
    public static float[] ClippedRgb(ReadOnlySpan<float> chw) => CellScaling.AsIs.Apply(chw);

    /// <summary>sigmoid(z) = 1 / (1 + e^(−z)) per value, in (0, 1) for finite z; computed so large |z| does not overflow.</summary>
    public static float[] Sigmoid(ReadOnlySpan<float> chw)
    {
        var result = new float[chw.Length];
        for (int i = 0; i < chw.Length; i++)
        {
            double z = chw[i];
            result[i] = (float)(z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z)));
        }
        return result;
    }
}
