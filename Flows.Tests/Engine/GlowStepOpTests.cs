using Flows.Core;
using Flows.Kernels;

namespace Flows.Tests.Engine;

/// <summary>
/// Glow's fused step ops (Flows.Core/Ops/Ops.Glow.cs): gradients against central finite differences, and each op equal to
/// the chain of generic ops it replaced (docs/PERFORMANCE.md, "Launches and host synchronisations per step").
/// </summary>
[TestFixture]
public class GlowStepOpTests
{
    private static IComputeBackend B => EngineBackend.Cpu;

    private static Tensor R(Random rng, InputRange range, params int[] shape) => GradCheck.RandomTensor(B, rng, range, shape);

    [TestCase(1)]
    [TestCase(5)]
    public void BroadcastScaledSumGradient(int count)
    {
        var rng = new Random(300 + count);
        GradCheck.AssertGradients($"BroadcastScaledSum of {count}", xs => Ops.BroadcastScaledSum(xs[0], -3.5f, 4), [R(rng, InputRange.Smooth, count)]);
    }

    [Test]
    public void BroadcastScaledSumIsTheScaledSumRepeated()
    {
        var values = Tensor.FromArray(B, [0.25f, -1.5f, 2f], 3);
        var y = Ops.BroadcastScaledSum(values, 49f, 3).ToArray();
        Assert.That(y, Is.EqualTo(new[] { 49f * 0.75f, 49f * 0.75f, 49f * 0.75f }).Within(1e-5f));
    }

    [Test]
    public void ChannelCouplingGradient([Values(false, true)] bool reverse, [Values(false, true)] bool images)
    {
        var rng = new Random(310 + (reverse ? 1 : 0) + (images ? 2 : 0));
        int[] shape = images ? [2, 4, 2, 3] : [3, 6];
        int half = shape[1] / 2;
        GradCheck.AssertGradients($"ChannelCoupling reverse {reverse} {(images ? "NCHW" : "(N, C)")}", xs =>
        {
            var (y, logdet) = Ops.ChannelCoupling(xs[0], xs[1], xs[2], reverse ? half : 0);
            return [y, logdet];
        }, [R(rng, InputRange.Smooth, shape), R(rng, InputRange.Smooth, shape), R(rng, InputRange.Smooth, half)]);
    }

    [Test]
    public void ChannelCouplingThroughOneOutputOnly()
    {
        var rng = new Random(320);
        var inputs = new[] { R(rng, InputRange.Smooth, 2, 4, 2, 2), R(rng, InputRange.Smooth, 2, 4, 2, 2), R(rng, InputRange.Smooth, 2) };
        GradCheck.AssertGradients("ChannelCoupling, y only", xs => Ops.ChannelCoupling(xs[0], xs[1], xs[2], 2).Y, inputs);
        GradCheck.AssertGradients("ChannelCoupling, logdet only", xs => Ops.ChannelCoupling(xs[0], xs[1], xs[2], 0).LogDet, inputs);
    }

    [Test]
    public void NarrowChannelsAddingGradient()
    {
        var rng = new Random(340);
        // Alone its input has no gradient yet (zero-fill and copy); feeding st, as the coupling's identity half does, the
        // coupling has written x's gradient first and the narrow's is added into it (AddChannels).
        GradCheck.AssertGradients("NarrowChannelsAdding alone", xs => Ops.NarrowChannelsAdding(xs[0], 1, 2), [R(rng, InputRange.Smooth, 2, 4, 2, 3)]);
        GradCheck.AssertGradients("NarrowChannelsAdding into the coupling's gradient", xs =>
        {
            var identity = Ops.NarrowChannelsAdding(xs[0], 2, 2);
            var st = Ops.Mul(Ops.ConcatChannels(identity, identity), xs[1]);
            var (y, logdet) = Ops.ChannelCoupling(xs[0], st, xs[2], 0);
            return [y, logdet];
        }, [R(rng, InputRange.Smooth, 2, 4, 2, 3), R(rng, InputRange.Smooth, 2, 4, 2, 3), R(rng, InputRange.Smooth, 2)]);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void ChannelCouplingEqualsSplitCouplingConcatenateBitForBit(bool reverse)
    {
        // The CPU kernel runs CouplingKernels' own rows on the halves, so the fused op changes no value of a trained model.
        var rng = new Random(330 + (reverse ? 1 : 0));
        var x = R(rng, InputRange.Smooth, 3, 8, 5, 5);
        var st = R(rng, InputRange.Smooth, 3, 8, 5, 5);
        var scale = R(rng, InputRange.Smooth, 4);
        int offset = reverse ? 4 : 0;
        var (y, logdet) = Ops.ChannelCoupling(x, st, scale, offset);
        var (raw, t) = Ops.ChunkChannels(st);
        var change = Ops.NarrowChannels(x, offset, 4);
        var identity = Ops.NarrowChannels(x, 4 - offset, 4);
        var (changed, expectedLogdet) = Ops.Coupling(change, raw, t, scale, null);
        var expected = reverse ? Ops.ConcatChannels(identity, changed) : Ops.ConcatChannels(changed, identity);
        Assert.That(y.ToArray(), Is.EqualTo(expected.ToArray()));
        Assert.That(logdet.ToArray(), Is.EqualTo(expectedLogdet.ToArray()));

        var (back, inverseLogdet) = Ops.ChannelCouplingInverse(y, st, scale, offset);
        Assert.That(back.ToArray(), Is.EqualTo(x.ToArray()).Within(1e-5f));
        Assert.That(inverseLogdet.ToArray(), Is.EqualTo(logdet.ToArray().Select(v => -v).ToArray()).Within(1e-6f));
    }

    [Test]
    public void ChannelCouplingNamesABadShape()
    {
        var x = Tensor.Zeros(B, 2, 4, 3, 3);
        var ex = Assert.Throws<ArgumentException>(() => Ops.ChannelCoupling(x, Tensor.Zeros(B, 2, 4, 3, 3), Tensor.Zeros(B, 3), 0));
        Assert.That(ex!.Message, Does.Contain("ChannelCoupling").And.Contain("rescale"));
        ex = Assert.Throws<ArgumentException>(() => Ops.ChannelCoupling(x, Tensor.Zeros(B, 2, 4, 3, 3), Tensor.Zeros(B, 2), 1));
        Assert.That(ex!.Message, Does.Contain("channel 0 or 2"));
    }
}
