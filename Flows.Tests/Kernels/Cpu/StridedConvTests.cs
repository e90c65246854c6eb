using Flows.Kernels;
using Flows.Kernels.Reference;

namespace Flows.Tests.Kernels.Cpu;

/// <summary>
/// Strided convolutions (ResNet-18's 7×7/2 stem, 3×3/2 and 1×1/2 shortcuts, and stride 3) on the managed CPU
/// backend against the plain-loop reference, all three passes. The shapes aim at the phase-frame packing's
/// edges: odd and even sizes, S &gt; K, padding above K/2, a window that just fits, channel counts that leave
/// ragged GEMM panels, k split into blocks (Cin·K·K &gt; KC), grouped samples and split GEMMs.
/// </summary>
public sealed class StridedConvTests : CpuBackendTestBase
{
    private static IEnumerable<TestCaseData> StridedCases()
    {
        // batch, cin, h, w, cout, k, padding, stride
        yield return Case("3x3/2 same 8x8", 2, 3, 8, 8, 4, 3, 1, 2);
        yield return Case("3x3/2 odd 7x7", 1, 3, 7, 7, 5, 3, 1, 2);
        yield return Case("3x3/2 9x6", 3, 5, 9, 6, 7, 3, 1, 2);
        yield return Case("3x3/2 valid 10x9", 2, 3, 10, 9, 4, 3, 0, 2);
        yield return Case("3x3/2 padding 3", 2, 3, 9, 9, 4, 3, 3, 2);
        yield return Case("3x3/2 padding 2", 1, 2, 6, 5, 3, 3, 2, 2);
        yield return Case("7x7/2 stem 16x16", 2, 3, 16, 16, 8, 7, 3, 2);
        yield return Case("7x7/2 stem odd 15x13", 1, 3, 15, 13, 6, 7, 3, 2);
        yield return Case("7x7/2 stem 32x32", 2, 3, 32, 32, 16, 7, 3, 2);
        yield return Case("7x7/2 window just fits", 1, 2, 3, 3, 2, 7, 2, 2);
        yield return Case("7x7/2 valid", 1, 2, 12, 11, 3, 7, 0, 2);
        yield return Case("7x7/3 padding 2", 1, 2, 17, 17, 3, 7, 2, 3);
        yield return Case("7x7/4 padding 3", 1, 3, 15, 15, 4, 7, 3, 4);
        yield return Case("1x1/2 shortcut 8x8", 2, 8, 8, 8, 16, 1, 0, 2);
        yield return Case("1x1/2 shortcut odd 7x9", 3, 5, 7, 9, 6, 1, 0, 2);
        yield return Case("1x1/2 with padding 1", 1, 3, 6, 6, 2, 1, 1, 2);
        yield return Case("1x1/3 (S > K)", 2, 2, 9, 10, 3, 1, 0, 3);
        yield return Case("3x3/3 valid 10x11", 2, 4, 10, 11, 5, 3, 0, 3);
        yield return Case("3x3/3 padding 2", 1, 3, 13, 13, 4, 3, 2, 3);
        yield return Case("5x5/3 padding 1", 1, 2, 12, 12, 3, 5, 1, 3);
        yield return Case("5x5/2 padding 2", 1, 3, 10, 10, 3, 5, 2, 2);
        yield return Case("5x5/2 valid", 2, 3, 11, 10, 4, 5, 0, 2);
        yield return Case("odd channel counts 17 to 23", 1, 17, 10, 19, 23, 3, 1, 2);
        yield return Case("Cin·K·K above one k block", 2, 64, 12, 12, 20, 3, 1, 2);
        yield return Case("one sample, split GEMM", 1, 16, 20, 20, 24, 3, 1, 2);
        yield return Case("batch 12 (samples grouped)", 12, 3, 9, 9, 5, 3, 1, 2);
        yield return Case("batch 17 (ragged groups)", 17, 4, 10, 11, 6, 3, 1, 2);
        yield return Case("batch 8 16 to 24 at 14x14", 8, 16, 14, 14, 24, 3, 1, 2);
    }

    private static TestCaseData Case(string name, int batch, int cin, int h, int w, int cout, int k, int p, int s) =>
        new TestCaseData(new ConvGeometry(batch, cin, h, w, cout, k, p, s)).SetName($"Strided conv {name}");

    [TestCaseSource(nameof(StridedCases))]
    public void AllThreePassesMatchReference(ConvGeometry g)
    {
        g.Validate();
        AssertConvolutionsMatchReference(g);
    }

    [TestCaseSource(nameof(StridedCases))]
    public void ForwardWithBiasMatchesReference(ConvGeometry g)
    {
        var x = Random(g.InputLength, 11);
        var w = Random(g.WeightLength, 12);
        var bias = Random(g.OutChannels, 13);
        using var bx = Up(x);
        using var bw = Up(w);
        using var bb = Up(bias);
        using var by = Poisoned(g.OutputLength);
        Backend.Conv2dForward(bx, bw, bb, by, g);
        AssertClose(ReferenceLinear.ConvForward(x, w, bias, g), Down(by), ReductionTolerance, $"conv fwd with bias {g}");
    }

    [Test]
    public void OutputSizeIsFloored()
    {
        // (224 + 6 − 7) / 2 + 1 = 112 (223 / 2 floors); 56 → 28 for the 3×3/2 and 1×1/2 shortcuts.
        Assert.That(new ConvGeometry(1, 3, 224, 224, 64, 7, 3, 2).OutHeight, Is.EqualTo(112));
        Assert.That(new ConvGeometry(1, 64, 56, 56, 128, 3, 1, 2).OutWidth, Is.EqualTo(28));
        Assert.That(new ConvGeometry(1, 64, 56, 56, 128, 1, 0, 2).OutWidth, Is.EqualTo(28));
        Assert.That(new ConvGeometry(1, 64, 7, 7, 128, 1, 0, 2).OutHeight, Is.EqualTo(4));
        Assert.That(new ConvGeometry(1, 1, 3, 3, 1, 7, 1, 2).OutHeight, Is.LessThanOrEqualTo(0));
    }

    [Test]
    public void RejectsBadStrideWindowAndBuffers()
    {
        using var big = Backend.Allocate(10_000);
        var zero = new ConvGeometry(1, 1, 5, 5, 1, 3, 1, 0);
        var ex = Assert.Throws<ArgumentException>(() => Backend.Conv2dForward(big, big, null, big, zero));
        Assert.That(ex!.Message, Does.Contain("stride"));
        Assert.Throws<ArgumentException>(() => Backend.Conv2dBackwardData(big, big, big, new ConvGeometry(1, 1, 5, 5, 1, 3, 1, -2)));

        // A 7×7 window on a 3×3 image padded by 1 (5×5) has nowhere to go.
        var tooLarge = new ConvGeometry(1, 1, 3, 3, 1, 7, 1, 2);
        ex = Assert.Throws<ArgumentException>(() => Backend.Conv2dBackwardWeight(big, big, big, tooLarge));
        Assert.That(ex!.Message, Does.Contain("gives no output"));

        var g = new ConvGeometry(2, 3, 9, 9, 4, 3, 1, 2);
        using var smallY = Backend.Allocate(g.OutputLength - 1);
        ex = Assert.Throws<ArgumentException>(() => Backend.Conv2dForward(big, big, null, smallY, g));
        Assert.That(ex!.Message, Does.Contain("Conv2dForward"));
        using var smallDx = Backend.Allocate(g.InputLength - 1);
        ex = Assert.Throws<ArgumentException>(() => Backend.Conv2dBackwardData(big, big, smallDx, g));
        Assert.That(ex!.Message, Does.Contain("Conv2dBackwardData"));
    }
}
