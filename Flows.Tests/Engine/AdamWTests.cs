using Flows.Core;
using Flows.Kernels;
using Flows.Kernels.Cpu;
using Flows.Kernels.Ilgpu;

namespace Flows.Tests.Engine;

/// <summary>
/// AdamW (decoupled weight decay, torch.optim.AdamW) against the formula computed by hand in double, on the managed
/// CPU backend and on the ILGPU kernels (CPU accelerator): θ ← θ·(1 − lr·wd), then the Adam step on the raw gradient.
/// </summary>
[TestFixture]
public sealed class AdamWTests
{
    private static readonly float[] Start = [0.5f, -1f, 2f, 0f];
    private static readonly float[][] Gradients = [[0.1f, -0.2f, 0.3f, 0f], [-0.4f, 0.05f, 0.2f, 1f], [0.3f, 0.3f, -0.1f, -2f]];

    private static IComputeBackend Create(string backend) => backend == "cpu" ? new ManagedCpuBackend() : IlgpuBackend.CreateCpuSimulator();

    /// <summary>Gives p the gradient g by back-propagating Σ g·p.</summary>
    private static void SetGradient(IComputeBackend b, Parameter p, float[] g)
    {
        using var scope = new TensorScope();
        Ops.Sum(Ops.Mul(p, Tensor.FromArray(b, g, p.Shape))).Backward();
    }

    [TestCase("cpu")]
    [TestCase("ilgpu-cpu")]
    public void AdamWMatchesTheDecoupledFormulaStepByStep(string backendName)
    {
        using var b = Create(backendName);
        const double lr = 0.01, wd = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        var p = Parameter.From(b, Start, Start.Length);
        using var adamw = new AdamW([new ParameterGroup([p], (float)wd)], (float)lr);
        double[] theta = Start.Select(v => (double)v).ToArray(), m = new double[4], v = new double[4];
        for (int t = 1; t <= 3; t++)
        {
            adamw.ZeroGrad();
            SetGradient(b, p, Gradients[t - 1]);
            adamw.Step();
            for (int i = 0; i < theta.Length; i++)
            {
                double g = Gradients[t - 1][i]; // decoupled: the decay never enters the moments
                theta[i] *= 1 - lr * wd;
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                double mHat = m[i] / (1 - Math.Pow(b1, t)), vHat = v[i] / (1 - Math.Pow(b2, t));
                theta[i] -= lr * mHat / (Math.Sqrt(vHat) + eps);
            }
            Assert.That(p.ToArray(), Is.EqualTo(theta).Within(1e-6), $"after step {t} on {backendName}");
        }
        var state = adamw.ExportState();
        Assert.That(state["adamw.m.0"].Values, Is.EqualTo(m).Within(1e-6), "m holds the raw gradients' average, without wd·θ");
        Assert.That(state["adamw.v.0"].Values, Is.EqualTo(v).Within(1e-7));
        Assert.That(state["adamw.step.0"].Values, Is.EqualTo(new[] { 3f }));
    }

    [Test]
    public void FirstStepByHand()
    {
        // θ = 2, g = 0.5, lr = 0.1, wd = 0.5: θ·(1 − 0.05) = 1.9, then Adam's first step moves by lr·sign(g): 1.8.
        using var b = new ManagedCpuBackend();
        var p = Parameter.From(b, [2f], 1);
        using var adamw = new AdamW([new ParameterGroup([p], 0.5f)], 0.1f);
        SetGradient(b, p, [0.5f]);
        adamw.Step();
        Assert.That(p.ToArray()[0], Is.EqualTo(1.8).Within(1e-6));
        // Coupled Adam on the same numbers differs: g + wd·θ = 1.5 > 0, so it moves by lr only: 1.9.
        var q = Parameter.From(b, [2f], 1);
        using var adam = new Adam([new ParameterGroup([q], 0.5f)], 0.1f);
        SetGradient(b, q, [0.5f]);
        adam.Step();
        Assert.That(q.ToArray()[0], Is.EqualTo(1.9).Within(1e-6));
    }

    [Test]
    public void WithoutWeightDecayAdamWIsAdamBitForBit()
    {
        using var b = new ManagedCpuBackend();
        var p = Parameter.From(b, Start, Start.Length);
        var q = Parameter.From(b, Start, Start.Length);
        using var adamw = new AdamW([p], 0.01f);
        using var adam = new Adam([q], 0.01f);
        foreach (var g in Gradients)
        {
            adamw.ZeroGrad();
            adam.ZeroGrad();
            SetGradient(b, p, g);
            SetGradient(b, q, g);
            adamw.Step();
            adam.Step();
        }
        Assert.That(p.ToArray(), Is.EqualTo(q.ToArray()));
    }

    [Test]
    public void AnAdamStateIsNotAnAdamWState()
    {
        using var b = new ManagedCpuBackend();
        var p = Parameter.From(b, Start, Start.Length);
        using var adam = new Adam([p], 0.01f);
        SetGradient(b, p, Gradients[0]);
        adam.Step();
        using var adamw = new AdamW([p], 0.01f);
        var e = Assert.Throws<StateDictMismatchException>(() => adamw.ImportState(adam.ExportState()));
        Assert.That(e!.Message, Does.Contain("'adam' optimizer, this one is 'adamw'"));
    }
}
