using Flows.Core;
using Flows.Core.Flows;
using Flows.Tests.Engine;

namespace Flows.Tests.Flows;

/// <summary>The base distributions against their closed forms, and a flow model under a non-default base.</summary>
public class BaseDistributionTests
{
    private static global::Flows.Kernels.IComputeBackend Cpu => EngineBackend.Cpu;

    private static float[] Points(int n, int d, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n * d).Select(_ => (float)(3 * rng.NextDouble() - 1.5)).ToArray();
    }

    [Test]
    public void StandardNormalLogProbIsTheClosedForm()
    {
        const int n = 5, d = 7;
        var z = Points(n, d, 1);
        using var scope = new TensorScope();
        var logp = new StandardNormal(Cpu, d).LogProb(Tensor.FromArray(Cpu, z, n, d)).ToArray();
        for (int i = 0; i < n; i++)
        {
            double squares = z.Skip(i * d).Take(d).Sum(v => (double)v * v);
            double expected = -0.5 * squares - 0.5 * d * Math.Log(2 * Math.PI);
            Assert.That(logp[i], Is.EqualTo(expected).Within(1e-5 * Math.Abs(expected)), $"sample {i}");
        }
    }

    [Test]
    public void StandardNormalSamplesAreTheCounterRngsNormalDraw()
    {
        using var scope = new TensorScope();
        var drawn = new StandardNormal(Cpu, 3).Sample(4, seed: 21, offset: 6).ToArray();
        Assert.That(drawn, Is.EqualTo(Tensor.Normal(Cpu, 21, 6, 4, 3).ToArray()));
    }

    [Test]
    public void DiagonalNormalLogProbIsTheClosedForm()
    {
        const int n = 4, d = 3;
        float[] scales = [0.5f, 2f, 1.25f];
        var z = Points(n, d, 2);
        using var scope = new TensorScope();
        var logp = new DiagonalNormal(Cpu, scales).LogProb(Tensor.FromArray(Cpu, z, n, d)).ToArray();
        for (int i = 0; i < n; i++)
        {
            double expected = -0.5 * d * Math.Log(2 * Math.PI);
            for (int k = 0; k < d; k++) expected += -0.5 * Math.Pow(z[i * d + k] / scales[k], 2) - Math.Log(scales[k]);
            Assert.That(logp[i], Is.EqualTo(expected).Within(1e-5 * Math.Abs(expected)), $"sample {i}");
        }
    }

    [Test]
    public void DiagonalNormalSamplesAreScaledStandardDraws()
    {
        using var scope = new TensorScope();
        var drawn = new DiagonalNormal(Cpu, [0.5f, 3f]).Sample(3, seed: 4).ToArray();
        var standard = Tensor.Normal(Cpu, 4, 0, 3, 2).ToArray();
        for (int i = 0; i < drawn.Length; i++)
            Assert.That(drawn[i], Is.EqualTo(standard[i] * (i % 2 == 0 ? 0.5f : 3f)).Within(1e-6), $"element {i}");
    }

    [Test]
    public void DiagonalNormalRefusesNonPositiveScales()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new DiagonalNormal(Cpu, [1f, 0f]));
        Assert.That(error!.Message, Does.Contain("scale 1").And.Contain("positive"));
    }

    private static TabularFlow Tabular(IBaseDistribution? prior, int dim = 4)
    {
        var rng = new Random(9);
        var couplings = Enumerable.Range(0, 3)
            .Select(i => new AffineCoupling(Cpu, new TabularMask(i % 2 == 1), new TabularMlp(Cpu, rng, dim, 8, 1), dim))
            .ToArray();
        return new TabularFlow(Cpu, ModelConfig.Tabular(dim, 8, 1, 3), couplings, prior);
    }

    [Test]
    public void AWiderBaseShiftsTheLogLikelihoodByTheClosedFormDifference()
    {
        const int n = 6, d = 4;
        const float sigma = 1.5f;
        var standard = Tabular(null);
        var wide = Tabular(new DiagonalNormal(Cpu, d, sigma));
        Assert.That(standard.Prior, Is.InstanceOf<StandardNormal>(), "N(0, I) unless another base is given");
        using var scope = new TensorScope();
        var x = Tensor.FromArray(Cpu, Points(n, d, 3), n, d);
        var z = standard.Forward(x).Value.ToArray();
        var llStandard = standard.LogLikelihood(x).ToArray();
        var llWide = wide.LogLikelihood(x).ToArray();
        for (int i = 0; i < n; i++)
        {
            // log N(z; 0, σ²I) − log N(z; 0, I) = ½‖z‖²(1 − 1/σ²) − D ln σ; the body (same seed) and log|det J| are shared.
            double squares = z.Skip(i * d).Take(d).Sum(v => (double)v * v);
            double shift = 0.5 * squares * (1 - 1.0 / (sigma * sigma)) - d * Math.Log(sigma);
            Assert.That(llWide[i] - llStandard[i], Is.EqualTo(shift).Within(1e-4), $"sample {i}");
        }
    }

    [Test]
    public void SamplesComeFromTheBaseThroughTheInverseBody()
    {
        var wide = Tabular(new DiagonalNormal(Cpu, 4, 0.25f));
        using var scope = new TensorScope();
        var samples = wide.Sample(5, seed: 8, offset: 2);
        var expected = wide.Body.Inverse(new DiagonalNormal(Cpu, 4, 0.25f).Sample(5, 8, 2)).Value;
        Assert.That(samples.ToArray(), Is.EqualTo(expected.ToArray()));
    }

    [Test]
    public void ABaseOfTheWrongDimensionIsRefusedNamingBoth()
    {
        var error = Assert.Throws<ArgumentException>(() => Tabular(new StandardNormal(Cpu, 5)));
        Assert.That(error!.Message, Does.Contain("tabular").And.Contain("5 dimensions").And.Contain("latent has 4"));
    }
}
