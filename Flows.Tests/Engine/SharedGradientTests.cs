using Flows.Core;
using Flows.Kernels.Ilgpu;

namespace Flows.Tests.Engine;

/// <summary>
/// Gradients that pass through without copies (docs/PERFORMANCE.md, "Launches and host synchronisations per step"): an
/// addition's two inputs share its gradient until one of them is added into (then that one gets memory of its own),
/// and a channel split fills its input's gradient in one node. Checked against finite differences and exact sums, and
/// the launches of a small backward counted on the ILGPU simulator.
/// </summary>
[TestFixture]
public sealed class SharedGradientTests
{
    private static Tensor R(Random rng, params int[] shape) => GradCheck.RandomTensor(EngineBackend.Cpu, rng, InputRange.Smooth, shape);

    [Test]
    public void SharedAdditionGradientsMatchFiniteDifferences()
    {
        var rng = new Random(300);
        // u reaches the loss through both additions: its shared gradient is added into (copy on write).
        GradCheck.AssertGradients("(u + e^x) + u", xs =>
        {
            var u = Ops.Tanh(xs[0]);
            return Ops.Add(Ops.Add(u, Ops.Exp(xs[0])), u);
        }, [R(rng, 2, 3, 2, 2)]);
        GradCheck.AssertGradients("u + u", xs =>
        {
            var u = Ops.Tanh(xs[0]);
            return Ops.Add(u, u);
        }, [R(rng, 2, 5)]);
        // A residual chain as RealNVP's st-network builds it: h feeds the next block, its skip and the addition.
        GradCheck.AssertGradients("residual chain", xs =>
        {
            var h = Ops.Tanh(xs[0]);
            var skip = Ops.Sigmoid(h);
            for (int k = 0; k < 3; k++)
            {
                h = Ops.Add(Ops.Tanh(Ops.Mul(h, xs[1])), h);
                skip = Ops.Add(skip, Ops.Exp(Ops.Scale(h, 0.5f)));
            }
            return Ops.Mul(skip, h);
        }, [R(rng, 2, 6), R(rng, 2, 6)]);
    }

    [Test]
    public void SplitChannelsGradientsMatchFiniteDifferences()
    {
        var rng = new Random(310);
        GradCheck.AssertGradients("SplitChannels 1 | 4", xs =>
        {
            var (a, b) = Ops.SplitChannels(xs[0], 1);
            return [a, b];
        }, [R(rng, 2, 5, 2, 2)]);
        GradCheck.AssertGradients("SplitChannels, second part only", xs => Ops.SplitChannels(xs[0], 3).Second, [R(rng, 3, 5)]);
        Assert.Throws<ArgumentException>(() => Ops.SplitChannels(R(rng, 2, 4), 4));
    }

    [Test]
    public void EachHolderOfASharedGradientEndsWithTheRightSum()
    {
        var rng = new Random(320);
        var x = Parameter.From(R(rng, 3, 4));
        using var scope = new TensorScope();
        var c = R(rng, 3, 4);
        var u = Ops.Scale(x, 2f);
        var v = Ops.Scale(x, 3f);
        // d/dx of Σ c·((u + v) + u) = 2c + 3c + 2c: v keeps the shared c, u gets c + c of its own.
        Ops.Sum(Ops.Mul(Ops.Add(Ops.Add(u, v), u), c)).Backward();
        float[] cs = c.ToArray(), grad = x.Grad!.ToArray();
        for (int i = 0; i < cs.Length; i++)
            Assert.That(grad[i], Is.EqualTo(7f * cs[i]).Within(1e-6 * Math.Max(1.0, Math.Abs(7f * cs[i]))), $"element {i}");
    }

    [Test]
    public void AnAdditionPassesItsGradientToBothInputsWithoutALaunch()
    {
        using var device = IlgpuBackend.CreateCpuSimulator();
        device.Counter.CountOnly = true;
        var x = Parameter.From(device, new float[12], 3, 4);
        using var scope = new TensorScope();
        var c = Tensor.Zeros(device, 3, 4);
        var u = Ops.Scale(x, 2f);
        var v = Ops.Scale(x, 3f);
        var loss = Ops.Sum(Ops.Mul(Ops.Add(u, v), c));
        var start = device.Counter.Snapshot();
        loss.Backward();
        var backward = device.Counter.Snapshot() - start;
        // The seed (a fill), Sum's backward (a fill and a broadcast add), Mul's (one product), none for the addition,
        // u's and v's (one each) and v's sum into x's gradient (one): 7. A copy for the addition's first input made it 8.
        Assert.That(backward.Launches, Is.EqualTo(7), backward.ToString());
    }
}
