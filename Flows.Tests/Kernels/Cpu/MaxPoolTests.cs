using Flows.Kernels;
using Flows.Kernels.Reference;

namespace Flows.Tests.Kernels.Cpu;

/// <summary>
/// Max-pool on the managed CPU backend against the plain-loop reference: ONNX semantics (padding never wins,
/// floor output size), and gradients routed to the first maximum of each window when values tie.
/// </summary>
public sealed class MaxPoolTests : CpuBackendTestBase
{
    private static IEnumerable<TestCaseData> PoolCases()
    {
        foreach (int k in new[] { 2, 3 })
            foreach (int s in new[] { 1, 2 })
                foreach (int p in new[] { 0, 1 })
                    foreach (var (h, w) in new[] { (8, 8), (7, 9) })
                        yield return new TestCaseData(new PoolGeometry(2, 3, h, w, k, s, p)).SetName($"MaxPool k{k} s{s} p{p} {h}x{w}");
        yield return new TestCaseData(new PoolGeometry(32, 4, 32, 32, 3, 2, 1)).SetName("MaxPool ResNet 3x3/2 p1 batch 32");
        yield return new TestCaseData(new PoolGeometry(1, 1, 3, 3, 3, 3, 2)).SetName("MaxPool k3 s3 p2 (windows mostly padding)");
        yield return new TestCaseData(new PoolGeometry(1, 2, 1, 5, 2, 1, 1)).SetName("MaxPool one row");
    }

    [TestCaseSource(nameof(PoolCases))]
    public void RandomValuesMatchReference(PoolGeometry g) => AssertMatches(g, Random(g.InputLength, 7, -3f, 3f));

    [TestCaseSource(nameof(PoolCases))]
    public void TiesRouteToTheFirstMaximum(PoolGeometry g) =>
        // Values in {−1, 0, 1}: most windows hold several maxima; negative ones check that padding is not 0.
        AssertMatches(g, Random(g.InputLength, 8, -1f, 2f).Select(v => MathF.Floor(v)).ToArray());

    [Test]
    public void HandBuiltTiesAndPadding()
    {
        // One 4×4 plane, k2 s2 p0: every window holds two equal maxima; the gradient goes to the first in
        // row-major order. Then all-negative values with k3 s2 p1 show padded cells do not act as zeros.
        var g = new PoolGeometry(1, 1, 4, 4, 2, 2, 0);
        float[] x =
        [
            5, 1, 2, 2,
            5, 0, 2, 1,
            0, 3, 4, 0,
            3, 0, 0, 4,
        ];
        var (y, dx) = Run(g, x, [1f, 10f, 100f, 1000f]);
        Assert.That(y, Is.EqualTo(new[] { 5f, 2f, 3f, 4f }));
        Assert.That(dx, Is.EqualTo(new float[] { 1, 0, 10, 0, 0, 0, 0, 0, 0, 100, 1000, 0, 0, 0, 0, 0 }));

        var neg = new PoolGeometry(1, 1, 3, 3, 3, 2, 1);
        var (yn, _) = Run(neg, [-9, -8, -7, -6, -5, -4, -3, -2, -1], [1f, 1f, 1f, 1f]);
        Assert.That(yn, Is.EqualTo(new[] { -5f, -4f, -2f, -1f }));
    }

    [Test]
    public void RejectsBadGeometryAndBuffers()
    {
        using var big = Backend.Allocate(1000);
        var ex = Assert.Throws<ArgumentException>(() => Backend.MaxPool2dForward(big, big, new PoolGeometry(1, 1, 4, 4, 2, 0, 0)));
        Assert.That(ex!.Message, Does.Contain("stride"));
        ex = Assert.Throws<ArgumentException>(() => Backend.MaxPool2dForward(big, big, new PoolGeometry(1, 1, 2, 2, 5, 1, 1)));
        Assert.That(ex!.Message, Does.Contain("does not fit"));
        Assert.Throws<ArgumentException>(() => Backend.MaxPool2dForward(big, big, new PoolGeometry(1, 1, 6, 6, 3, 1, 3)));
        var g = new PoolGeometry(1, 2, 6, 6, 3, 2, 1);
        using var small = Backend.Allocate(g.InputLength - 1);
        ex = Assert.Throws<ArgumentException>(() => Backend.MaxPool2dBackward(big, big, big, small, g));
        Assert.That(ex!.Message, Does.Contain("MaxPool2dBackward"));
    }

    private void AssertMatches(PoolGeometry g, float[] x)
    {
        var dy = Random(g.OutputLength, 9);
        var (y, dx) = Run(g, x, dy);
        AssertElementwise(ReferencePooling.MaxPoolForward(x, g), y, 0, $"maxpool forward {g}");
        // Overlapping windows add several dy terms in float: bound the error by the size of those terms.
        var termSize = ReferencePooling.MaxPoolBackward(x, dy.Select(MathF.Abs).ToArray(), g);
        AssertElementwise(ReferencePooling.MaxPoolBackward(x, dy, g), dx, 1e-6, $"maxpool backward {g}", termSize);
    }

    private (float[] Y, float[] Dx) Run(PoolGeometry g, float[] x, float[] dy)
    {
        using var bx = Up(x);
        using var bdy = Up(dy);
        using var by = Poisoned(g.OutputLength);
        using var bdx = Poisoned(g.InputLength);
        Backend.MaxPool2dForward(bx, by, g);
        Backend.MaxPool2dBackward(bx, by, bdy, bdx, g);
        return (Down(by), Down(bdx));
    }
}
