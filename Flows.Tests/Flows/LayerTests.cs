using Flows.Core;
using Flows.Core.Flows;
using Flows.Kernels.Cpu;

namespace Flows.Tests.Flows;

/// <summary>Every layer type: inverse(forward(x)) = x, and the reported log|det J| equals the numerical one.</summary>
[TestFixture]
public sealed class LayerTests
{
    private ManagedCpuBackend _backend = null!;

    [OneTimeSetUp] public void SetUp() => _backend = new ManagedCpuBackend();
    [OneTimeTearDown] public void TearDown() => _backend.Dispose();

    private static IEnumerable<string> Layers => LayerCatalog.Names;
    private static IEnumerable<string> JacobianLayers => LayerCatalog.JacobianNames;

    [TestCaseSource(nameof(Layers))]
    public void InverseUndoesForward(string name)
    {
        var (layer, shape) = LayerCatalog.Create(name, _backend);
        using var scope = new TensorScope();
        using var _ = Autograd.NoGrad();
        var x = FlowTestKit.Normal(_backend, 11, 1f, [3, .. shape]);
        var (y, logdet) = layer.Forward(x);
        var (back, inverseLogdet) = layer.Inverse(y);
        double error = FlowTestKit.RelativeError(x.ToArray(), back.ToArray());
        TestContext.Out.WriteLine($"{name}: relative reconstruction error {error:E2}");
        Assert.That(error, Is.LessThan(1e-4));
        var forward = logdet.ToArray();
        var inverse = inverseLogdet.ToArray();
        for (int i = 0; i < forward.Length; i++)
            Assert.That(inverse[i], Is.EqualTo(-forward[i]).Within(1e-3 + 1e-5 * Math.Abs(forward[i])));
    }

    [TestCaseSource(nameof(JacobianLayers))]
    public void LogDetMatchesNumericalJacobian(string name)
    {
        var (layer, shape) = LayerCatalog.Create(name, _backend);
        using var scope = new TensorScope();
        using var _ = Autograd.NoGrad();
        var x = FlowTestKit.Normal(_backend, 12, 1f, [1, .. shape]);
        float reported = layer.Forward(x).LogDet.Item();
        double numeric = FlowTestKit.NumericLogAbsDet(_backend, t => layer.Forward(t).Value, x.ToArray(), shape, batched: true);
        TestContext.Out.WriteLine($"{name}: reported {reported:F5}, numerical {numeric:F5}, |error| {Math.Abs(reported - numeric):E2}");
        Assert.That(reported, Is.EqualTo(numeric).Within(1e-3));
    }

    [Test]
    public void DequantizeLogitLogDetMatchesNumericalJacobian()
    {
        var layer = new DequantizeLogit(_backend, new DequantizationNoise(5) { Deterministic = true });
        using var scope = new TensorScope();
        using var _ = Autograd.NoGrad();
        var x = Tensor.Uniform(_backend, 13, 0, 1, 2, 3, 3);
        float reported = layer.Forward(x).LogDet.Item();
        // One call per perturbed input: the deterministic noise then matches element for element.
        double numeric = FlowTestKit.NumericLogAbsDet(_backend, t => layer.Forward(t).Value, x.ToArray(), [2, 3, 3], batched: false, h: 2e-3);
        TestContext.Out.WriteLine($"dequantize: reported {reported:F5}, numerical {numeric:F5}");
        Assert.That(reported, Is.EqualTo(numeric).Within(1e-3));
    }

    [Test]
    public void DequantizeLogitMatchesTheFormulaAndItsInverseIsASigmoid()
    {
        const ulong seed = 9;
        var layer = new DequantizeLogit(_backend, new DequantizationNoise(seed) { Deterministic = true });
        using var scope = new TensorScope();
        var x = Tensor.Uniform(_backend, 14, 0, 2, 1, 2, 2);
        var (y, logdet) = layer.Forward(x);
        var xs = x.ToArray();
        var ys = y.ToArray();
        var expectedLogdet = new double[2];
        for (int i = 0; i < xs.Length; i++)
        {
            double v = (255 * xs[i] + global::Flows.Kernels.CounterRng.Uniform(seed, (ulong)i)) / 256.0;
            double p = 0.05 + 0.9 * v;
            Assert.That(ys[i], Is.EqualTo(Math.Log(p) - Math.Log(1 - p)).Within(1e-4));
            expectedLogdet[i / 4] += -Math.Log(p) - Math.Log(1 - p) + Math.Log(0.9) + Math.Log(255.0 / 256.0);
        }
        Assert.That(logdet.ToArray().Select(v => (double)v), Is.EqualTo(expectedLogdet).Within(1e-4));
        var back = layer.Inverse(y).Value.ToArray();
        for (int i = 0; i < ys.Length; i++) Assert.That(back[i], Is.EqualTo(1 / (1 + Math.Exp(-ys[i]))).Within(1e-6));
    }

    [Test]
    public void DequantizationNoiseIsFreshUnlessDeterministic()
    {
        var noise = new DequantizationNoise(3);
        var layer = new DequantizeLogit(_backend, noise);
        using var scope = new TensorScope();
        var x = Tensor.Full(_backend, 0.5f, 1, 1, 2, 2);
        var a = layer.Forward(x).Value.ToArray();
        var b = layer.Forward(x).Value.ToArray();
        Assert.That(b, Is.Not.EqualTo(a));
        noise.Deterministic = true;
        var c = layer.Forward(x).Value.ToArray();
        var d = layer.Forward(x).Value.ToArray();
        Assert.That(d, Is.EqualTo(c));
    }
}
