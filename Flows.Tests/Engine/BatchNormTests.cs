using Flows.Core;
using Flows.Kernels;

namespace Flows.Tests.Engine;

/// <summary>BatchNorm against the published formulas (docs/MODELS.md §4.6), computed by hand in double.</summary>
[TestFixture]
public class BatchNormTests
{
    private static IComputeBackend B => EngineBackend.Cpu;

    // x is (N=3, C=2, H=1, W=2): six values per channel.
    private static readonly float[] X1 = [1f, 2f, -1f, 0.5f, 3f, 4f, 2f, -2f, 0f, 1f, 5f, 1.5f];
    private static readonly float[] X2 = [0.5f, -0.5f, 2f, 2f, 1f, 0f, -1f, 3f, 2.5f, 1f, 0f, 0.5f];
    private static readonly double[] Gamma = [1.5, -0.5];
    private static readonly double[] Beta = [0.1, 0.2];

    private static (double Mean, double BiasedVar) Moments(float[] x, int channel)
    {
        var values = new List<double>();
        for (int n = 0; n < 3; n++)
            for (int s = 0; s < 2; s++)
                values.Add(x[(n * 2 + channel) * 2 + s]);
        double mean = values.Average();
        return (mean, values.Sum(v => (v - mean) * (v - mean)) / values.Count);
    }

    private static BatchNorm Make()
    {
        var bn = new BatchNorm(B, 2);
        bn.Weight.CopyFrom(Gamma.Select(v => (float)v).ToArray());
        bn.Bias.CopyFrom(Beta.Select(v => (float)v).ToArray());
        return bn;
    }

    [Test]
    public void TrainingModeNormalizesWithBatchStatisticsAndUpdatesRunningStatistics()
    {
        var bn = Make();
        double[] runningMean = [0, 0], runningVar = [1, 1];
        foreach (var xs in new[] { X1, X2 })
        {
            using var scope = new TensorScope();
            var y = bn.Forward(Tensor.FromArray(B, xs, 3, 2, 1, 2)).ToArray();
            for (int c = 0; c < 2; c++)
            {
                var (mean, variance) = Moments(xs, c);
                for (int n = 0; n < 3; n++)
                    for (int s = 0; s < 2; s++)
                    {
                        int i = (n * 2 + c) * 2 + s;
                        double expected = (xs[i] - mean) / Math.Sqrt(variance + 1e-5) * Gamma[c] + Beta[c];
                        Assert.That(y[i], Is.EqualTo(expected).Within(1e-5), $"y[{i}]");
                    }
                runningMean[c] = 0.9 * runningMean[c] + 0.1 * mean;
                runningVar[c] = 0.9 * runningVar[c] + 0.1 * variance * 6 / 5; // unbiased: n/(n−1)
            }
            Assert.That(bn.RunningMean.ToArray(), Is.EqualTo(runningMean).Within(1e-6));
            Assert.That(bn.RunningVar.ToArray(), Is.EqualTo(runningVar).Within(1e-6));
        }
    }

    [TestCase(true)]
    [TestCase(false)]
    public void FusedReluEqualsReluAfterBatchNormWithTheSameGradients(bool training)
    {
        var rng = new Random(7);
        var x = new float[4 * 3 * 5 * 5];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 4 - 2);
        var upstream = new float[x.Length];
        for (int i = 0; i < upstream.Length; i++) upstream[i] = (float)(rng.NextDouble() * 2 - 1);

        (float[] Y, float[] Dx, float[] Dgamma, float[] Dbeta) Run(bool fused)
        {
            var bn = new BatchNorm(B, 3);
            bn.Weight.CopyFrom([1.5f, -0.5f, 0.8f]);
            bn.Bias.CopyFrom([0.1f, 0.2f, -0.3f]);
            bn.RunningMean.CopyFrom([0.2f, -0.1f, 0f]);
            bn.RunningVar.CopyFrom([1.5f, 0.7f, 1f]);
            if (!training) bn.Eval();
            using var scope = new TensorScope();
            var input = Tensor.FromArray(B, x, 4, 3, 5, 5);
            input.RequiresGrad = true;
            var y = fused ? bn.ForwardRelu(input) : Ops.Relu(bn.Forward(input));
            Ops.Sum(Ops.Mul(y, Tensor.FromArray(B, upstream, 4, 3, 5, 5))).Backward();
            return (y.ToArray(), input.Grad!.ToArray(), bn.Weight.Grad!.ToArray(), bn.Bias.Grad!.ToArray());
        }

        var fusedRun = Run(fused: true);
        var separate = Run(fused: false);
        Assert.That(fusedRun.Y, Is.EqualTo(separate.Y).Within(1e-6f), "y");
        Assert.That(fusedRun.Dx, Is.EqualTo(separate.Dx).Within(1e-5f), "dx");
        Assert.That(fusedRun.Dgamma, Is.EqualTo(separate.Dgamma).Within(1e-4f), "dgamma");
        Assert.That(fusedRun.Dbeta, Is.EqualTo(separate.Dbeta).Within(1e-4f), "dbeta");
    }

    [Test]
    public void EvaluationModeUsesRunningStatisticsAndLeavesThemAlone()
    {
        var bn = Make();
        bn.RunningMean.CopyFrom([0.25f, -1f]);
        bn.RunningVar.CopyFrom([2f, 0.5f]);
        bn.Eval();
        using var scope = new TensorScope();
        var y = bn.Forward(Tensor.FromArray(B, X1, 3, 2, 1, 2)).ToArray();
        double[] rm = [0.25, -1], rv = [2, 0.5];
        for (int i = 0; i < X1.Length; i++)
        {
            int c = i / 2 % 2;
            double expected = (X1[i] - rm[c]) / Math.Sqrt(rv[c] + 1e-5) * Gamma[c] + Beta[c];
            Assert.That(y[i], Is.EqualTo(expected).Within(1e-5), $"y[{i}]");
        }
        Assert.That(bn.RunningMean.ToArray(), Is.EqualTo(new[] { 0.25f, -1f }));
        Assert.That(bn.RunningVar.ToArray(), Is.EqualTo(new[] { 2f, 0.5f }));
    }

    [Test]
    public void ForcedBatchStatisticsOverrideEvaluationMode()
    {
        var bn = Make();
        bn.Eval();
        bn.ForceBatchStatistics = true;
        using var scope = new TensorScope();
        var y = bn.Forward(Tensor.FromArray(B, X1, 3, 2, 1, 2)).ToArray();
        var (mean, variance) = Moments(X1, 0);
        Assert.That(y[0], Is.EqualTo((X1[0] - mean) / Math.Sqrt(variance + 1e-5) * Gamma[0] + Beta[0]).Within(1e-5));
    }

    [Test]
    public void TabularInputNormalizesPerFeature()
    {
        var bn = new BatchNorm(B, 3);
        using var scope = new TensorScope();
        float[] x = [1, 10, -3, 3, 20, -1, 5, 60, 4];
        var y = bn.Forward(Tensor.FromArray(B, x, 3, 3)).ToArray();
        for (int f = 0; f < 3; f++)
        {
            double mean = (x[f] + x[3 + f] + x[6 + f]) / 3.0;
            double variance = new[] { x[f], x[3 + f], x[6 + f] }.Sum(v => (v - mean) * (v - mean)) / 3;
            for (int n = 0; n < 3; n++)
                Assert.That(y[n * 3 + f], Is.EqualTo((x[n * 3 + f] - mean) / Math.Sqrt(variance + 1e-5)).Within(1e-5));
        }
    }

    [Test]
    public void StateDictUsesPyTorchNames()
    {
        Assert.That(Make().StateDict().Names, Is.EqualTo(new[] { "weight", "bias", "running_mean", "running_var" }));
    }
}
