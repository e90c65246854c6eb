using System.Runtime.Intrinsics.X86;
using Flows.Kernels;
using Flows.Kernels.Cpu;
using Flows.Kernels.Reference;

namespace Flows.Tests.Kernels.Cpu;

/// <summary>
/// The few-channel 1×1 loops (<see cref="Conv1x1Narrow"/>: Cout ≤ 4 forward and weight gradient, Cin ≤ 4 forward,
/// which is also the backward-data of Cout ≤ 4) against the double reference and the GEMM path, on the RealNVP
/// st-networks' output convolutions (64→4 at 14×14, 32→2 at 28×28) and edge shapes: planes that are not a multiple
/// of 8 or 24 pixels, one sample, Cin not a multiple of 3, one output channel, batches not a multiple of the chunks.
/// </summary>
[NonParallelizable]
public class Conv1x1NarrowTests : CpuBackendTestBase
{
    private int _savedWidth;
    private bool _savedEnabled;

    [SetUp]
    public void Save()
    {
        _savedWidth = GemmV2Packed.KernelWidth;
        _savedEnabled = Conv1x1Narrow.Enabled;
        GemmV2Packed.KernelWidth = 256;
    }

    [TearDown]
    public void Restore()
    {
        GemmV2Packed.KernelWidth = _savedWidth;
        Conv1x1Narrow.Enabled = _savedEnabled;
    }

    private static IEnumerable<TestCaseData> Shapes()
    {
        // batch, in, height, width, out
        yield return new TestCaseData(32, 64, 14, 14, 4).SetName("Narrow 1x1 RealNVP mid 32 64->4 14x14");
        yield return new TestCaseData(32, 32, 28, 28, 2).SetName("Narrow 1x1 RealNVP mid 32 32->2 28x28");
        yield return new TestCaseData(32, 200, 14, 14, 4).SetName("Narrow 1x1 200->4 14x14");
        yield return new TestCaseData(1, 64, 14, 14, 4).SetName("Narrow 1x1 one sample");
        yield return new TestCaseData(3, 5, 5, 7, 1).SetName("Narrow 1x1 one output channel 35 pixels");
        yield return new TestCaseData(9, 7, 3, 3, 3).SetName("Narrow 1x1 9 pixels batch 9");
        yield return new TestCaseData(5, 4, 9, 9, 17).SetName("Narrow 1x1 few inputs 4->17");
        yield return new TestCaseData(2, 2, 13, 13, 33).SetName("Narrow 1x1 few inputs 2->33");
        yield return new TestCaseData(3, 3, 6, 6, 2).SetName("Narrow 1x1 3->2");
        yield return new TestCaseData(2, 6, 2, 3, 4).SetName("Narrow 1x1 6 pixels, no full vector");
        yield return new TestCaseData(4, 3, 3, 4, 20).SetName("Narrow 1x1 few inputs 12 pixels");
    }

    [TestCaseSource(nameof(Shapes))]
    public void MatchesReferenceAndTheGemm(int batch, int cin, int h, int w, int cout)
    {
        var g = new ConvGeometry(batch, cin, h, w, cout, 1, 0);
        bool avx2 = Fma.IsSupported && Avx2.IsSupported;
        Assert.That(Conv1x1Narrow.AppliesForward(g), Is.EqualTo(avx2));
        Assert.That(Conv1x1Narrow.AppliesWeight(g), Is.EqualTo(avx2 && cout <= 4));
        var x = Random(g.InputLength, 1);
        var wt = Random(g.WeightLength, 2);
        var bias = Random(cout, 6);
        var dy = Random(g.OutputLength, 3);
        var fresh = Run(g, x, wt, bias, dy, enabled: true);
        AssertClose(ReferenceLinear.ConvForward(x, wt, bias, g), fresh.Y, ReductionTolerance, "fwd");
        AssertClose(ReferenceLinear.ConvBackwardData(dy, wt, g), fresh.Dx, ReductionTolerance, "bwd data");
        AssertClose(ReferenceLinear.ConvBackwardWeight(x, dy, g), fresh.Dw, ReductionTolerance, "bwd weight");
        AssertClose(ReferenceLinear.ConvBiasGradient(dy, g), fresh.Db, ReductionTolerance, "bias");
        var gemm = Run(g, x, wt, bias, dy, enabled: false);
        AssertClose(ToDouble(gemm.Y), fresh.Y, ReductionTolerance, "fwd against the GEMM");
        AssertClose(ToDouble(gemm.Dx), fresh.Dx, ReductionTolerance, "bwd data against the GEMM");
        AssertClose(ToDouble(gemm.Dw), fresh.Dw, ReductionTolerance, "bwd weight against the GEMM");
    }

    [Test]
    public void ResultDoesNotDependOnTheWorkers()
    {
        var g = new ConvGeometry(13, 64, 14, 14, 4, 1, 0);
        var x = Random(g.InputLength, 4);
        var wt = Random(g.WeightLength, 5);
        var bias = Random(4, 6);
        var dy = Random(g.OutputLength, 7);
        var outer = Run(g, x, wt, bias, dy, enabled: true);
        (float[] Y, float[] Dx, float[] Dw, float[] Db) nested = default;
        CpuParallel.ForFixedChunks(2, 2, true, (chunk, start, end) =>
        {
            if (chunk == 0) nested = Run(g, x, wt, bias, dy, enabled: true);
        });
        Assert.That(nested.Y, Is.EqualTo(outer.Y));
        Assert.That(nested.Dx, Is.EqualTo(outer.Dx));
        Assert.That(nested.Dw, Is.EqualTo(outer.Dw));
        Assert.That(nested.Db, Is.EqualTo(outer.Db));
    }

    [Test]
    public void WideAndStridedOrPaddedOnesTakeTheGemm()
    {
        Assert.That(Conv1x1Narrow.AppliesForward(new ConvGeometry(32, 64, 14, 14, 64, 1, 0)), Is.False);
        Assert.That(Conv1x1Narrow.AppliesForward(new ConvGeometry(2, 64, 14, 14, 4, 1, 0, 2)), Is.False);
        Assert.That(Conv1x1Narrow.AppliesForward(new ConvGeometry(2, 64, 14, 14, 4, 1, 1)), Is.False);
        Assert.That(Conv1x1Narrow.AppliesWeight(new ConvGeometry(2, 4, 14, 14, 64, 1, 0)), Is.False);
        GemmV2Packed.KernelWidth = 512;
        Assert.That(Conv1x1Narrow.AppliesForward(new ConvGeometry(32, 64, 14, 14, 4, 1, 0)), Is.False, "512-bit kernels keep the GEMM");
    }

    private (float[] Y, float[] Dx, float[] Dw, float[] Db) Run(ConvGeometry g, float[] x, float[] w, float[] bias, float[] dy, bool enabled)
    {
        Conv1x1Narrow.Enabled = enabled;
        using var bx = Up(x);
        using var bw = Up(w);
        using var bb = Up(bias);
        using var bdy = Up(dy);
        using var by = Poisoned(g.OutputLength);
        using var bdx = Poisoned(g.InputLength);
        using var bdw = Poisoned(g.WeightLength);
        using var bdb = Poisoned(g.OutChannels);
        Backend.Conv2dForward(bx, bw, bb, by, g);
        Backend.Conv2dBackwardData(bdy, bw, bdx, g);
        Backend.Conv2dBackwardWeightAndBias(bx, bdy, bdw, bdb, g);
        return (Down(by), Down(bdx), Down(bdw), Down(bdb));
    }
}
