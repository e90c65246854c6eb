using Flows.Core;

namespace Flows.Tests.Engine;

/// <summary>The checker itself must be able to fail: a gradient that is wrong by a factor must be caught.</summary>
[TestFixture]
public class GradCheckTests
{
    [Test]
    public void AWrongGradientIsCaught()
    {
        var x = GradCheck.RandomTensor(EngineBackend.Cpu, new Random(1), InputRange.Smooth, 3, 4);
        // x·detach(x) computes x² but back-propagates only x, half the true gradient.
        var result = GradCheck.Run(xs => Ops.Mul(xs[0], xs[0].DetachedCopy()), [x]);
        Assert.That(result.MaxRelativeError, Is.GreaterThan(0.3));
    }

    [Test]
    public void AMissingGradientIsCaught()
    {
        var rng = new Random(2);
        var a = GradCheck.RandomTensor(EngineBackend.Cpu, rng, InputRange.Smooth, 5);
        var b = GradCheck.RandomTensor(EngineBackend.Cpu, rng, InputRange.Smooth, 5);
        // b enters only through a detached copy, so autodiff gives it no gradient at all.
        var result = GradCheck.Run(xs => Ops.Mul(xs[0], xs[1].DetachedCopy()), [a, b]);
        Assert.That(result.Inputs[0].RelativeError, Is.LessThan(1e-3));
        Assert.That(result.Inputs[1].RelativeError, Is.EqualTo(1.0).Within(1e-6));
    }

    [Test]
    public void InputsKeepTheirValues()
    {
        var x = GradCheck.RandomTensor(EngineBackend.Cpu, new Random(3), InputRange.Positive, 2, 3);
        var before = x.ToArray();
        GradCheck.Run(xs => Ops.Log(xs[0]), [x]);
        Assert.That(x.ToArray(), Is.EqualTo(before));
        Assert.That(x.Grad, Is.Null);
    }
}
