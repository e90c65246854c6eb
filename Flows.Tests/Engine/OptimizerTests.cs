using Flows.Core;
using Flows.Kernels;

namespace Flows.Tests.Engine;

/// <summary>Adam and RMSprop against the published update rules, computed by hand in double.</summary>
[TestFixture]
public class OptimizerTests
{
    private static IComputeBackend B => EngineBackend.Cpu;

    /// <summary>Gives p the gradient g by back-propagating Σ g·p.</summary>
    private static void SetGradient(Parameter p, float[] g)
    {
        using var scope = new TensorScope();
        Ops.Sum(Ops.Mul(p, Tensor.FromArray(B, g, p.Shape))).Backward();
    }

    private static readonly float[] Start = [0.5f, -1f, 2f];
    private static readonly float[][] Gradients = [[0.1f, -0.2f, 0.3f], [-0.4f, 0.05f, 0.2f], [0.3f, 0.3f, -0.1f]];

    [Test]
    public void AdamMatchesTorchOptimAdamWithCoupledWeightDecay()
    {
        const double lr = 0.01, wd = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        var p = Parameter.From(B, Start, 3);
        using var adam = new Adam([new ParameterGroup([p], (float)wd)], (float)lr);
        double[] theta = Start.Select(v => (double)v).ToArray(), m = new double[3], v = new double[3];
        for (int t = 1; t <= 3; t++)
        {
            adam.ZeroGrad();
            SetGradient(p, Gradients[t - 1]);
            adam.Step();
            for (int i = 0; i < 3; i++)
            {
                double g = Gradients[t - 1][i] + wd * theta[i];
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                double mHat = m[i] / (1 - Math.Pow(b1, t)), vHat = v[i] / (1 - Math.Pow(b2, t));
                theta[i] -= lr * mHat / (Math.Sqrt(vHat) + eps);
            }
            Assert.That(p.ToArray(), Is.EqualTo(theta).Within(1e-6), $"after step {t}");
        }
        Assert.That(adam.StepCount, Is.EqualTo(3));
        var state = adam.ExportState();
        Assert.That(state["adam.m.0"].Values, Is.EqualTo(m).Within(1e-6));
        Assert.That(state["adam.v.0"].Values, Is.EqualTo(v).Within(1e-7));
        Assert.That(state["adam.step.0"].Values, Is.EqualTo(new[] { 3f }));
    }

    [Test]
    public void RmsPropMatchesTorchOptimRmsPropWithCoupledWeightDecay()
    {
        const double lr = 0.01, wd = 0.05, alpha = 0.99, eps = 1e-8;
        var p = Parameter.From(B, Start, 3);
        using var rms = new RmsProp([new ParameterGroup([p], (float)wd)], (float)lr);
        double[] theta = Start.Select(x => (double)x).ToArray(), square = new double[3];
        for (int t = 1; t <= 3; t++)
        {
            rms.ZeroGrad();
            SetGradient(p, Gradients[t - 1]);
            rms.Step();
            for (int i = 0; i < 3; i++)
            {
                double g = Gradients[t - 1][i] + wd * theta[i];
                square[i] = alpha * square[i] + (1 - alpha) * g * g;
                theta[i] -= lr * g / (Math.Sqrt(square[i]) + eps);
            }
            Assert.That(p.ToArray(), Is.EqualTo(theta).Within(1e-6), $"after step {t}");
        }
        Assert.That(rms.ExportState()["rmsprop.square_avg.0"].Values, Is.EqualTo(square).Within(1e-7));
    }

    [Test]
    public void ParametersWithoutGradientsAreSkippedAndKeepTheirOwnStepCount()
    {
        var a = Parameter.From(B, [1f, 2f], 2);
        var b = Parameter.From(B, [3f], 1);
        using var adam = new Adam([a, b], 0.1f);
        SetGradient(a, [1f, 1f]);
        adam.Step();
        Assert.That(b.ToArray(), Is.EqualTo(new[] { 3f }));
        Assert.That(adam.ExportState().Names, Is.EquivalentTo(new[] { "step", "adam.m.0", "adam.v.0", "adam.step.0" }));

        adam.ZeroGrad();
        SetGradient(b, [2f]);
        adam.Step();
        // b's first update is bias-corrected as step 1 (as in PyTorch): lr·sign(g).
        Assert.That(b.ToArray()[0], Is.EqualTo(3f - 0.1f).Within(1e-6));
        var state = adam.ExportState();
        Assert.That(state["adam.step.0"].Values[0], Is.EqualTo(1f));
        Assert.That(state["adam.step.1"].Values[0], Is.EqualTo(1f));
        Assert.That(state["step"].Values[0], Is.EqualTo(2f));
    }

    [Test]
    public void LearningRateIsScheduledExceptWhereAGroupOverridesIt()
    {
        var scheduled = Parameter.From(B, [1f], 1);
        var fixedRate = Parameter.From(B, [1f], 1);
        using var rms = new RmsProp([new ParameterGroup([scheduled]), new ParameterGroup([fixedRate], learningRate: 0f)], 0.01f);
        rms.LearningRate = 0.001f;
        SetGradient(scheduled, [1f]);
        SetGradient(fixedRate, [1f]);
        rms.Step();
        // First RMSprop step: v = 0.01·g², so the update is lr·g/(0.1·|g|) = 10·lr.
        Assert.That(scheduled.ToArray()[0], Is.EqualTo(1f - 0.01f).Within(1e-6));
        Assert.That(fixedRate.ToArray()[0], Is.EqualTo(1f));
    }

    [Test]
    public void GradientsAreClippedPerGroup()
    {
        var a = Parameter.From(B, [0f, 0f], 2);
        var b = Parameter.From(B, [0f, 0f, 0f], 3);
        var c = Parameter.From(B, [0f, 0f], 2);
        var unclipped = Parameter.From(B, [0f], 1);
        using var adam = new Adam(
        [
            new ParameterGroup([a, c], maxGradNorm: 1f, name: "tight"),
            new ParameterGroup([b], maxGradNorm: 10f, name: "loose"),
            new ParameterGroup([unclipped], name: "free"),
        ]);
        SetGradient(a, [3f, 0f]);
        SetGradient(c, [0f, 4f]);
        SetGradient(b, [1f, 2f, 2f]);
        SetGradient(unclipped, [50f]);
        var norms = adam.ClipGradientNorms();
        Assert.That(norms, Is.EqualTo(new[] { 5.0, 3.0, 50.0 }).Within(1e-6));
        double k = 1.0 / (5 + 1e-6);
        Assert.That(a.Grad!.ToArray(), Is.EqualTo(new[] { 3 * k, 0 }).Within(1e-7));
        Assert.That(c.Grad!.ToArray(), Is.EqualTo(new[] { 0, 4 * k }).Within(1e-7));
        Assert.That(b.Grad!.ToArray(), Is.EqualTo(new[] { 1f, 2f, 2f }));
        Assert.That(unclipped.Grad!.ToArray(), Is.EqualTo(new[] { 50f }));
    }

    [Test]
    public void ANonFiniteGradientNormNamesTheGroup()
    {
        var p = Parameter.From(B, [1f], 1);
        using var adam = new Adam([new ParameterGroup([p], maxGradNorm: 1f, name: "normalized")]);
        SetGradient(p, [float.NaN]);
        var error = Assert.Throws<NumericalException>(() => adam.ClipGradientNorms());
        Assert.That(error!.Message, Does.Contain("normalized"));
    }

    [Test]
    public void AParameterInTwoGroupsIsRefused()
    {
        var p = Parameter.From(B, [1f], 1);
        Assert.Throws<ArgumentException>(() => new Adam([new ParameterGroup([p]), new ParameterGroup([p])]));
    }

    [Test]
    public void StepRecordsNoHistory()
    {
        var p = Parameter.From(B, [1f, 2f], 2);
        using var adam = new Adam([p]);
        SetGradient(p, [1f, 1f]);
        adam.Step();
        Assert.That(p.TracksGrad && p.RequiresGrad, Is.True, "a parameter stays a leaf that wants gradients");
        using var scope = new TensorScope();
        Ops.Sum(p).Backward();
        Assert.That(p.Grad!.ToArray(), Is.EqualTo(new[] { 2f, 2f }), "the old gradient plus the new one");
    }
}
