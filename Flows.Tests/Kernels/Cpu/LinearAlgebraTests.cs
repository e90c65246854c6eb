using Flows.Kernels;
using Flows.Kernels.Reference;

namespace Flows.Tests.Kernels.Cpu;

public class LinearAlgebraTests : CpuBackendTestBase
{
    [Test]
    public void MatMulMatchesReference(
        [Values(1, 7, 70)] int m, [Values(1, 13, 300)] int k, [Values(1, 5, 37)] int n,
        [Values] bool transposeA, [Values] bool transposeB)
    {
        var a = Random(m * k, m + k);
        var b = Random(k * n, k + n);
        using var ba = Up(a);
        using var bb = Up(b);
        using var bc = Poisoned(m * n);
        Backend.MatMul(ba, bb, bc, m, k, n, transposeA, transposeB);
        AssertClose(ReferenceLinear.MatMul(a, b, null, m, k, n, transposeA, transposeB), Down(bc), ReductionTolerance,
                    $"matmul {m}x{k}x{n} tA={transposeA} tB={transposeB}");
    }

    [Test]
    public void MatMulAccumulates([Values] bool transposeA, [Values] bool transposeB)
    {
        const int m = 29, k = 41, n = 53;
        var a = Random(m * k, 1);
        var b = Random(k * n, 2);
        var c = Random(m * n, 3);
        using var ba = Up(a);
        using var bb = Up(b);
        using var bc = Up(c);
        Backend.MatMul(ba, bb, bc, m, k, n, transposeA, transposeB, accumulate: true);
        AssertClose(ReferenceLinear.MatMul(a, b, c, m, k, n, transposeA, transposeB), Down(bc), ReductionTolerance, "matmul accumulate");
    }

    [Test]
    public void MatMulLarge()
    {
        const int m = 150, k = 520, n = 333;
        var a = Random(m * k, 1);
        var b = Random(k * n, 2);
        using var ba = Up(a);
        using var bb = Up(b);
        using var bc = Poisoned(m * n);
        Backend.MatMul(ba, bb, bc, m, k, n);
        AssertClose(ReferenceLinear.MatMul(a, b, null, m, k, n, false, false), Down(bc), ReductionTolerance, "large matmul");
    }

    private static IEnumerable<TestCaseData> ConvCases()
    {
        // batch, in, h, w, out, kernel, padding
        yield return new TestCaseData(1, 1, 5, 5, 1, 3, 1).SetName("Conv 1x1ch 5x5 k3 same");
        yield return new TestCaseData(2, 3, 7, 5, 4, 3, 1).SetName("Conv odd 7x5 k3 same");
        yield return new TestCaseData(2, 3, 7, 5, 4, 3, 0).SetName("Conv odd 7x5 k3 valid");
        yield return new TestCaseData(3, 2, 13, 13, 5, 5, 2).SetName("Conv 13x13 k5 same");
        yield return new TestCaseData(1, 2, 13, 13, 3, 5, 0).SetName("Conv 13x13 k5 valid");
        yield return new TestCaseData(2, 5, 9, 11, 7, 1, 0).SetName("Conv k1 (plain GEMM)");
        yield return new TestCaseData(1, 4, 3, 3, 2, 5, 2).SetName("Conv k5 larger than image interior");
        yield return new TestCaseData(2, 3, 6, 4, 2, 3, 3).SetName("Conv padding above K/2");
        yield return new TestCaseData(1, 3, 6, 6, 2, 1, 1).SetName("Conv k1 with padding");
        yield return new TestCaseData(1, 17, 10, 19, 23, 3, 1).SetName("Conv odd channel counts");
        yield return new TestCaseData(8, 16, 14, 14, 24, 3, 1).SetName("Conv medium 8x16x14x14 to 24");
        // Vector packing: runs of 8 output pixels that cross a row (widths 8–28), pixel blocks split over k.
        yield return new TestCaseData(2, 3, 8, 8, 5, 3, 1).SetName("Conv width 8 (a run per row)");
        yield return new TestCaseData(1, 3, 9, 12, 4, 3, 0).SetName("Conv valid 9x12 (runs cross rows)");
        yield return new TestCaseData(3, 4, 11, 9, 6, 5, 2).SetName("Conv k5 width 9");
        yield return new TestCaseData(2, 2, 28, 28, 6, 3, 1).SetName("Conv 28x28 (pixels split over k blocks)");
        yield return new TestCaseData(2, 5, 7, 7, 6, 3, 1).SetName("Conv 7x7 (runs over three rows)");
        yield return new TestCaseData(1, 3, 6, 5, 4, 3, 1).SetName("Conv width 5 (three-row runs, frame width 7)");
        yield return new TestCaseData(1, 2, 9, 4, 3, 3, 2).SetName("Conv width 6 from 4 with padding 2");
        // Several samples per GEMM (forward groups small images; backward-weight sums a chunk in one GEMM).
        yield return new TestCaseData(12, 3, 7, 7, 5, 3, 1).SetName("Conv batch 12 7x7 (samples grouped)");
        yield return new TestCaseData(17, 4, 5, 6, 6, 3, 1).SetName("Conv batch 17 5x6 (ragged groups)");
        yield return new TestCaseData(10, 2, 9, 9, 3, 5, 1).SetName("Conv batch 10 k5 valid-ish padding 1");
    }

    [TestCaseSource(nameof(ConvCases))]
    public void ConvForwardMatchesReference(int batch, int cin, int h, int w, int cout, int k, int p)
    {
        var g = new ConvGeometry(batch, cin, h, w, cout, k, p);
        var x = Random(g.InputLength, 1);
        var wt = Random(g.WeightLength, 2);
        var bias = Random(cout, 3);
        using var bx = Up(x);
        using var bw = Up(wt);
        using var bb = Up(bias);
        using var by = Poisoned(g.OutputLength);
        Backend.Conv2dForward(bx, bw, bb, by, g);
        AssertClose(ReferenceLinear.ConvForward(x, wt, bias, g), Down(by), ReductionTolerance, $"conv fwd {g}");
        Backend.Fill(by, float.NaN);
        Backend.Conv2dForward(bx, bw, null, by, g);
        AssertClose(ReferenceLinear.ConvForward(x, wt, null, g), Down(by), ReductionTolerance, $"conv fwd no bias {g}");
    }

    [TestCaseSource(nameof(ConvCases))]
    public void ConvBackwardDataMatchesReference(int batch, int cin, int h, int w, int cout, int k, int p)
    {
        var g = new ConvGeometry(batch, cin, h, w, cout, k, p);
        var dy = Random(g.OutputLength, 4);
        var wt = Random(g.WeightLength, 5);
        using var bdy = Up(dy);
        using var bw = Up(wt);
        using var bdx = Poisoned(g.InputLength);
        Backend.Conv2dBackwardData(bdy, bw, bdx, g);
        AssertClose(ReferenceLinear.ConvBackwardData(dy, wt, g), Down(bdx), ReductionTolerance, $"conv bwd data {g}");
    }

    [TestCaseSource(nameof(ConvCases))]
    public void ConvBackwardWeightMatchesReference(int batch, int cin, int h, int w, int cout, int k, int p)
    {
        var g = new ConvGeometry(batch, cin, h, w, cout, k, p);
        var x = Random(g.InputLength, 6);
        var dy = Random(g.OutputLength, 7);
        using var bx = Up(x);
        using var bdy = Up(dy);
        using var bdw = Poisoned(g.WeightLength);
        Backend.Conv2dBackwardWeight(bx, bdy, bdw, g);
        AssertClose(ReferenceLinear.ConvBackwardWeight(x, dy, g), Down(bdw), ReductionTolerance, $"conv bwd weight {g}");
    }

    [Test]
    public void ConvMediumShapeAllThreeKernels()
    {
        // One shape large enough to take the blocked, multi-threaded path in every kernel.
        var g = ConvGeometry.Same(4, 32, 16, 16, 40, 3);
        AssertConvolutionsMatchReference(g);
    }

    [Test]
    public void ConvRejectsBadGeometry()
    {
        using var a = Backend.Allocate(100);
        Assert.Throws<ArgumentException>(() => Backend.Conv2dForward(a, a, null, a, new ConvGeometry(1, 1, 5, 5, 1, 2, 1)));
        using var small = Backend.Allocate(3);
        var g = ConvGeometry.Same(1, 1, 5, 5, 1, 3);
        var ex = Assert.Throws<ArgumentException>(() => Backend.Conv2dForward(a, small, null, a, g));
        Assert.That(ex!.Message, Does.Contain("Conv2dForward"));
    }

    [Test]
    public void Conv1x1MatchesReference([Values(1, 3, 16)] int c, [Values(1, 49, 196)] int s, [Values] bool transpose)
    {
        var shape = new Ncs(5, c, s);
        var x = Random(shape.Length, 1);
        var w = Random(c * c, 2);
        using var bx = Up(x);
        using var bw = Up(w);
        using var by = Poisoned(shape.Length);
        Backend.Conv1x1(bx, bw, by, shape, transpose);
        AssertClose(ReferenceLinear.Conv1x1(x, w, shape, transpose), Down(by), ReductionTolerance, $"conv1x1 {shape}");
    }

    [Test]
    public void EarlierConvVersionsStillMatchReference([Values] bool packedGemm)
    {
        var g = new ConvGeometry(2, 3, 7, 5, 4, 3, 1);
        var x = Random(g.InputLength, 1);
        var w = Random(g.WeightLength, 2);
        var y = new float[g.OutputLength];
        Array.Fill(y, float.NaN);
        global::Flows.Kernels.Cpu.ConvForwardV1.Run(x, w, y, g, packedGemm);
        AssertClose(ReferenceLinear.ConvForward(x, w, null, g), y, ReductionTolerance, packedGemm ? "v2" : "v1");
    }
}
