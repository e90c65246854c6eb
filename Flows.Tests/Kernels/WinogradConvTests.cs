using Flows.Kernels;
using Flows.Kernels.Cpu;
using Flows.Kernels.Reference;
using Flows.Tests.Kernels.Cpu;

namespace Flows.Tests.Kernels;

/// <summary>
/// Winograd F(2×2, 3×3) and F(4×4, 3×3) forward (with bias) and backward-data on the managed CPU backend against
/// the double-precision plain-loop reference, element by element, relative to Σ|w||x| of the output (the size
/// of its terms; docs/WINOGRAD.md states the bound). The shapes aim at the tiling's edges: sizes that are not a
/// multiple of the tile, rows shorter and longer than one 8-tile vector, one pixel, channel counts that leave
/// ragged GEMM panels or split k into blocks, and batches spread over the cores; then every 3×3 shape of the
/// paper's models at one sample (the channel and spatial sizes are what matter).
/// </summary>
public sealed class WinogradConvTests : CpuBackendTestBase
{
    /// <summary>Per-output error bound in units of Σ|w||x|·2⁻²⁴ (docs/WINOGRAD.md, "Error bound").</summary>
    internal static double BoundFactor(CpuConvAlgorithm tile) => tile == CpuConvAlgorithm.Winograd2 ? WinogradErrorBound.F2 : WinogradErrorBound.F4;

    private static IEnumerable<TestCaseData> EdgeCases()
    {
        // batch, cin, h, w, cout
        foreach (var tile in new[] { CpuConvAlgorithm.Winograd2, CpuConvAlgorithm.Winograd4 })
        {
            yield return Case(tile, "one pixel", 1, 1, 1, 1, 1);
            yield return Case(tile, "odd 5x7", 2, 3, 5, 7, 4);
            yield return Case(tile, "tall 13x3", 1, 2, 13, 3, 3);
            yield return Case(tile, "wide 3x37 (rows over several vectors)", 1, 3, 3, 37, 5);
            yield return Case(tile, "7x7", 3, 4, 7, 7, 6);
            yield return Case(tile, "14x14", 2, 8, 14, 14, 9);
            yield return Case(tile, "28x28 2 to 32", 2, 2, 28, 28, 32);
            yield return Case(tile, "odd channels 17 to 23 at 9x11", 1, 17, 9, 11, 23);
            yield return Case(tile, "Cin 200 (k in two blocks)", 1, 200, 6, 6, 8);
            yield return Case(tile, "Cout 70 (ragged panels)", 1, 5, 10, 10, 70);
            yield return Case(tile, "batch 9 (blocks over cores)", 9, 3, 12, 10, 4);
            yield return Case(tile, "one sample 5x33 (vectors past both row ends)", 1, 4, 5, 33, 5);
            yield return Case(tile, "width 15 (one pixel short of 16)", 1, 6, 4, 15, 7);
            yield return Case(tile, "width 17, 1 sample", 1, 5, 9, 17, 6);
        }
    }

    private static TestCaseData Case(CpuConvAlgorithm tile, string name, int batch, int cin, int h, int w, int cout) =>
        new TestCaseData(tile, ConvGeometry.Same(batch, cin, h, w, cout, 3)).SetName($"Winograd {tile} {name}");

    [TestCaseSource(nameof(EdgeCases))]
    public void ForwardWithBiasIsWithinTheBound(CpuConvAlgorithm tile, ConvGeometry g) => AssertForward(tile, g, 1);

    [TestCaseSource(nameof(EdgeCases))]
    public void BackwardDataIsWithinTheBound(CpuConvAlgorithm tile, ConvGeometry g) => AssertBackwardData(tile, g, 1);

    /// <summary>
    /// The 3×3 same convolutions (cin, cout, size) of RealNVP FashionMNIST (mid 64: 2→64, 64→64 at 28×28; 4→128,
    /// 128→128 at 14×14), Glow FashionMNIST (mid 200: 2→200, 200→200 at 14×14; 4→200, 200→200 at 7×7) and the
    /// two small configurations (RealNVP mid 32, Glow mid 64), per paper-spec.md §4.6 and §4.8.
    /// </summary>
    private static readonly (int Cin, int Cout, int Size)[] PaperShapes =
    [
        (2, 64, 28), (64, 64, 28), (4, 128, 14), (128, 128, 14),
        (2, 200, 14), (200, 200, 14), (4, 200, 7), (200, 200, 7),
        (2, 32, 28), (32, 32, 28), (4, 64, 14), (64, 64, 14), (2, 64, 14), (4, 64, 7), (64, 64, 7),
    ];

    private static IEnumerable<TestCaseData> PaperCases()
    {
        foreach (var tile in new[] { CpuConvAlgorithm.Winograd2, CpuConvAlgorithm.Winograd4 })
            foreach (var (cin, cout, size) in PaperShapes)
                yield return new TestCaseData(tile, ConvGeometry.Same(1, cin, size, size, cout, 3))
                    .SetName($"Winograd {tile} paper shape {cin}->{cout} at {size}x{size}");
    }

    [TestCaseSource(nameof(PaperCases))]
    public void PaperShapeIsWithinTheBound(CpuConvAlgorithm tile, ConvGeometry g)
    {
        AssertForward(tile, g, 5);
        AssertBackwardData(tile, g, 5);
    }

    [Test]
    public void DirectAndOtherShapesNeverTakeWinograd()
    {
        var g = ConvGeometry.Same(2, 64, 14, 14, 64, 3);
        Assert.That(WinogradSelection.Choose(CpuConvAlgorithm.Direct, g), Is.EqualTo(ConvKernel.Direct));
        Assert.That(WinogradSelection.Choose(CpuConvAlgorithm.Winograd2, g), Is.EqualTo(ConvKernel.F2));
        Assert.That(WinogradSelection.Choose(CpuConvAlgorithm.Winograd4, g), Is.EqualTo(ConvKernel.F4));
        Assert.That(WinogradSelection.Choose(CpuConvAlgorithm.Winograd, g), Is.Not.EqualTo(ConvKernel.Direct));
        foreach (var other in new[] { ConvGeometry.Same(2, 64, 14, 14, 64, 1), ConvGeometry.Same(2, 8, 14, 14, 8, 5),
                                      new ConvGeometry(2, 8, 14, 14, 8, 3, 1, 2), new ConvGeometry(2, 8, 14, 14, 8, 3, 0) })
            Assert.That(WinogradSelection.Choose(CpuConvAlgorithm.Winograd4, other), Is.EqualTo(ConvKernel.Direct), other.ToString());
    }

    [Test]
    public void TheAvx512RuleTakesF2OnlyForTheWideForwardPasses()
    {
        const WinogradIsa isa = WinogradIsa.Avx512;
        Assert.That(WinogradSelection.Rule(ConvGeometry.Same(32, 128, 14, 14, 128, 3), false, isa), Is.EqualTo(ConvKernel.F2));
        Assert.That(WinogradSelection.Rule(ConvGeometry.Same(256, 200, 14, 14, 200, 3), false, isa), Is.EqualTo(ConvKernel.F2));
        Assert.That(WinogradSelection.Rule(ConvGeometry.Same(32, 128, 14, 14, 128, 3), true, isa), Is.EqualTo(ConvKernel.Direct));
        foreach (var narrow in new[] { ConvGeometry.Same(32, 64, 28, 28, 64, 3), ConvGeometry.Same(32, 200, 7, 7, 200, 3),
                                       ConvGeometry.Same(32, 4, 14, 14, 128, 3), ConvGeometry.Same(32, 32, 28, 28, 32, 3) })
            Assert.That(WinogradSelection.Rule(narrow, false, isa), Is.EqualTo(ConvKernel.Direct), narrow.ToString());
    }

    [Test]
    public void TheAvx2RuleTakesF4At28AndF2At14ForWideChannelsBothPasses()
    {
        const WinogradIsa isa = WinogradIsa.Avx2;
        foreach (bool backwardData in new[] { false, true })
        {
            Assert.That(WinogradSelection.Rule(ConvGeometry.Same(32, 32, 28, 28, 32, 3), backwardData, isa), Is.EqualTo(ConvKernel.F4));
            Assert.That(WinogradSelection.Rule(ConvGeometry.Same(256, 64, 28, 28, 64, 3), backwardData, isa), Is.EqualTo(ConvKernel.F4));
            Assert.That(WinogradSelection.Rule(ConvGeometry.Same(32, 64, 14, 14, 64, 3), backwardData, isa), Is.EqualTo(ConvKernel.F2));
            Assert.That(WinogradSelection.Rule(ConvGeometry.Same(32, 200, 14, 14, 200, 3), backwardData, isa), Is.EqualTo(ConvKernel.F2));
            foreach (var direct in new[] { ConvGeometry.Same(32, 64, 7, 7, 64, 3), ConvGeometry.Same(32, 200, 7, 7, 200, 3),
                                           ConvGeometry.Same(32, 2, 28, 28, 32, 3), ConvGeometry.Same(32, 32, 28, 28, 2, 3),
                                           ConvGeometry.Same(32, 4, 14, 14, 128, 3), ConvGeometry.Same(32, 32, 14, 14, 32, 3) })
                Assert.That(WinogradSelection.Rule(direct, backwardData, isa), Is.EqualTo(ConvKernel.Direct), direct.ToString());
        }
    }

    [Test]
    public void AutoFollowsThisMachinesRule()
    {
        var g = ConvGeometry.Same(32, 32, 28, 28, 32, 3);
        Assert.That(WinogradSelection.Choose(CpuConvAlgorithm.Auto, g), Is.EqualTo(WinogradSelection.Rule(g, false, WinogradSelection.MachineIsa)));
    }

    [Test]
    public void SameInputsGiveTheSameBitsOnEveryCall()
    {
        var g = ConvGeometry.Same(5, 6, 11, 13, 7, 3);
        var x = Random(g.InputLength, 21);
        var w = Random(g.WeightLength, 22, -0.3f, 0.3f);
        using var bx = Up(x);
        using var bw = Up(w);
        using var first = Poisoned(g.OutputLength);
        using var second = Poisoned(g.OutputLength);
        var saved = Backend.ConvAlgorithm;
        try
        {
            Backend.ConvAlgorithm = CpuConvAlgorithm.Winograd4;
            Backend.Conv2dForward(bx, bw, null, first, g);
            Backend.Conv2dForward(bx, bw, null, second, g);
        }
        finally
        {
            Backend.ConvAlgorithm = saved;
        }
        Assert.That(Down(second), Is.EqualTo(Down(first)));
    }

    private void AssertForward(CpuConvAlgorithm tile, ConvGeometry g, int seed)
    {
        var x = Random(g.InputLength, seed);
        var w = Random(g.WeightLength, seed + 1, -0.3f, 0.3f);
        var bias = Random(g.OutChannels, seed + 2);
        var expected = ReferenceLinear.ConvForward(x, w, bias, g);
        // Σ|w||x| + |bias|: the size of the terms each output sums.
        var scale = ReferenceLinear.ConvForward(Abs(x), Abs(w), Abs(bias), g);
        var actual = RunWith(tile, () =>
        {
            using var bx = Up(x);
            using var bw = Up(w);
            using var bb = Up(bias);
            using var by = Poisoned(g.OutputLength);
            Backend.Conv2dForward(bx, bw, bb, by, g);
            return Down(by);
        });
        AssertElementwise(expected, actual, BoundFactor(tile) * WinogradErrorBound.Epsilon, $"{tile} forward {g}", scale);
    }

    private void AssertBackwardData(CpuConvAlgorithm tile, ConvGeometry g, int seed)
    {
        var dy = Random(g.OutputLength, seed + 3);
        var w = Random(g.WeightLength, seed + 1, -0.3f, 0.3f);
        var expected = ReferenceLinear.ConvBackwardData(dy, w, g);
        var scale = ReferenceLinear.ConvBackwardData(Abs(dy), Abs(w), g);
        var actual = RunWith(tile, () =>
        {
            using var bdy = Up(dy);
            using var bw = Up(w);
            using var bdx = Poisoned(g.InputLength);
            Backend.Conv2dBackwardData(bdy, bw, bdx, g);
            return Down(bdx);
        });
        AssertElementwise(expected, actual, BoundFactor(tile) * WinogradErrorBound.Epsilon, $"{tile} backward-data {g}", scale);
    }

    private T RunWith<T>(CpuConvAlgorithm algorithm, Func<T> body)
    {
        var saved = Backend.ConvAlgorithm;
        Backend.ConvAlgorithm = algorithm;
        try
        {
            return body();
        }
        finally
        {
            Backend.ConvAlgorithm = saved;
        }
    }

    private static float[] Abs(float[] data) => Array.ConvertAll(data, MathF.Abs);
}
