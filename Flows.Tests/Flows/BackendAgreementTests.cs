using Flows.Core;
using Flows.Core.Flows;
using Flows.Kernels;
using Flows.Kernels.Cpu;
using Flows.Kernels.Devices;

namespace Flows.Tests.Flows;

/// <summary>
/// The same model (same seed, so the same weights) gives the same log-likelihoods on the managed CPU backend
/// and through the ILGPU kernels on ILGPU's CPU simulator, in training and evaluation mode.
/// </summary>
[TestFixture]
public sealed class BackendAgreementTests
{
    private ManagedCpuBackend _cpu = null!;
    private IComputeBackend _ilgpu = null!;

    [OneTimeSetUp]
    public void SetUp()
    {
        _cpu = new ManagedCpuBackend();
        _ilgpu = ComputeDevices.Create("ilgpu-cpu");
    }

    [OneTimeTearDown]
    public void TearDown()
    {
        _cpu.Dispose();
        _ilgpu.Dispose();
    }

    // The simulator runs GPU threads one by one: the smallest shapes only (ResNet, highway and MLP st-networks).
    [TestCase("realnvp", "1x4x4")]
    [TestCase("glow", "1x4x4")]
    [TestCase("tabular", "6x1x1")]
    public void LogLikelihoodsAgree(string name, string image)
    {
        var config = FlowTestKit.Small(name, image);
        var onCpu = Run(_cpu, config);
        var onIlgpu = Run(_ilgpu, config);
        TestContext.Out.WriteLine($"{name}: cpu [{string.Join(", ", onCpu.Select(v => v.ToString("F4")))}], ilgpu [{string.Join(", ", onIlgpu.Select(v => v.ToString("F4")))}]");
        Assert.That(onIlgpu, Is.EqualTo(onCpu).Within(1e-3 * Math.Max(1, onCpu.Max(Math.Abs))));
    }

    /// <summary>Training-mode then evaluation-mode log-likelihoods of 3 fixed inputs.</summary>
    private static float[] Run(IComputeBackend backend, ModelConfig config)
    {
        var model = FlowModels.Create(config, backend, seed: 11);
        if (model.Noise is { } noise) noise.Deterministic = true;
        using var scope = new TensorScope();
        using var _ = Autograd.NoGrad();
        var x = Tensor.Uniform(backend, 31, 0, [3, .. model.DataShape]);
        model.Train();
        var train = model.LogLikelihood(x).ToArray();
        model.Eval();
        var eval = model.LogLikelihood(x).ToArray();
        return [.. train, .. eval];
    }
}
