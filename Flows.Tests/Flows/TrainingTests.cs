using System.Diagnostics;
using Flows.Core;
using Flows.Core.Flows;
using Flows.Kernels.Cpu;

namespace Flows.Tests.Flows;

/// <summary>
/// 100 Adam steps of a tiny RealNVP and a tiny Glow on FashionMNIST lower the eval-mode test bits/dim
/// (512 test images, fixed dequantization noise) by at least <see cref="RequiredDrop"/>.
/// </summary>
[TestFixture]
public sealed class TrainingTests
{
    private const double RequiredDrop = 0.5;
    private const int Batch = 16, Steps = 100, TestImages = 512;

    private ManagedCpuBackend _backend = null!;

    [OneTimeSetUp] public void SetUp() => _backend = new ManagedCpuBackend();
    [OneTimeTearDown] public void TearDown() => _backend.Dispose();

    [Test]
    public void RealNvpLowersTestBitsPerDim() =>
        TrainAndCompare(ModelConfig.Defaults("realnvp", ImageShape.Parse("1x28x28")) with { Mid = 8, Blocks = 1 });

    [Test]
    public void GlowLowersTestBitsPerDim() =>
        TrainAndCompare(ModelConfig.Defaults("glow", ImageShape.Parse("1x28x28")) with { K = 2, Mid = 16, Layers = 1 });

    private void TrainAndCompare(ModelConfig config)
    {
        var train = FlowTestKit.FashionMnist(Batch * Steps, train: true);
        var test = FlowTestKit.FashionMnist(TestImages);
        var model = FlowModels.Create(config, _backend, seed: 1);
        var clock = Stopwatch.StartNew();

        // Let BatchNorm running statistics see some data and ActNorm initialise, without any update.
        model.Train();
        using (Autograd.NoGrad())
            for (int b = 0; b < 10; b++)
                using (new TensorScope())
                    model.Forward(Batch_(train, b));
        double before = TestBitsPerDim(model, test);

        using var optimizer = new Adam(model.Parameters(), learningRate: 1e-3f);
        model.Train();
        for (int step = 0; step < Steps; step++)
        {
            using var scope = new TensorScope();
            optimizer.ZeroGrad();
            var loss = FlowLikelihood.Loss(model.LogLikelihood(Batch_(train, step)));
            loss.Backward();
            optimizer.Step();
        }
        double after = TestBitsPerDim(model, test);
        TestContext.Out.WriteLine($"{config.Name}: test bits/dim {before:F3} → {after:F3} (drop {before - after:F3}) in {clock.Elapsed.TotalSeconds:F0} s");
        Assert.That(after, Is.LessThan(before - RequiredDrop));
    }

    private Tensor Batch_(float[] images, int index) =>
        Tensor.FromArray(_backend, images.AsSpan(index * Batch * 784, Batch * 784), Batch, 1, 28, 28);

    private double TestBitsPerDim(FlowModel model, float[] images)
    {
        model.Eval();
        model.Noise!.Deterministic = true;
        var ll = new List<float>();
        using (Autograd.NoGrad())
            for (int start = 0; start < TestImages; start += 128)
                using (new TensorScope())
                    ll.AddRange(model.LogLikelihood(Tensor.FromArray(_backend, images.AsSpan(start * 784, 128 * 784), 128, 1, 28, 28)).ToArray());
        model.Noise.Deterministic = false;
        return FlowLikelihood.MeanBitsPerDim(ll, 784);
    }
}
