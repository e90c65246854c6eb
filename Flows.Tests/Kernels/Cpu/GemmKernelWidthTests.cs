using Flows.Kernels;
using Flows.Kernels.Cpu;
using Flows.Kernels.Reference;

namespace Flows.Tests.Kernels.Cpu;

/// <summary>
/// Every micro-kernel width (AVX-512, AVX2, 128-bit) on any machine: Vector512/256 operations still run
/// (emulated) where the hardware lacks them, so the paths another machine would take are checked here too.
/// </summary>
[NonParallelizable]
public class GemmKernelWidthTests : CpuBackendTestBase
{
    private int _saved;

    [SetUp]
    public void Save() => _saved = GemmV2Packed.KernelWidth;

    [TearDown]
    public void Restore() => GemmV2Packed.KernelWidth = _saved;

    [Test]
    public void MatMulAtEveryWidth([Values(512, 256, 128)] int width, [Values] bool transposeA, [Values] bool transposeB)
    {
        GemmV2Packed.KernelWidth = width;
        const int m = 43, k = 300, n = 71;
        var a = Random(m * k, 1);
        var b = Random(k * n, 2);
        var c = Random(m * n, 3);
        using var ba = Up(a);
        using var bb = Up(b);
        using var bc = Up(c);
        Backend.MatMul(ba, bb, bc, m, k, n, transposeA, transposeB, accumulate: true);
        AssertClose(ReferenceLinear.MatMul(a, b, c, m, k, n, transposeA, transposeB), Down(bc), ReductionTolerance, $"width {width}");
    }

    [Test]
    public void ConvAtEveryWidth([Values(512, 256, 128)] int width)
    {
        GemmV2Packed.KernelWidth = width;
        var g = new ConvGeometry(3, 5, 9, 7, 13, 3, 1);
        AssertConvolutionsMatchReference(g);
    }

    [Test]
    public void ResultsDoNotDependOnTheCoreSplit()
    {
        // A single sample splits its GEMM across cores; a batch runs one sample per core unsplit. Both must
        // give bit-identical outputs, since the split only moves whole micro-tiles between threads.
        var one = ConvGeometry.Same(1, 16, 20, 20, 24, 3);
        var two = one with { Batch = 2 };
        var x = Random(two.InputLength, 1);
        var w = Random(one.WeightLength, 2);
        using var bx1 = Up(x[..one.InputLength]);
        using var bx2 = Up(x);
        using var bw = Up(w);
        using var y1 = Poisoned(one.OutputLength);
        using var y2 = Poisoned(two.OutputLength);
        Backend.Conv2dForward(bx1, bw, null, y1, one);
        Backend.Conv2dForward(bx2, bw, null, y2, two);
        Assert.That(Down(y2)[..one.OutputLength], Is.EqualTo(Down(y1)));
    }
}
