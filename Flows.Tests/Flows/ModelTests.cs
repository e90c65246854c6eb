using Flows.Core;
using Flows.Core.Flows;
using Flows.Kernels;
using Flows.Kernels.Cpu;

namespace Flows.Tests.Flows;

/// <summary>Whole models (small sizes): invertibility on random and real images, and the log-determinant.</summary>
[TestFixture]
public sealed class ModelTests
{
    private ManagedCpuBackend _backend = null!;

    [OneTimeSetUp] public void SetUp() => _backend = new ManagedCpuBackend();
    [OneTimeTearDown] public void TearDown() => _backend.Dispose();

    private static readonly object[] TinyModels =
    [
        new object[] { "realnvp", "1x4x4" }, new object[] { "realnvp", "2x4x4" }, new object[] { "realnvp8", "1x4x4" },
        new object[] { "realnvp-small", "2x4x4" }, new object[] { "horizontal", "1x4x4" }, new object[] { "horizontal3", "1x4x4" },
        new object[] { "cyclemask", "1x4x4" }, new object[] { "cyclemask", "2x4x4" }, new object[] { "glow", "1x4x4" },
        new object[] { "glow", "2x4x4" }, new object[] { "realnvp-resnetae", "1x4x4" }, new object[] { "tabular", "6x1x1" },
    ];

    private static readonly string[] ImageModels =
        ["realnvp", "realnvp8", "realnvp-small", "horizontal", "horizontal3", "cyclemask", "glow", "realnvp-resnetae", "realnvp-ae"];

    /// <summary>A small model in evaluation mode with settled BatchNorm statistics, initialised ActNorms and fixed noise.</summary>
    private FlowModel Build(string name, string image, Func<ulong, Tensor>? data = null)
    {
        var model = FlowModels.Create(FlowTestKit.Small(name, image), _backend, seed: 5);
        var shape = model.DataShape;
        data ??= seed => Tensor.Uniform(_backend, seed, 0, [8, .. shape]);
        FlowTestKit.Perturb(model, 0.02f, 4);
        // The autoencoder st-network has no BatchNorm and is slow on the CPU: no need to settle statistics.
        if (model.Config.StType == "autoencoder") model.Eval();
        else FlowTestKit.Settle(model, model.Forward, data);
        if (model.Noise is { } noise) noise.Deterministic = true;
        return model;
    }

    /// <summary>
    /// What inverse(forward(x)) gives for an image model: the original's inverse is a plain sigmoid, so it returns
    /// the dequantized p = 0.05 + 0.9·(255x + u)/256, with the deterministic noise u of counter i.
    /// </summary>
    private static float[] Dequantized(FlowModel model, float[] x)
    {
        if (model.Noise is null) return x;
        var p = new float[x.Length];
        for (int i = 0; i < x.Length; i++)
            p[i] = 0.05f + 0.9f * (255f * x[i] + CounterRng.Uniform(model.Noise.Seed, (ulong)i)) / 256f;
        return p;
    }

    [TestCaseSource(nameof(TinyModels))]
    public void InverseUndoesForwardOnRandomInputs(string name, string image)
    {
        var model = Build(name, image);
        using var scope = new TensorScope();
        using var _ = Autograd.NoGrad();
        var x = Tensor.Uniform(_backend, 21, 0, [3, .. model.DataShape]);
        var (z, logdet) = model.Forward(x);
        Assert.That(z.Shape, Is.EqualTo(new[] { 3, model.Dimension }));
        var (back, inverseLogdet) = model.Inverse(z);
        double error = FlowTestKit.RelativeError(Dequantized(model, x.ToArray()), back.ToArray());
        TestContext.Out.WriteLine($"{name} {image}: relative reconstruction error {error:E2}");
        Assert.That(error, Is.LessThan(1e-4));
        if (model.Noise is null)
            Assert.That(inverseLogdet.ToArray(), Is.EqualTo(logdet.ToArray().Select(v => -v)).Within(1e-3));
    }

    [TestCaseSource(nameof(ImageModels))]
    public void InverseUndoesForwardOnFashionMnist(string name)
    {
        // The autoencoder st-network runs its strided convolutions the slow, simple way: one image is enough.
        int count = name == "realnvp-ae" ? 1 : 4;
        var pixels = FlowTestKit.FashionMnist(count);
        var model = Build(name, "1x28x28", seed => Tensor.FromArray(_backend, FlowTestKit.FashionMnist(8 + (int)seed % 3)[^(8 * 784)..], 8, 1, 28, 28));
        using var scope = new TensorScope();
        using var _ = Autograd.NoGrad();
        var x = Tensor.FromArray(_backend, pixels, count, 1, 28, 28);
        var back = model.Inverse(model.Forward(x).Value).Value;
        double error = FlowTestKit.RelativeError(Dequantized(model, pixels), back.ToArray());
        TestContext.Out.WriteLine($"{name} on FashionMNIST: relative reconstruction error {error:E2}");
        Assert.That(error, Is.LessThan(1e-4));
    }

    [TestCaseSource(nameof(TinyModels))]
    public void LogDetMatchesNumericalJacobian(string name, string image)
    {
        var model = Build(name, image);
        using var scope = new TensorScope();
        using var _ = Autograd.NoGrad();
        // Keep pixels away from 0 and 1 so the perturbed inputs stay inside [0, 1].
        var x = Ops.AddScalar(Ops.Scale(Tensor.Uniform(_backend, 22, 0, [1, .. model.DataShape]), 0.8f), 0.1f);
        float reported = model.Forward(x).LogDet.Item();
        // One call per perturbed input: with deterministic noise every call sees the same u.
        double numeric = FlowTestKit.NumericLogAbsDet(_backend, t => model.Forward(t).Value, x.ToArray(), model.DataShape,
                                                      batched: false, h: 2e-3);
        TestContext.Out.WriteLine($"{name} {image}: reported {reported:F5}, numerical {numeric:F5}, |error| {Math.Abs(reported - numeric):E2}");
        Assert.That(reported, Is.EqualTo(numeric).Within(1e-3));
    }

    [Test]
    public void DeterministicNoiseGivesRepeatableLikelihoodsAndFreshNoiseDoesNot()
    {
        var model = Build("realnvp", "1x4x4");
        using var scope = new TensorScope();
        using var _ = Autograd.NoGrad();
        var x = Tensor.Uniform(_backend, 23, 0, 4, 1, 4, 4);
        var a = model.LogLikelihood(x).ToArray();
        var b = model.LogLikelihood(x).ToArray();
        Assert.That(b, Is.EqualTo(a));
        model.Noise!.Deterministic = false;
        var c = model.LogLikelihood(x).ToArray();
        Assert.That(c, Is.Not.EqualTo(a));
    }

    [Test]
    public void LogLikelihoodAndBitsPerDimFollowTheFormula()
    {
        var model = Build("realnvp", "1x4x4");
        using var scope = new TensorScope();
        using var _ = Autograd.NoGrad();
        var x = Tensor.Uniform(_backend, 24, 0, 2, 1, 4, 4);
        var (z, logdet) = model.Forward(x);
        var ll = model.LogLikelihood(x).ToArray();
        var zs = z.ToArray(); var ld = logdet.ToArray();
        int d = 16;
        for (int n = 0; n < 2; n++)
        {
            double sq = 0;
            for (int i = 0; i < d; i++) sq += zs[n * d + i] * (double)zs[n * d + i];
            double expected = -0.5 * sq - 0.5 * d * Math.Log(2 * Math.PI) - d * Math.Log(256) + ld[n];
            Assert.That(ll[n], Is.EqualTo(expected).Within(1e-3));
        }
        var bpd = FlowLikelihood.BitsPerDim(Tensor.FromArray(_backend, ll, 2), d).ToArray();
        Assert.That(bpd[0], Is.EqualTo(-ll[0] / (d * Math.Log(2))).Within(1e-4));
    }

    [Test]
    public void SamplesHaveTheImageShapeAndStayInTheSigmoidRange()
    {
        var model = Build("glow", "1x4x4");
        using var scope = new TensorScope();
        var samples = model.Sample(5, seed: 3);
        Assert.That(samples.Shape, Is.EqualTo(new[] { 5, 1, 4, 4 }));
        Assert.That(samples.ToArray(), Is.All.InRange(0f, 1f));
        Assert.That(model.Sample(5, seed: 3).ToArray(), Is.EqualTo(samples.ToArray()));
    }

    [Test]
    public void ActNormInitialisationIsSavedInTheStateDict()
    {
        var trained = Build("glow", "1x4x4");
        var state = trained.StateDict();
        Assert.That(state.Names, Has.Some.EndsWith("actnorm.initialized"));
        var fresh = FlowModels.Create(FlowTestKit.Small("glow", "1x4x4"), _backend, seed: 6);
        fresh.Eval();
        using var scope = new TensorScope();
        var x = Tensor.Uniform(_backend, 25, 0, 2, 1, 4, 4);
        Assert.Throws<InvalidOperationException>(() => fresh.Forward(x));
        fresh.LoadStateDict(state);
        fresh.Noise!.Seed = trained.Noise!.Seed;
        fresh.Noise.Deterministic = true;
        Assert.That(fresh.LogLikelihood(x).ToArray(), Is.EqualTo(trained.LogLikelihood(x).ToArray()).Within(1e-4));
    }
}
