using Flows.Kernels;
using Flows.Kernels.Cpu;
using Flows.Kernels.Reference;

namespace Flows.Tests.Kernels.Cpu;

/// <summary>
/// The issue-14 CPU convolution paths against the plain-loop reference: AVX-512 panels of 8, 6 and 4 rows
/// (<see cref="GemmMicroKernels.PanelHeight"/>), im2col panels read as two permuted 16-pixel windows
/// (<see cref="PixelWindow"/>, output widths 7–28, panels crossing rows and samples), and stride-1 backward-data
/// through the column gradient for few input channels (<see cref="ConvBackwardData.UsesColumnGradient"/>), and the
/// unpacked dot-product weight gradient (<see cref="ConvBackwardWeightDot"/>) with ragged channel and window tiles.
/// </summary>
[NonParallelizable]
public class ConvPanelPathTests : CpuBackendTestBase
{
    private int _saved;

    [SetUp]
    public void Save() => _saved = GemmV2Packed.KernelWidth;

    [TearDown]
    public void Restore() => GemmV2Packed.KernelWidth = _saved;

    [Test]
    public void PanelHeightsCoverEveryRowOnce([Values(512, 256)] int width, [Values(1, 4, 5, 8, 9, 13, 16, 17, 30, 32, 64, 72)] int rows)
    {
        GemmV2Packed.KernelWidth = width;
        int covered = 0, panels = 0;
        for (int left = rows; left > 0; panels++)
        {
            int h = GemmMicroKernels.PanelHeight(left);
            Assert.That(h, Is.LessThanOrEqualTo(GemmMicroKernels.MaxRows));
            covered += Math.Min(h, left);
            left -= h;
        }
        Assert.That(covered, Is.EqualTo(rows));
        // 32 and 64 channels are whole 8-row panels at 512 bits.
        if (width == 512 && rows % 8 == 0) Assert.That(panels, Is.EqualTo(rows / 8));
    }

    [Test]
    public void MatMulWithMixedPanelHeights([Values(8, 17, 21, 30, 73)] int m, [Values] bool transposeA)
    {
        GemmV2Packed.KernelWidth = 512;
        const int k = 211, n = 70;
        var a = Random(m * k, m);
        var b = Random(k * n, 2);
        using var ba = Up(a);
        using var bb = Up(b);
        using var bc = Poisoned(m * n);
        Backend.MatMul(ba, bb, bc, m, k, n, transposeA, false);
        AssertClose(ReferenceLinear.MatMul(a, b, null, m, k, n, transposeA, false), Down(bc), ReductionTolerance, $"m={m}");
    }

    private static IEnumerable<TestCaseData> WindowShapes()
    {
        // batch, in, size, out, kernel: output widths 7 (three row ends in 16 pixels), 14 and 28 (one), 16 (a
        // window per row), 13 (no panel aligned to a row), batches whose panels cross into the next sample.
        yield return new TestCaseData(3, 5, 7, 16, 3).SetName("Windows 7x7 three row ends");
        yield return new TestCaseData(2, 6, 14, 17, 3).SetName("Windows 14x14 grouped samples");
        yield return new TestCaseData(1, 3, 28, 8, 3).SetName("Windows 28x28");
        yield return new TestCaseData(2, 4, 16, 9, 3).SetName("Windows 16x16 one window per row");
        yield return new TestCaseData(3, 3, 13, 12, 5).SetName("Windows 13x13 k5");
    }

    [TestCaseSource(nameof(WindowShapes))]
    public void ConvWithPermutedWindowsMatchesReference(int batch, int cin, int size, int cout, int k)
    {
        GemmV2Packed.KernelWidth = 512;
        AssertConvolutionsMatchReference(ConvGeometry.Same(batch, cin, size, size, cout, k));
    }

    [TestCase(1, 3), TestCase(2, 3), TestCase(3, 5), TestCase(4, 3), TestCase(5, 3)]
    public void FewInputChannelBackwardDataMatchesReference(int cin, int k)
    {
        var g = ConvGeometry.Same(3, cin, 9, 11, 10, k);
        Assert.That(ConvBackwardData.UsesColumnGradient(g), Is.EqualTo(cin <= ConvBackwardData.ColumnGradientMaxInChannels));
        AssertConvolutionsMatchReference(g);
    }

    private static IEnumerable<TestCaseData> DotShapes()
    {
        // batch, in, height, width, out, kernel, padding: 7 output channels and 45 window rows leave partial 4 × 6
        // tiles; padding 0 leaves border columns on one side only; batch 9 gives chunks of 1 and 2 samples.
        yield return new TestCaseData(3, 5, 24, 22, 7, 3, 1).SetName("Dot weight gradient 24x22 ragged tiles");
        yield return new TestCaseData(2, 2, 26, 30, 5, 3, 0).SetName("Dot weight gradient valid padding");
        yield return new TestCaseData(9, 3, 23, 23, 4, 5, 2).SetName("Dot weight gradient k5 batch 9");
    }

    [TestCaseSource(nameof(DotShapes))]
    public void DotWeightGradientMatchesReference(int batch, int cin, int h, int w, int cout, int k, int p)
    {
        GemmV2Packed.KernelWidth = 512;
        var g = new ConvGeometry(batch, cin, h, w, cout, k, p);
        Assert.That(ConvBackwardWeightDot.Applies(g), Is.EqualTo(System.Runtime.Intrinsics.X86.Avx512F.IsSupported));
        AssertConvolutionsMatchReference(g);
    }

    [Test]
    public void DotWeightGradientLeavesSmallGridsAndPointwiseToTheGemm()
    {
        Assert.That(ConvBackwardWeightDot.Applies(ConvGeometry.Same(32, 64, 14, 14, 64, 3)), Is.False);
        Assert.That(ConvBackwardWeightDot.Applies(ConvGeometry.Same(32, 32, 28, 28, 32, 1)), Is.False);
        Assert.That(ConvBackwardWeightDot.Applies(new ConvGeometry(4, 3, 30, 30, 4, 3, 1, 2)), Is.False);
    }

    [Test]
    public void ValidPaddingFewChannelsMatchesReference() =>
        AssertConvolutionsMatchReference(new ConvGeometry(2, 2, 8, 9, 6, 3, 0));
}
