using Flows.Kernels;
using Flows.Kernels.Cases;
using Flows.Kernels.Ilgpu;
using Flows.Tests.Kernels.Ilgpu;

namespace Flows.Tests.Kernels;

/// <summary>
/// The v3 convolution and GEMM kernels (Flows.Kernels/Ilgpu/ConvKernelsV3.cs) on the ILGPU CPU simulator against the
/// managed CPU backend, beyond the case-table rows (which IlgpuCpuSimulatorTests runs under v3 at every conv
/// shape class): stride phases, split-K on every product, tile-crossing matrix products, the split policy, and
/// the launches each path costs.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ConvV3Tests : IlgpuBackendTestBase
{
    protected override IlgpuBackend CreateDevice() => IlgpuBackend.CreateCpuSimulator();

    private static IEnumerable<TestCaseData> PhaseCases()
    {
        // batch, cin, h, w, cout, k, padding, stride: the stride phases backward-data tests through its tables.
        yield return new TestCaseData(new ConvGeometry(1, 2, 8, 7, 3, 3, 1, 3)).SetName("v3 stride 3, three phases");
        yield return new TestCaseData(new ConvGeometry(1, 3, 10, 9, 4, 5, 2, 3)).SetName("v3 5x5/3, several taps per phase");
        yield return new TestCaseData(new ConvGeometry(1, 2, 8, 8, 3, 3, 1, 2)).SetName("v3 stride 2 not dividing H + 2P - K");
        yield return new TestCaseData(new ConvGeometry(2, 2, 7, 9, 3, 5, 0, 2)).SetName("v3 5x5/2 no padding");
    }

    [TestCaseSource(nameof(PhaseCases))]
    public void StridePhasesMatchTheCpuBackend(ConvGeometry g) => CompareAllThree(g, bias: true);

    private static IEnumerable<TestCaseData> SplitCases()
    {
        yield return new TestCaseData(new ConvGeometry(1, 32, 4, 4, 8, 3, 1)).SetName("v3 split-K forward (K 288)");
        yield return new TestCaseData(new ConvGeometry(1, 4, 4, 4, 32, 3, 1)).SetName("v3 split-K backward-data (K 288)");
        yield return new TestCaseData(new ConvGeometry(2, 4, 12, 12, 4, 3, 1)).SetName("v3 split-K backward-weight (K 288)");
        yield return new TestCaseData(new ConvGeometry(1, 160, 3, 3, 4, 1, 0)).SetName("v3 split-K 1x1 dense path (K 160)");
        yield return new TestCaseData(new ConvGeometry(1, 4, 5, 5, 32, 3, 1, 2)).SetName("v3 split-K strided backward-data (K 288)");
    }

    /// <summary>With many target groups every small product splits K; the bias must still be added exactly once.</summary>
    [TestCaseSource(nameof(SplitCases))]
    public void SplitKMatchesTheCpuBackend(ConvGeometry g)
    {
        int saved = Device.SplitTargetGroups;
        Device.SplitTargetGroups = 64;
        try
        {
            CompareAllThree(g, bias: true);
        }
        finally
        {
            Device.SplitTargetGroups = saved;
        }
    }

    [Test]
    public void InvertibleConv1x1SplitAcrossTilesMatchesTheCpuBackend([Values] bool transpose)
    {
        var shape = new Ncs(1, 130, 4); // M = K = 130: two row tiles, two K-splits of 64 and 66
        int saved = Device.SplitTargetGroups;
        Device.SplitTargetGroups = 64;
        Device.GemmVersion = 3;
        try
        {
            var x = Up(shape.Length, 71);
            var w = Up(shape.C * shape.C, 72, -0.1f, 0.1f);
            var y = Poisoned(shape.Length);
            Device.Conv1x1(x.Device, w.Device, y.Device, shape, transpose);
            Reference.Conv1x1(x.Reference, w.Reference, y.Reference, shape, transpose);
            Check(y, ReductionTolerance, $"v3 conv1x1 transpose={transpose}");
        }
        finally
        {
            Device.SplitTargetGroups = saved;
        }
    }

    [Test]
    public void MatMulAcrossTilesMatchesTheCpuBackend([Values] bool transposeA, [Values] bool transposeB, [Values] bool accumulate)
    {
        const int m = 130, k = 19, n = 131; // 2 × 2 output tiles, K in three steps of 8, all partial
        Device.GemmVersion = 3;
        var a = Up(m * k, 81);
        var b = Up(k * n, 82);
        var c = accumulate ? Up(m * n, 83) : Poisoned(m * n);
        Device.MatMul(a.Device, b.Device, c.Device, m, k, n, transposeA, transposeB, accumulate);
        Reference.MatMul(a.Reference, b.Reference, c.Reference, m, k, n, transposeA, transposeB, accumulate);
        Check(c, ReductionTolerance, "v3 matmul");
    }

    [Test]
    public void SplitPolicyFillsTheDeviceWithinItsLimits()
    {
        Assert.That(ConvKernelsV3.SplitsFor(64, 50176, 576, targetGroups: 264), Is.EqualTo(1), "RealNVP 28×28 at batch 64: 392 tiles already");
        int glowOut = ConvKernelsV3.SplitsFor(4, 6272, 1800, targetGroups: 264); // Glow's 3×3 output conv at 14×14, batch 32: 49 tiles
        Assert.That(glowOut, Is.EqualTo(6));
        int deep = ConvKernelsV3.SplitsFor(4, 25, 100_000, targetGroups: 264);
        Assert.That(deep, Is.EqualTo(ConvKernelsV3.MaxSplits));
        Assert.That(ConvKernelsV3.SplitsFor(4, 25, 100, targetGroups: 264), Is.EqualTo(1), "a split is at least 64 deep");
        Assert.That(ConvKernelsV3.SplitsFor(4, 25, 200, targetGroups: 264), Is.EqualTo(3));
    }

    [Test]
    public void EachPathCostsTheLaunchesItShould()
    {
        Device.GemmVersion = 3;
        var g3 = ConvGeometry.Same(1, 2, 5, 5, 3, 3);
        var g1 = ConvGeometry.Same(1, 2, 5, 5, 3, 1);
        var x = Up(g3.InputLength, 91);
        var w3 = Up(g3.WeightLength, 92);
        var w1 = Up(g1.WeightLength, 93);
        var y = Poisoned(g3.OutputLength);
        Assert.That(Launches(() => Device.Conv2dForward(x.Device, w3.Device, null, y.Device, g3)), Is.EqualTo(2), "3×3: index table + GEMM");
        Assert.That(Launches(() => Device.Conv2dForward(x.Device, w1.Device, null, y.Device, g1)), Is.EqualTo(1), "1×1: the dense GEMM alone");
        int saved = Device.SplitTargetGroups;
        Device.SplitTargetGroups = 64;
        try
        {
            var wide = new ConvGeometry(1, 32, 4, 4, 8, 3, 1);
            var xw = Up(wide.InputLength, 94);
            var ww = Up(wide.WeightLength, 95);
            var yw = Poisoned(wide.OutputLength);
            Assert.That(Launches(() => Device.Conv2dForward(xw.Device, ww.Device, null, yw.Device, wide)), Is.EqualTo(3),
                        "split-K: table, GEMM, split sum");
        }
        finally
        {
            Device.SplitTargetGroups = saved;
        }
    }

    [Test]
    public void VersionOutsideOneToThreeIsRejected()
    {
        Assert.That(() => Device.GemmVersion = 4, Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("must be 1, 2 or 3"));
        Assert.That(Device.GemmVersion, Is.EqualTo(2));
    }

    [Test]
    public void EveryConvRowOfTheCaseTableAlsoRunsUnderV3()
    {
        foreach (var size in new[] { CaseSize.Small, CaseSize.Paper })
        {
            var convs = KernelCases.Of(size)
                .Where(c => c.Kernel.StartsWith("conv", StringComparison.Ordinal) || c.Kernel.StartsWith("matmul", StringComparison.Ordinal))
                .ToList();
            var withV2 = convs.Where(c => c.Version == 2).Select(c => (c.Kernel, c.Shape)).ToHashSet();
            var withV3 = convs.Where(c => c.Version == 3).Select(c => (c.Kernel, c.Shape)).ToHashSet();
            Assert.That(withV2, Is.SubsetOf(withV3), $"{size} rows");
            if (size == CaseSize.Small) Assert.That(withV3.Count, Is.GreaterThan(withV2.Count), "the v3 shape classes add small rows");
        }
    }

    private long Launches(Action run)
    {
        var before = Device.Counter.Snapshot();
        run();
        return (Device.Counter.Snapshot() - before).Launches;
    }

    private void CompareAllThree(ConvGeometry g, bool bias)
    {
        Device.GemmVersion = 3;
        var x = Up(g.InputLength, 61);
        var w = Up(g.WeightLength, 62, -0.1f, 0.1f);
        var b = Up(g.OutChannels, 63);
        var dy = Up(g.OutputLength, 64);

        var y = Poisoned(g.OutputLength);
        Device.Conv2dForward(x.Device, w.Device, bias ? b.Device : null, y.Device, g);
        Reference.Conv2dForward(x.Reference, w.Reference, bias ? b.Reference : null, y.Reference, g);
        Check(y, ReductionTolerance, $"v3 forward {g}");

        var dx = Poisoned(g.InputLength);
        Device.Conv2dBackwardData(dy.Device, w.Device, dx.Device, g);
        Reference.Conv2dBackwardData(dy.Reference, w.Reference, dx.Reference, g);
        Check(dx, ReductionTolerance, $"v3 backward-data {g}");

        var dw = Poisoned(g.WeightLength);
        Device.Conv2dBackwardWeight(x.Device, dy.Device, dw.Device, g);
        Reference.Conv2dBackwardWeight(x.Reference, dy.Reference, dw.Reference, g);
        Check(dw, ReductionTolerance, $"v3 backward-weight {g}");
    }
}
