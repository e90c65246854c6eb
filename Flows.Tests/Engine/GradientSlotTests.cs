using Flows.Core;
using Flows.Kernels;
using Flows.Kernels.Ilgpu;

namespace Flows.Tests.Engine;

/// <summary>
/// Gradients written straight into the optimizer's flat slots (docs/PERFORMANCE.md, "Launches and host synchronisations
/// per step"): on a backend that packs contiguously, a parameter's gradient after Backward is the slot's memory itself,
/// equals the gradient of the same model without an optimizer bit for bit, and costs no launch more. Tiny shapes on the
/// ILGPU CPU simulator.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class GradientSlotTests
{
    private IlgpuBackend _simulator = null!;

    [OneTimeSetUp]
    public void CreateSimulator() => _simulator = IlgpuBackend.CreateCpuSimulator();

    [OneTimeTearDown]
    public void DisposeSimulator() => _simulator.Dispose();

    /// <summary>A weight-normed convolution with a bias, a BatchNorm with ReLU and a per-channel scale used three times.</summary>
    private sealed class Model
    {
        public Model(IComputeBackend b)
        {
            Parameter P(int seed, params int[] shape) => Parameter.From(b, Values(Shapes.Count(shape), seed), shape);
            G = P(1, 4, 1, 1, 1);
            V = P(2, 4, 3, 3, 3);
            Bias = P(3, 4);
            Gamma = P(4, 4);
            Beta = P(5, 4);
            Scale = P(6, 4);
            RunningMean = Tensor.Zeros(b, 4);
            RunningVar = Tensor.Ones(b, 4);
        }

        public Parameter G { get; }
        public Parameter V { get; }
        public Parameter Bias { get; }
        public Parameter Gamma { get; }
        public Parameter Beta { get; }
        public Parameter Scale { get; }
        public Tensor RunningMean { get; }
        public Tensor RunningVar { get; }
        public Parameter[] Parameters => [G, V, Bias, Gamma, Beta, Scale];

        public Tensor Loss(Tensor x)
        {
            var y = Ops.Conv2d(x, Ops.WeightNorm(G, V), Bias, padding: 1);
            var h = Ops.BatchNorm(y, Gamma, Beta, RunningMean, RunningVar, training: true, relu: true);
            var z = Ops.Channelwise(BinaryOp.Mul, h, Scale);
            return Ops.Add(Ops.Sum(Ops.Mul(z, z)), Ops.Sum(Ops.Mul(Scale, Scale)));
        }
    }

    private static float[] Values(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    [Test]
    public void AParameterGradientIsTheSlotAndEqualsTheGradientWithoutAnOptimizer()
    {
        var b = _simulator;
        var trained = new Model(b);
        var plain = new Model(b);
        using var optimizer = new Adam(trained.Parameters, 1e-2f);
        using var x = Tensor.FromArray(b, Values(2 * 3 * 5 * 5, 9), 2, 3, 5, 5);
        using (new TensorScope()) trained.Loss(x).Backward();
        optimizer.Step(); // the first multi-tensor step moves the parameters into flat storage
        optimizer.ZeroGrad();
        Assert.That(trained.Parameters.All(p => p.GradientSlot is not null), "the simulator packs contiguously");
        for (int i = 0; i < plain.Parameters.Length; i++) plain.Parameters[i].CopyFrom(trained.Parameters[i]);

        var start = b.Counter.Snapshot();
        using (new TensorScope()) plain.Loss(x).Backward();
        var withoutOptimizer = b.Counter.Snapshot() - start;
        start = b.Counter.Snapshot();
        using (new TensorScope()) trained.Loss(x).Backward();
        var intoSlots = b.Counter.Snapshot() - start;

        for (int i = 0; i < plain.Parameters.Length; i++)
        {
            var p = trained.Parameters[i];
            Assert.That(p.Grad, Is.Not.Null);
            Assert.That(p.Grad!.Buffer, Is.SameAs(p.GradientSlot), $"parameter {i}: the gradient lives in its flat slot");
            Assert.That(p.Grad.ToArray(), Is.EqualTo(plain.Parameters[i].Grad!.ToArray()), $"parameter {i}");
        }
        TestContext.Out.WriteLine($"backward without an optimizer {withoutOptimizer}; into the slots {intoSlots}");
        Assert.That(intoSlots.Launches, Is.EqualTo(withoutOptimizer.Launches), "no copy into the slots");
    }

    [Test]
    public void ASecondBackwardWithoutZeroGradAddsIntoTheSlot()
    {
        var b = _simulator;
        var trained = new Model(b);
        using var optimizer = new Adam(trained.Parameters, 1e-2f);
        using var x = Tensor.FromArray(b, Values(2 * 3 * 5 * 5, 9), 2, 3, 5, 5);
        using (new TensorScope()) trained.Loss(x).Backward();
        optimizer.Step();
        optimizer.ZeroGrad();
        using (new TensorScope()) trained.Loss(x).Backward();
        var once = trained.Parameters.Select(p => p.Grad!.ToArray()).ToArray();
        using (new TensorScope()) trained.Loss(x).Backward();
        for (int i = 0; i < once.Length; i++)
        {
            var p = trained.Parameters[i];
            Assert.That(p.Grad!.Buffer, Is.SameAs(p.GradientSlot), $"parameter {i}");
            // The scale's three contributions are added one by one onto the first pass: another rounding order than 2·once.
            var twice = p.Grad.ToArray();
            for (int j = 0; j < twice.Length; j++)
                Assert.That(twice[j], Is.EqualTo(2 * once[i][j]).Within(1e-6 * Math.Max(1.0, Math.Abs(2 * once[i][j]))), $"parameter {i}[{j}]: two passes add up");
        }
    }
}
