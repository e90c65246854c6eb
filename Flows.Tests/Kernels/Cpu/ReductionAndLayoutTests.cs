using Flows.Kernels;
using Flows.Kernels.Reference;

namespace Flows.Tests.Kernels.Cpu;

public class ReductionAndLayoutTests : CpuBackendTestBase
{
    private static IEnumerable<Ncs> Sources() =>
        [new Ncs(1, 1, 1), new Ncs(3, 5, 13), new Ncs(1, 1, 1000), new Ncs(64, 4, 196), new Ncs(2, 3, 1)];

    /// <summary>Every target shape: each axis kept or summed away.</summary>
    private static IEnumerable<Ncs> Targets(Ncs x)
    {
        foreach (int n in new[] { 1, x.N }.Distinct())
            foreach (int c in new[] { 1, x.C }.Distinct())
                foreach (int s in new[] { 1, x.S }.Distinct())
                    yield return new Ncs(n, c, s);
    }

    [TestCaseSource(nameof(Sources))]
    public void SumToEveryTargetShape(Ncs xShape)
    {
        var x = Random(xShape.Length, xShape.Length);
        using var bx = Up(x);
        foreach (var yShape in Targets(xShape))
        {
            using var by = Poisoned(yShape.Length);
            Backend.SumTo(bx, xShape, by, yShape);
            AssertClose(ReferenceReductions.SumTo(x, xShape, yShape), Down(by), ReductionTolerance, $"SumTo {xShape}→{yShape}");
        }
    }

    [Test]
    public void SumToRejectsAMismatchedTarget()
    {
        using var x = Backend.Allocate(30);
        using var y = Backend.Allocate(30);
        Assert.Throws<ArgumentException>(() => Backend.SumTo(x, new Ncs(2, 3, 5), y, new Ncs(1, 2, 5)));
    }

    [TestCase(1, 1, 1)]
    [TestCase(1, 3, 7)]
    [TestCase(8, 5, 13)]
    [TestCase(64, 16, 196)]
    public void ChannelMomentsMatchReference(int n, int c, int s)
    {
        var shape = new Ncs(n, c, s);
        // An offset mean checks that the variance does not cancel catastrophically.
        var x = Random(shape.Length, 7, 2.5f, 4.5f);
        using var bx = Up(x);
        using var mean = Poisoned(c);
        using var variance = Poisoned(c);
        Backend.ChannelMoments(bx, shape, mean, variance);
        var (em, ev) = ReferenceReductions.ChannelMoments(x, shape);
        AssertClose(em, Down(mean), ReductionTolerance, "mean");
        AssertClose(ev, Down(variance), ReductionTolerance, "variance");
    }

    [TestCase(1)]
    [TestCase(1000)]
    [TestCase(300_001)]
    public void SumOfSquaresMatchesReference(int count)
    {
        var x = Random(count + 5, count);
        using var bx = Up(x);
        double expected = ReferenceReductions.SumOfSquares(x, count);
        Assert.That(Backend.SumOfSquares(bx, count), Is.EqualTo(expected).Within(1e-4).Percent);
    }

    [TestCase(1, 3, 0, 5, 2, 2, 4)]
    [TestCase(4, 6, 3, 4, 1, 3, 49)]
    [TestCase(64, 8, 4, 8, 0, 4, 196)]
    public void CopyChannelsMatchesReference(int batch, int srcChannels, int srcOffset, int dstChannels, int dstOffset, int count, int spatial)
    {
        var src = Random(batch * srcChannels * spatial, 1);
        var before = Random(batch * dstChannels * spatial, 2);
        using var bs = Up(src);
        using var bd = Up(before);
        Backend.CopyChannels(bs, srcChannels, srcOffset, bd, dstChannels, dstOffset, count, batch, spatial);
        var expected = ReferenceReductions.CopyChannels(src, srcChannels, srcOffset, before, dstChannels, dstOffset, count, batch, spatial);
        Assert.That(Down(bd), Is.EqualTo(expected));
    }

    [Test]
    public void CopyChannelsRejectsOutOfRange()
    {
        using var a = Backend.Allocate(12);
        using var b = Backend.Allocate(12);
        Assert.Throws<ArgumentException>(() => Backend.CopyChannels(a, 3, 2, b, 3, 0, 2, 1, 4));
    }

    [TestCase(1, 1, 2, 2)]
    [TestCase(2, 3, 6, 4)]
    [TestCase(64, 1, 28, 28)]
    public void SqueezeMatchesReferenceAndUnsqueezeInverts(int n, int c, int h, int w)
    {
        var x = Random(n * c * h * w, 5);
        using var bx = Up(x);
        using var by = Poisoned(x.Length);
        Backend.Squeeze2x2(bx, by, n, c, h, w);
        Assert.That(Down(by), Is.EqualTo(ReferenceReductions.Squeeze(x, n, c, h, w)));
        using var back = Poisoned(x.Length);
        Backend.Unsqueeze2x2(by, back, n, c, h, w);
        Assert.That(Down(back), Is.EqualTo(x));
    }

    [Test]
    public void SqueezeRejectsOddSizes()
    {
        using var a = Backend.Allocate(15);
        using var b = Backend.Allocate(15);
        Assert.Throws<ArgumentException>(() => Backend.Squeeze2x2(a, b, 1, 1, 3, 5));
    }
}
