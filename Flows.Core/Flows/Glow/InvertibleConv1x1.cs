using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// Glow's invertible 1×1 convolution as the paper's code has it (docs/MODELS.md §4.8): a free C×C weight (no LU
/// parametrisation) initialised to the Q of a QR decomposition of a seeded normal matrix; y = W·x per pixel,
/// log|det J| = H·W·log|det W| and the inverse's W⁻¹ computed on the device (Ops.LogAbsDet).
/// </summary>
public sealed class InvertibleConv1x1 : FlowLayer
{
    public InvertibleConv1x1(IComputeBackend backend, Random rng, int channels) : base(backend)
    {
        Channels = channels;
        Weight = AddParameter("weight", RandomOrthogonal(rng, channels), channels, channels);
    }

    public int Channels { get; }
    public Parameter Weight { get; }

    public override FlowOutput Forward(Tensor x)
    {
        RequireChannels(x);
        var y = Ops.Conv1x1(x, Weight);
        var logAbsDet = Ops.LogAbsDet(Weight);
        LogDets.RequireFiniteLogAbsDet(logAbsDet, Name, Channels);
        return new FlowOutput(y, LogDet(x, logAbsDet, 1f));
    }

    /// <summary>
    /// Forward with its log-det S·log|det W| added to <paramref name="logDetSoFar"/> in the same launch (GlowStep's
    /// training path). Only inside deferred checks: there the coupling after it flags the sum, which holds S·log|det W|,
    /// so a singular W still sets the step's flag and the re-run with checks at once names this layer.
    /// </summary>
    internal FlowOutput Forward(Tensor x, Tensor logDetSoFar)
    {
        RequireChannels(x);
        var y = Ops.Conv1x1(x, Weight);
        return new FlowOutput(y, Ops.BroadcastScaledSum(Ops.LogAbsDet(Weight), x.Shape[2] * x.Shape[3], x.Shape[0], logDetSoFar));
    }

    public override FlowOutput Inverse(Tensor y)
    {
        RequireChannels(y);
        // W⁻¹ as the transpose of the device's W⁻ᵀ: nothing is read back (docs/PERFORMANCE.md, "Launches and host
        // synchronisations per step").
        var (logAbsDet, inverseTranspose) = Ops.LogAbsDetAndInverseTranspose(Weight);
        LogDets.RequireFiniteLogAbsDet(logAbsDet, Name, Channels);
        using (logAbsDet)
        using (inverseTranspose)
        {
            var x = Ops.Conv1x1NoGrad(y, inverseTranspose, transposeWeight: true);
            return new FlowOutput(x, LogDet(y, logAbsDet, -1f));
        }
    }

    private static Tensor LogDet(Tensor x, Tensor logAbsDet, float sign) =>
        Ops.BroadcastScaledSum(logAbsDet, sign * x.Shape[2] * x.Shape[3], x.Shape[0]);

    /// <summary>Q of the QR decomposition of a standard normal matrix (modified Gram–Schmidt on the columns).</summary>
    public static float[] RandomOrthogonal(Random rng, int n)
    {
        var a = Array.ConvertAll(Init.Normal(rng, n * n, 1.0), v => (double)v);
        for (int j = 0; j < n; j++)
        {
            for (int k = 0; k < j; k++)
            {
                double dot = 0;
                for (int i = 0; i < n; i++) dot += a[i * n + k] * a[i * n + j];
                for (int i = 0; i < n; i++) a[i * n + j] -= dot * a[i * n + k];
            }
            double norm = 0;
            for (int i = 0; i < n; i++) norm += a[i * n + j] * a[i * n + j];
            norm = Math.Sqrt(norm);
            for (int i = 0; i < n; i++) a[i * n + j] /= norm;
        }
        return Array.ConvertAll(a, v => (float)v);
    }

    private void RequireChannels(Tensor x)
    {
        if (x.Rank != 4 || x.Shape[1] != Channels)
            throw new ArgumentException($"{Name}: a {Channels}×{Channels} 1×1 convolution got input {Shapes.Format(x.Shape)}");
    }

    public override string Describe() => $"InvConv1x1({Channels})";
}
