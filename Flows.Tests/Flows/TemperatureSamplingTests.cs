using Flows.Core;
using Flows.Core.Flows;
using Flows.Kernels.Cpu;

namespace Flows.Tests.Flows;

/// <summary>Sampling at temperature T: z ~ N(0, T²I); T = 0 decodes z = 0 exactly and T = 1 is the model's own sampler.</summary>
[TestFixture]
public sealed class TemperatureSamplingTests
{
    private static FlowModel Tiny(ManagedCpuBackend backend)
    {
        var model = FlowModels.Create(ModelConfig.Defaults("realnvp", new ImageShape(1, 8, 8)) with { Blocks = 1, Mid = 4 }, backend, seed: 4);
        model.Eval();
        return model;
    }

    [Test]
    public void TemperatureZeroDecodesTheZeroLatentExactly()
    {
        using var backend = new ManagedCpuBackend();
        var model = Tiny(backend);
        using var scope = new TensorScope();
        var atZero = TemperatureSampling.Sample(model, 3, 0, seed: 9).ToArray();
        float[] decoded;
        using (Autograd.NoGrad()) decoded = model.Inverse(Tensor.Zeros(backend, 3, model.Dimension)).Value.ToArray();
        Assert.That(atZero, Is.EqualTo(decoded));
        Assert.That(TemperatureSampling.Latent(model, 3, 0, seed: 9).ToArray(), Is.All.EqualTo(0f));
        int d = model.Dimension;
        Assert.That(atZero.AsSpan(0, d).ToArray(), Is.EqualTo(atZero.AsSpan(d, d).ToArray()), "every sample is the same image");
    }

    [Test]
    public void TemperatureOneIsTheModelsSamplerAndOtherTemperaturesScaleTheLatent()
    {
        using var backend = new ManagedCpuBackend();
        var model = Tiny(backend);
        using var scope = new TensorScope();
        Assert.That(TemperatureSampling.Sample(model, 2, 1, seed: 5).ToArray(), Is.EqualTo(model.Sample(2, 5).ToArray()));
        var z = Tensor.Normal(backend, 5, 0, 2, model.Dimension).ToArray();
        var cold = TemperatureSampling.Latent(model, 2, 0.7, seed: 5).ToArray();
        Assert.That(cold, Is.EqualTo(z.Select(v => v * 0.7f).ToArray()));
        float[] expected;
        using (Autograd.NoGrad()) expected = model.Inverse(Tensor.FromArray(backend, cold, 2, model.Dimension)).Value.ToArray();
        Assert.That(TemperatureSampling.Sample(model, 2, 0.7, seed: 5).ToArray(), Is.EqualTo(expected));
    }

    [TestCase(-0.5)]
    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    public void ANegativeOrNonFiniteTemperatureIsRefused(double temperature)
    {
        using var backend = new ManagedCpuBackend();
        var model = Tiny(backend);
        var e = Assert.Throws<ArgumentException>(() => TemperatureSampling.Sample(model, 1, temperature, seed: 1));
        Assert.That(e!.Message, Does.Contain("--temperature must be a finite number >= 0"));
    }
}
