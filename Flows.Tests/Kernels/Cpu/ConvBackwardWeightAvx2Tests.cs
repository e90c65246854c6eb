using System.Runtime.Intrinsics.X86;
using Flows.Kernels;
using Flows.Kernels.Cpu;
using Flows.Kernels.Reference;

namespace Flows.Tests.Kernels.Cpu;

/// <summary>
/// The AVX2 dot-product weight gradient (<see cref="ConvBackwardWeightDotAvx2"/>, 3 × 4 tiles, bias sums folded in)
/// against the double reference and against the packed GEMM it replaces, on the paper models' 28×28 shapes and on
/// edge shapes: output widths that are not a multiple of 8, channel counts that leave partial 3-channel tiles,
/// Cin·K·K not a multiple of 4, one sample, batches that are not a multiple of the chunk count, more samples than
/// chunks. Its result must not depend on whether the chunks run on the workers or one after another.
/// </summary>
[NonParallelizable]
public class ConvBackwardWeightAvx2Tests : CpuBackendTestBase
{
    private int _savedWidth;
    private bool _savedEnabled;

    [SetUp]
    public void Save()
    {
        _savedWidth = GemmV2Packed.KernelWidth;
        _savedEnabled = ConvBackwardWeightDotAvx2.Enabled;
        GemmV2Packed.KernelWidth = 256;
    }

    [TearDown]
    public void Restore()
    {
        GemmV2Packed.KernelWidth = _savedWidth;
        ConvBackwardWeightDotAvx2.Enabled = _savedEnabled;
    }

    private static IEnumerable<TestCaseData> Shapes()
    {
        // batch, in, height, width, out, kernel, padding
        yield return new TestCaseData(32, 2, 28, 28, 32, 3, 1).SetName("Avx2 dot RealNVP mid 32 input 2->32 28x28");
        yield return new TestCaseData(32, 32, 28, 28, 32, 3, 1).SetName("Avx2 dot RealNVP mid 32 32->32 28x28");
        yield return new TestCaseData(32, 2, 28, 28, 64, 3, 1).SetName("Avx2 dot RealNVP mid 64 input 2->64 28x28");
        yield return new TestCaseData(8, 64, 28, 28, 64, 3, 1).SetName("Avx2 dot RealNVP mid 64 64->64 28x28 batch 8");
        yield return new TestCaseData(3, 5, 24, 22, 7, 3, 1).SetName("Avx2 dot 24x22 ragged tiles");
        yield return new TestCaseData(2, 2, 26, 30, 5, 3, 0).SetName("Avx2 dot valid padding");
        yield return new TestCaseData(9, 3, 23, 23, 4, 5, 2).SetName("Avx2 dot k5 batch 9");
        yield return new TestCaseData(1, 4, 25, 27, 1, 3, 1).SetName("Avx2 dot one sample one channel");
        yield return new TestCaseData(37, 3, 24, 24, 8, 3, 1).SetName("Avx2 dot batch 37 more samples than chunks");
    }

    [TestCaseSource(nameof(Shapes))]
    public void MatchesReferenceAndThePackedGemm(int batch, int cin, int h, int w, int cout, int k, int p)
    {
        var g = new ConvGeometry(batch, cin, h, w, cout, k, p);
        Assert.That(ConvBackwardWeightDotAvx2.Applies(g), Is.EqualTo(Fma.IsSupported && Avx2.IsSupported));
        var x = Random(g.InputLength, 1);
        var dy = Random(g.OutputLength, 3);
        var (dw, db) = Gradients(g, x, dy, enabled: true);
        AssertClose(ReferenceLinear.ConvBackwardWeight(x, dy, g), dw, ReductionTolerance, "dw");
        AssertClose(ReferenceLinear.ConvBiasGradient(dy, g), db, ReductionTolerance, "db");
        var (packedDw, packedDb) = Gradients(g, x, dy, enabled: false);
        AssertClose(ToDouble(packedDw), dw, ReductionTolerance, "dw against the packed GEMM");
        AssertClose(ToDouble(packedDb), db, ReductionTolerance, "db against SumTo");
        // The weight-only entry gives the same weights.
        using var bx = Up(x);
        using var bdy = Up(dy);
        using var bdw = Poisoned(g.WeightLength);
        ConvBackwardWeightDotAvx2.Enabled = true;
        Backend.Conv2dBackwardWeight(bx, bdy, bdw, g);
        Assert.That(Down(bdw), Is.EqualTo(dw), "weight-only call");
    }

    [Test]
    public void ResultDoesNotDependOnTheWorkers()
    {
        var g = ConvGeometry.Same(13, 6, 28, 26, 10, 3);
        Assert.That(ConvBackwardWeightDotAvx2.Applies(g), Is.EqualTo(Fma.IsSupported && Avx2.IsSupported));
        var x = Random(g.InputLength, 4);
        var dy = Random(g.OutputLength, 5);
        var (dw, db) = Gradients(g, x, dy, enabled: true);
        // Inside a parallel loop the workers are taken: the same chunks run one after another on this thread.
        float[] nestedDw = [], nestedDb = [];
        CpuParallel.ForFixedChunks(2, 2, true, (chunk, start, end) =>
        {
            if (chunk == 0) (nestedDw, nestedDb) = Gradients(g, x, dy, enabled: true);
        });
        Assert.That(nestedDw, Is.EqualTo(dw));
        Assert.That(nestedDb, Is.EqualTo(db));
    }

    [Test]
    public void ChunksDependOnTheShapeOnly()
    {
        // 32→32 at 28×28: 222 KB a sample, 16 chunks of 2 fit 512 KB; 2→32: 118 KB a sample, 8 chunks of 4.
        Assert.That(ConvBackwardWeightDotAvx2.Chunks(ConvGeometry.Same(32, 32, 28, 28, 32, 3)), Is.EqualTo(16));
        Assert.That(ConvBackwardWeightDotAvx2.Chunks(ConvGeometry.Same(32, 2, 28, 28, 32, 3)), Is.EqualTo(8));
        Assert.That(ConvBackwardWeightDotAvx2.Chunks(ConvGeometry.Same(3, 2, 28, 28, 32, 3)), Is.EqualTo(3));
        Assert.That(ConvBackwardWeightDotAvx2.Chunks(ConvGeometry.Same(256, 32, 28, 28, 32, 3)), Is.EqualTo(32));
    }

    [Test]
    public void SmallGridsPointwiseAndStridesTakeThePackedGemm()
    {
        Assert.That(ConvBackwardWeightDotAvx2.Applies(ConvGeometry.Same(32, 64, 14, 14, 64, 3)), Is.False);
        Assert.That(ConvBackwardWeightDotAvx2.Applies(ConvGeometry.Same(32, 32, 28, 28, 32, 1)), Is.False);
        Assert.That(ConvBackwardWeightDotAvx2.Applies(new ConvGeometry(4, 3, 30, 30, 4, 3, 1, 2)), Is.False);
        GemmV2Packed.KernelWidth = 512;
        Assert.That(ConvBackwardWeightDotAvx2.Applies(ConvGeometry.Same(32, 32, 28, 28, 32, 3)), Is.False, "512-bit kernels keep the AVX-512 rule");
    }

    private (float[] Dw, float[] Db) Gradients(ConvGeometry g, float[] x, float[] dy, bool enabled)
    {
        ConvBackwardWeightDotAvx2.Enabled = enabled;
        using var bx = Up(x);
        using var bdy = Up(dy);
        using var bdw = Poisoned(g.WeightLength);
        using var bdb = Poisoned(g.OutChannels);
        Backend.Conv2dBackwardWeightAndBias(bx, bdy, bdw, bdb, g);
        return (Down(bdw), Down(bdb));
    }
}
