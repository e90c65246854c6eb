using Flows.Core;
using Flows.Kernels;
using Flows.Kernels.Ilgpu;

namespace Flows.Tests.Engine;

/// <summary>
/// The fused ops of the launch diet against the compositions they replace (docs/PERFORMANCE.md, "Launches and host
/// synchronisations per step"): weight norm, Glow's device log|det W|, and gradients that pass through without a copy.
/// </summary>
[TestFixture]
public class FusedOpsTests
{
    private static IComputeBackend B => EngineBackend.Cpu;

    [Test]
    public void FusedWeightNormEqualsTheComposedOpsForwardAndBackward()
    {
        var rng = new Random(4);
        var gValues = Enumerable.Range(0, 3).Select(_ => 0.5f + (float)rng.NextDouble()).ToArray();
        var vValues = Enumerable.Range(0, 3 * 2 * 3 * 3).Select(_ => (float)rng.NextDouble() * 2 - 1).ToArray();
        var dwValues = Enumerable.Range(0, vValues.Length).Select(_ => (float)rng.NextDouble() * 2 - 1).ToArray();
        (float[] W, float[] Dg, float[] Dv) Run(Func<Tensor, Tensor, Tensor> weightNorm)
        {
            using var scope = new TensorScope();
            var g = Tensor.FromArray(B, gValues, 3, 1, 1, 1);
            var v = Tensor.FromArray(B, vValues, 3, 2, 3, 3);
            g.RequiresGrad = v.RequiresGrad = true;
            var w = weightNorm(g, v);
            Ops.Sum(Ops.Mul(w, Tensor.FromArray(B, dwValues, w.Shape))).Backward();
            var result = (w.ToArray(), g.Grad!.ToArray(), v.Grad!.ToArray());
            g.ZeroGrad();
            v.ZeroGrad();
            return result;
        }
        var fused = Run(WeightNorm.Compute);
        var composed = Run(WeightNorm.Composed);
        Assert.That(fused.W, Is.EqualTo(composed.W).Within(1e-6));
        Assert.That(fused.Dg, Is.EqualTo(composed.Dg).Within(1e-5));
        Assert.That(fused.Dv, Is.EqualTo(composed.Dv).Within(1e-5));
    }

    [Test]
    public void DeviceLogAbsDetEqualsTheHostPathWithItsGradient()
    {
        var rng = new Random(8);
        var w = Enumerable.Range(0, 36).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        for (int i = 0; i < 6; i++) w[i * 6 + i] += i % 2 == 0 ? 1.5f : -1.5f;
        (float Value, float[] Grad) Run(Func<Tensor, Tensor> logAbsDet)
        {
            using var scope = new TensorScope();
            var weight = Tensor.FromArray(B, w, 6, 6);
            weight.RequiresGrad = true;
            var y = logAbsDet(weight);
            Ops.Scale(y, 3f).Backward();
            var result = (y.Item(), weight.Grad!.ToArray());
            weight.ZeroGrad();
            return result;
        }
        var device = Run(Ops.LogAbsDet);
        var host = Run(Ops.LogAbsDetOnHost);
        Assert.That(device.Value, Is.EqualTo(host.Value).Within(1e-5));
        Assert.That(device.Grad, Is.EqualTo(host.Grad).Within(1e-5));
    }

    [Test]
    public void ASingularWeightIsNamedOutsideATrainingStep()
    {
        using var scope = new TensorScope();
        var layer = new global::Flows.Core.Flows.InvertibleConv1x1(B, new Random(1), 2);
        layer.Weight.CopyFrom([1f, 2f, 2f, 4f]);
        Assert.That(Ops.LogAbsDet(layer.Weight).Item(), Is.EqualTo(float.NegativeInfinity));
        var e = Assert.Throws<NumericalException>(() => layer.Forward(Tensor.Zeros(B, 1, 2, 2, 2)));
        Assert.That(e!.Message, Does.Contain("2×2 weight of an invertible 1×1 convolution is singular"));
    }

    [Test]
    public void AReshapesGradientPassesThroughWithoutALaunch()
    {
        using var device = IlgpuBackend.CreateCpuSimulator();
        device.Counter.CountOnly = true;
        long plain = BackwardLaunches(device, x => Ops.Sum(x));
        long reshaped = BackwardLaunches(device, x => Ops.Sum(Ops.Reshape(x, 6, 4)));
        Assert.That(reshaped, Is.EqualTo(plain));
    }

    [Test]
    public void AnAddsGradientReachesBothInputsWithOneCopy()
    {
        using var device = IlgpuBackend.CreateCpuSimulator();
        device.Counter.CountOnly = true;
        long plain = BackwardLaunches(device, x => Ops.Sum(x));
        long added = BackwardLaunches(device, x => Ops.Sum(Ops.Add(x, Ops.Scale(x, 2f))));
        // The add hands its gradient to one input and copies it for the other; the scale's backward is one launch,
        // and x's two gradients meet in one axpy.
        Assert.That(added - plain, Is.EqualTo(3));
    }

    [Test]
    public void PassThroughGradientsAreCorrect()
    {
        using var scope = new TensorScope();
        var a = Tensor.FromArray(B, [1f, 2f, 3f, 4f], 2, 2);
        var b = Tensor.FromArray(B, [5f, 6f, 7f, 8f], 4);
        a.RequiresGrad = b.RequiresGrad = true;
        var y = Ops.Add(Ops.Reshape(a, 4), b);
        Ops.Sum(Ops.Mul(y, Tensor.FromArray(B, [1f, 2f, 3f, 4f], 4))).Backward();
        Assert.That(a.Grad!.ToArray(), Is.EqualTo(new[] { 1f, 2f, 3f, 4f }));
        Assert.That(b.Grad!.ToArray(), Is.EqualTo(new[] { 1f, 2f, 3f, 4f }));
        Assert.That(a.Grad!.Shape, Is.EqualTo(new[] { 2, 2 }));
        a.ZeroGrad();
        b.ZeroGrad();
    }

    private static long BackwardLaunches(IlgpuBackend device, Func<Tensor, Tensor> loss)
    {
        using var scope = new TensorScope();
        var x = Tensor.Zeros(device, 4, 6);
        x.RequiresGrad = true;
        var l = loss(x);
        long start = device.Counter.Launches;
        l.Backward();
        long launches = device.Counter.Launches - start;
        x.ZeroGrad();
        return launches;
    }
}
