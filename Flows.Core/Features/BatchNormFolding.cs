namespace Flows.Core.Features;

/// <summary>
/// Folds an inference-mode BatchNormalization into the convolution before it (docs/FEATURES.md):
/// BN(conv(x, w) + b) = conv(x, w') + b' with, per output channel o,
/// s_o = γ_o / √(σ²_o + ε), w'_o = w_o·s_o, b'_o = (b_o − μ_o)·s_o + β_o.
/// Computed in double on the host once, at load time.
/// </summary>
public static class BatchNormFolding
{
    /// <summary>
    /// The folded (weight, bias). weight is (Cout, …) row-major with Cout = gamma.Length; bias may be null (zero).
    /// </summary>
    public static (float[] Weight, float[] Bias) Fold(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> mean, ReadOnlySpan<float> variance, float epsilon)
    {
        int cout = gamma.Length;
        if (beta.Length != cout || mean.Length != cout || variance.Length != cout || (bias.Length != 0 && bias.Length != cout))
            throw new ArgumentException($"BatchNormFolding: gamma has {cout} channels; beta {beta.Length}, mean {mean.Length}, variance {variance.Length}, bias {bias.Length}");
        if (weight.Length % cout != 0)
            throw new ArgumentException($"BatchNormFolding: a weight of {weight.Length} values is not {cout} output channels");
        int per = weight.Length / cout;
        var w = new float[weight.Length];
        var b = new float[cout];
        for (int o = 0; o < cout; o++)
        {
            double s = gamma[o] / Math.Sqrt((double)variance[o] + epsilon);
            for (int i = 0; i < per; i++) w[o * per + i] = (float)(weight[o * per + i] * s);
            double bo = bias.Length == 0 ? 0 : bias[o];
            b[o] = (float)((bo - mean[o]) * s + beta[o]);
        }
        return (w, b);
    }
}
