using Flows.Kernels;
using Flows.Kernels.Cpu;
using Flows.Kernels.Reference;

namespace Flows.Tests.Kernels.Cpu;

/// <summary>
/// The issue-14 CPU convolution paths against the plain-loop reference: AVX-512 panels of 8, 6 and 4 rows
/// (<see cref="GemmMicroKernels.PanelHeight"/>), im2col panels read as two permuted 16-pixel windows
/// (<see cref="PixelWindow"/>, output widths 7–28, panels crossing rows and samples), and stride-1 backward-data
/// through the column gradient for few input channels (<see cref="ConvBackwardData.UsesColumnGradient"/>), and the
/// unpacked dot-product weight gradient (<see cref="ConvBackwardWeightDot"/>) with ragged channel and window tiles,
/// and the frame-grid forward and backward-data (<see cref="ConvForwardGrid"/>) on the paper models' shapes and edge shapes.
/// </summary>
[NonParallelizable]
public class ConvPanelPathTests : CpuBackendTestBase
{
    private int _saved;
    private GridConvUse _savedGrid;

    [SetUp]
    public void Save() => (_saved, _savedGrid) = (GemmV2Packed.KernelWidth, ConvForwardGrid.Use);

    [TearDown]
    public void Restore() => (GemmV2Packed.KernelWidth, ConvForwardGrid.Use) = (_saved, _savedGrid);

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

    private static IEnumerable<TestCaseData> GridShapes()
    {
        // batch, in, height, width, out, kernel, padding. The paper models' stride-1 3×3 shapes (RealNVP mid 32/64
        // at 28×28 and 14×14 with their 2- and 4-channel inputs and outputs, Glow 200 at 14×14) at batch 2, and
        // edge shapes: batch 1 (split over panels), Cout 1, 5, 7, 13 (not a multiple of 6 or 4, padded panels),
        // widths 3–17 (a tile spanning several grid rows, border columns up to 40%), valid padding, 5×5 and 1×1
        // (the offset-table kernel), a grid shorter than one tile.
        yield return new TestCaseData(2, 2, 28, 28, 32, 3, 1).SetName("Grid 2->32 28x28");
        yield return new TestCaseData(2, 32, 28, 28, 32, 3, 1).SetName("Grid 32->32 28x28");
        yield return new TestCaseData(2, 32, 28, 28, 2, 3, 1).SetName("Grid 32->2 28x28");
        yield return new TestCaseData(2, 4, 14, 14, 64, 3, 1).SetName("Grid 4->64 14x14");
        yield return new TestCaseData(2, 64, 14, 14, 64, 3, 1).SetName("Grid 64->64 14x14");
        yield return new TestCaseData(2, 64, 14, 14, 8, 3, 1).SetName("Grid 64->8 14x14");
        yield return new TestCaseData(2, 128, 14, 14, 128, 3, 1).SetName("Grid 128->128 14x14");
        yield return new TestCaseData(1, 200, 14, 14, 200, 3, 1).SetName("Grid 200->200 14x14 batch 1");
        yield return new TestCaseData(1, 3, 9, 11, 7, 3, 1).SetName("Grid batch 1 Cout 7");
        yield return new TestCaseData(3, 5, 13, 17, 13, 3, 1).SetName("Grid Cout 13 13x17");
        yield return new TestCaseData(5, 1, 4, 7, 1, 3, 1).SetName("Grid 4x7 image, one channel");
        yield return new TestCaseData(2, 6, 7, 7, 5, 3, 1).SetName("Grid 7x7 Cout 5");
        yield return new TestCaseData(2, 4, 12, 10, 6, 3, 0).SetName("Grid valid padding");
        yield return new TestCaseData(2, 3, 11, 20, 9, 5, 2).SetName("Grid 5x5");
        yield return new TestCaseData(3, 16, 14, 14, 10, 1, 0).SetName("Grid 1x1");
    }

    [TestCaseSource(nameof(GridShapes))]
    public void GridConvolutionMatchesReferenceAndPackedPath(int batch, int cin, int h, int w, int cout, int k, int p)
    {
        var g = new ConvGeometry(batch, cin, h, w, cout, k, p);
        var x = Random(g.InputLength, 1);
        var wt = Random(g.WeightLength, 2);
        var bias = Random(cout, 4);
        var dy = Random(g.OutputLength, 3);
        using var bx = Up(x);
        using var bw = Up(wt);
        using var bb = Up(bias);
        using var bdy = Up(dy);
        float[] Forward(GridConvUse use)
        {
            ConvForwardGrid.Use = use;
            using var by = Poisoned(g.OutputLength);
            Backend.Conv2dForward(bx, bw, bb, by, g);
            return Down(by);
        }
        float[] BackwardData(GridConvUse use)
        {
            ConvForwardGrid.Use = use;
            using var bdx = Poisoned(g.InputLength);
            Backend.Conv2dBackwardData(bdy, bw, bdx, g);
            return Down(bdx);
        }
        var adjoint = new ConvGeometry(batch, cout, g.OutHeight, g.OutWidth, cin, k, k - 1 - p);
        Assert.That(ConvForwardGrid.Supports(g), Is.EqualTo(System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated));
        Assert.That(ConvForwardGrid.Supports(adjoint), Is.EqualTo(System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated));
        var yGrid = Forward(GridConvUse.On);
        var dxGrid = BackwardData(GridConvUse.On);
        AssertClose(ReferenceLinear.ConvForward(x, wt, bias, g), yGrid, ReductionTolerance, "fwd grid");
        AssertClose(ReferenceLinear.ConvBackwardData(dy, wt, g), dxGrid, ReductionTolerance, "bwd data grid");
        AssertClose(ToDouble(Forward(GridConvUse.Off)), yGrid, ReductionTolerance, "fwd grid vs packed");
        AssertClose(ToDouble(BackwardData(GridConvUse.Off)), dxGrid, ReductionTolerance, "bwd data grid vs packed");
    }

    [Test]
    public void GridKernelVersionsAgree([Values(1, 2)] int version)
    {
        int saved = ConvForwardGrid.KernelVersion;
        try
        {
            ConvForwardGrid.KernelVersion = version;
            ConvForwardGrid.Use = GridConvUse.On;
            AssertConvolutionsMatchReference(ConvGeometry.Same(2, 48, 14, 14, 13, 3));
        }
        finally
        {
            ConvForwardGrid.KernelVersion = saved;
        }
    }

    [Test]
    public void GridConvolutionDoesNotDependOnTheSplit()
    {
        // Batch 1 splits the out-channel panels over the cores, batch 8 does not: each sample's result is the same.
        ConvForwardGrid.Use = GridConvUse.On;
        var one = ConvGeometry.Same(1, 32, 28, 28, 32, 3);
        var eight = ConvGeometry.Same(8, 32, 28, 28, 32, 3);
        var x = Random(eight.InputLength, 1);
        var wt = Random(eight.WeightLength, 2);
        using var bx = Up(x);
        using var bx1 = Up(x[..one.InputLength]);
        using var bw = Up(wt);
        using var by = Poisoned(eight.OutputLength);
        using var by1 = Poisoned(one.OutputLength);
        Backend.Conv2dForward(bx, bw, null, by, eight);
        Backend.Conv2dForward(bx1, bw, null, by1, one);
        Assert.That(Down(by1), Is.EqualTo(Down(by)[..one.OutputLength]));
    }

    [Test]
    public void GridRuleLeavesStridedCroppedWideAndAvx512ToThePackedPath()
    {
        Assert.That(ConvForwardGrid.Supports(new ConvGeometry(4, 3, 30, 30, 4, 3, 1, 2)), Is.False);
        Assert.That(ConvForwardGrid.Supports(new ConvGeometry(2, 4, 6, 6, 4, 3, -1)), Is.False);
        GemmV2Packed.KernelWidth = 256;
        Assert.That(ConvForwardGrid.Rule(ConvGeometry.Same(32, 32, 28, 28, 32, 3)), Is.True);
        Assert.That(ConvForwardGrid.Rule(ConvGeometry.Same(32, 64, 14, 14, 8, 3)), Is.True);
        Assert.That(ConvForwardGrid.Rule(ConvGeometry.Same(32, 128, 14, 14, 128, 3)), Is.False);
        Assert.That(ConvForwardGrid.Rule(ConvGeometry.Same(32, 4, 14, 14, 64, 3)), Is.False);
        Assert.That(ConvForwardGrid.Rule(ConvGeometry.Same(32, 64, 7, 7, 8, 3)), Is.True);
        Assert.That(ConvForwardGrid.Rule(ConvGeometry.Same(32, 8, 7, 7, 64, 3)), Is.False);
        Assert.That(ConvForwardGrid.Rule(ConvGeometry.Same(32, 64, 14, 14, 64, 1)), Is.False);
        GemmV2Packed.KernelWidth = 512;
        Assert.That(ConvForwardGrid.Rule(ConvGeometry.Same(32, 32, 28, 28, 32, 3)), Is.False);
    }
}
