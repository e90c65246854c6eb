using Flows.Core;
using Flows.Kernels;

namespace Flows.Tests.Engine;

/// <summary>weight_norm as PyTorch applies it: g = ‖v‖ per output channel at init, so w = v.</summary>
[TestFixture]
public class WeightNormTests
{
    private static IComputeBackend B => EngineBackend.Cpu;

    [Test]
    public void AtInitialisationTheEffectiveWeightEqualsV()
    {
        var conv = new Conv2d(B, new Random(3), 4, 5, 3, weightNorm: true);
        using var scope = new TensorScope();
        var v = conv.Weight.ToArray();
        Assert.That(conv.EffectiveWeight().ToArray(), Is.EqualTo(v).Within(1e-6));
        var g = conv.WeightG!.ToArray();
        for (int o = 0; o < 5; o++)
        {
            double norm = Math.Sqrt(v.Skip(o * 36).Take(36).Sum(x => (double)x * x));
            Assert.That(g[o], Is.EqualTo(norm).Within(1e-6));
        }
        Assert.That(conv.NamedParameters().Select(p => p.Name), Is.EqualTo(new[] { "weight_g", "weight_v", "bias" }));
        Assert.That(conv.WeightG!.Shape, Is.EqualTo(new[] { 5, 1, 1, 1 }));
    }

    [Test]
    public void EffectiveWeightIsGTimesUnitDirection()
    {
        using var scope = new TensorScope();
        var g = Tensor.FromArray(B, [2f, -3f], 2);
        var v = Tensor.FromArray(B, [3f, 4f, 0f, 1f, 0f, 0f], 2, 3);
        Assert.That(WeightNorm.Compute(g, v).ToArray(), Is.EqualTo(new[] { 1.2f, 1.6f, 0f, -3f, 0f, 0f }).Within(1e-6));
    }

    [Test]
    public void InitialisationFollowsPyTorchBounds()
    {
        var conv = new Conv2d(B, new Random(4), 3, 8, 3);
        double bound = 1 / Math.Sqrt(3 * 9);
        Assert.That(conv.Weight.ToArray().Max(x => Math.Abs(x)), Is.LessThanOrEqualTo(bound));
        Assert.That(conv.Bias!.ToArray().Max(x => Math.Abs(x)), Is.LessThanOrEqualTo(bound));
        Assert.That(conv.Weight.ToArray().Max(x => Math.Abs(x)), Is.GreaterThan(bound * 0.8), "the draws should fill the range");
    }
}
