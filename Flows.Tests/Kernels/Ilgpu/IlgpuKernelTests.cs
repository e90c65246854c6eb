using Flows.Kernels;
using Flows.Kernels.Cases;

namespace Flows.Tests.Kernels.Ilgpu;

/// <summary>
/// Every IComputeBackend op of IlgpuBackend against the managed CPU backend, on small random shapes: the small rows of
/// the kernel case table (Flows.Kernels/Cases), plus the cases that need a particular setup (split reductions,
/// every unary op, broadcasting patterns, in-place calls, contract checks).
/// </summary>
public abstract partial class IlgpuKernelTests : IlgpuBackendTestBase
{
    // ---- memory and element-wise -------------------------------------------------------------------------

    [Test]
    public void UploadDownloadFillCopyAndAxpy()
    {
        var x = Up(45, 1);
        var y = Up(45, 2);
        Device.Axpy(0.75f, x.Device, y.Device, 40);
        Reference.Axpy(0.75f, x.Reference, y.Reference, 40);
        Check(y, ElementTolerance, "axpy");

        var copy = Poisoned(45);
        Device.Fill(copy.Device, 3f);
        Reference.Fill(copy.Reference, 3f);
        Device.Copy(x.Device, copy.Device, 30);
        Reference.Copy(x.Reference, copy.Reference, 30);
        Check(copy, 0, "fill then copy of a prefix");
    }

    private static readonly UnaryOp[] PositiveDomain = [UnaryOp.Log, UnaryOp.Sqrt, UnaryOp.Reciprocal];

    [Test]
    public void UnaryForwardAndBackward([Values] UnaryOp op)
    {
        const int count = 77;
        bool positive = PositiveDomain.Contains(op);
        var x = positive ? Up(count, 3, 0.1f, 3f) : Up(count, 3, -4f, 4f);
        var y = Poisoned(count);
        Device.Unary(op, x.Device, y.Device, count, 0.3f);
        Reference.Unary(op, x.Reference, y.Reference, count, 0.3f);
        Check(y, ElementTolerance, $"{op} forward");

        var dy = Up(count, 4);
        var dx = Poisoned(count);
        // Both sides take y from the reference so that the backward formulas are compared on identical inputs.
        var yRef = new float[count];
        Reference.Download(y.Reference, yRef);
        var yShared = Up(yRef);
        Device.UnaryBackward(op, x.Device, yShared.Device, dy.Device, dx.Device, count, 0.3f);
        Reference.UnaryBackward(op, x.Reference, yShared.Reference, dy.Reference, dx.Reference, count, 0.3f);
        Check(dx, ElementTolerance, $"{op} backward");
    }

    [Test]
    public void UnaryInPlace()
    {
        var x = Up(50, 5, -3f, 3f);
        Device.Unary(UnaryOp.Tanh, x.Device, x.Device, 50);
        Reference.Unary(UnaryOp.Tanh, x.Reference, x.Reference, 50);
        Check(x, ElementTolerance, "tanh in place");
    }

    [Test]
    public void TanhIsAccurateAcrossItsRange()
    {
        // Covers both branches of DeviceMath.Tanh (series below 0.55, exp above) and the saturated tail.
        var values = Enumerable.Range(0, 401).Select(i => (i - 200) * 0.06f).Append(1e-6f).Append(-50f).Append(50f).ToArray();
        var x = Up(values);
        var y = Poisoned(values.Length);
        Device.Unary(UnaryOp.Tanh, x.Device, y.Device, values.Length);
        Reference.Unary(UnaryOp.Tanh, x.Reference, y.Reference, values.Length);
        Check(y, ElementTolerance, "tanh over [-12, 12]");
    }

    [TestCase(2, 3, 5, 2, 3, 5)]
    [TestCase(2, 3, 5, 1, 3, 1)]
    [TestCase(1, 3, 1, 2, 3, 5)]
    [TestCase(2, 1, 5, 2, 3, 1)]
    [TestCase(2, 3, 5, 1, 1, 1)]
    [TestCase(4, 6, 1, 1, 6, 1)]
    public void BinaryBroadcasts(int an, int ac, int @as, int bn, int bc, int bs)
    {
        var aShape = new Ncs(an, ac, @as);
        var bShape = new Ncs(bn, bc, bs);
        var cShape = Ncs.Broadcast(aShape, bShape, "test");
        var a = Up(aShape.Length, 6);
        var b = Up(bShape.Length, 7, 0.5f, 2f);
        foreach (var op in Enum.GetValues<BinaryOp>())
        {
            var c = Poisoned(cShape.Length);
            Device.Binary(op, a.Device, aShape, b.Device, bShape, c.Device);
            Reference.Binary(op, a.Reference, aShape, b.Reference, bShape, c.Reference);
            Check(c, ElementTolerance, $"{op} {aShape} with {bShape}");
        }
    }

    // ---- reductions ---------------------------------------------------------------------------------------

    [TestCase(1, 1, 1)]
    [TestCase(3, 1, 1)]
    [TestCase(1, 4, 1)]
    [TestCase(1, 1, 5)]
    [TestCase(3, 4, 1)]
    [TestCase(1, 4, 5)]
    [TestCase(3, 1, 5)]
    [TestCase(3, 4, 5)]
    public void SumToEveryAxisPattern(int n, int c, int s)
    {
        var xShape = new Ncs(3, 4, 5);
        var yShape = new Ncs(n, c, s);
        var x = Up(xShape.Length, 8);
        var y = Poisoned(yShape.Length);
        Device.SumTo(x.Device, xShape, y.Device, yShape);
        Reference.SumTo(x.Reference, xShape, y.Reference, yShape);
        Check(y, ReductionTolerance, $"sumTo {yShape}");
    }

    [Test]
    public void ReductionsSplitAcrossGroupsAgree()
    {
        // Few outputs with long rows: raising the target makes the reduction split each output across groups.
        int saved = Device.SplitTargetGroups;
        try
        {
            Device.SplitTargetGroups = 16;
            var shape = new Ncs(9, 2, 300);
            var x = Up(shape.Length, 9, 2f, 4f);
            var perChannel = Poisoned(2);
            Device.SumTo(x.Device, shape, perChannel.Device, new Ncs(1, 2, 1));
            Reference.SumTo(x.Reference, shape, perChannel.Reference, new Ncs(1, 2, 1));
            Check(perChannel, ReductionTolerance, "split per-channel sum");

            var mean = Poisoned(2);
            var variance = Poisoned(2);
            Device.ChannelMoments(x.Device, shape, mean.Device, variance.Device);
            Reference.ChannelMoments(x.Reference, shape, mean.Reference, variance.Reference);
            Check(mean, ReductionTolerance, "split mean");
            Check(variance, ReductionTolerance, "split variance");
        }
        finally
        {
            Device.SplitTargetGroups = saved;
        }
    }

    [Test]
    public void ChannelMomentsWithLargeOffset()
    {
        var shape = new Ncs(3, 4, 10);
        var x = Up(shape.Length, 10, 99f, 101f);
        var mean = Poisoned(4);
        var variance = Poisoned(4);
        Device.ChannelMoments(x.Device, shape, mean.Device, variance.Device);
        Reference.ChannelMoments(x.Reference, shape, mean.Reference, variance.Reference);
        Check(mean, ReductionTolerance, "mean");
        Check(variance, ReductionTolerance, "variance around 100");
    }

    [TestCase(1)]
    [TestCase(1000)]
    [TestCase(3001)]
    public void SumOfSquares(int count)
    {
        var x = Up(count, 11, -2f, 2f);
        double device = Device.SumOfSquares(x.Device, count);
        double reference = Reference.SumOfSquares(x.Reference, count);
        Assert.That(Math.Abs(device - reference), Is.LessThan(ReductionTolerance * Math.Abs(reference)));
    }

    // ---- layout -------------------------------------------------------------------------------------------

    [Test]
    public void CopyChannelsConcatAndSplit()
    {
        var source = Up(2 * 5 * 6, 12);
        var destination = Poisoned(2 * 3 * 6);
        Device.Fill(destination.Device, 0f);
        Reference.Fill(destination.Reference, 0f);
        Device.CopyChannels(source.Device, 5, 1, destination.Device, 3, 1, 2, 2, 6);
        Reference.CopyChannels(source.Reference, 5, 1, destination.Reference, 3, 1, 2, 2, 6);
        Check(destination, 0, "copy channels 1..2 of 5 into 1..2 of 3");
    }

    // ---- dense linear algebra -----------------------------------------------------------------------------

    [Test]
    public void Conv2dBackwardWeightWithSplitK()
    {
        int saved = Device.SplitTargetGroups;
        try
        {
            Device.SplitTargetGroups = 8;
            // K = 2·16·17 = 544: long enough for two parts of at least 256 (ConvKernels' MinKPerSplit).
            var g = ConvGeometry.Same(2, 2, 16, 17, 3, 3);
            var x = Up(g.InputLength, 21);
            var dy = Up(g.OutputLength, 22);
            var dw = Poisoned(g.WeightLength);
            long before = Device.Counter.Launches;
            Device.Conv2dBackwardWeight(x.Device, dy.Device, dw.Device, g);
            Assert.That(Device.Counter.Launches - before, Is.EqualTo(2), "the split GEMM and the sum of its parts");
            Reference.Conv2dBackwardWeight(x.Reference, dy.Reference, dw.Reference, g);
            Check(dw, ReductionTolerance, "conv backward-weight with K split over groups");
        }
        finally
        {
            Device.SplitTargetGroups = saved;
        }
    }

    [Test]
    public void Conv2dUnevenPadding()
    {
        // Padding 0 shrinks the output; backward-data then pads dy by K−1−P = 2.
        var g = new ConvGeometry(2, 2, 5, 6, 3, 3, 0);
        var x = Up(g.InputLength, 23);
        var w = Up(g.WeightLength, 24);
        var dy = Up(g.OutputLength, 25);
        var y = Poisoned(g.OutputLength);
        Device.Conv2dForward(x.Device, w.Device, null, y.Device, g);
        Reference.Conv2dForward(x.Reference, w.Reference, null, y.Reference, g);
        Check(y, ReductionTolerance, "valid conv forward");
        var dx = Poisoned(g.InputLength);
        Device.Conv2dBackwardData(dy.Device, w.Device, dx.Device, g);
        Reference.Conv2dBackwardData(dy.Reference, w.Reference, dx.Reference, g);
        Check(dx, ReductionTolerance, "valid conv backward-data");
    }

    // ---- the kernel case table ------------------------------------------------------------------------------

    public static IEnumerable<KernelCase> SmallCases() => KernelCases.Of(CaseSize.Small);

    /// <summary>Each small row of the case table (what gpu-check --quick runs), on the device and on the CPU backend.</summary>
    [TestCaseSource(nameof(SmallCases))]
    public void TableCaseMatchesTheCpuBackend(KernelCase kernelCase)
    {
        Device.GemmVersion = kernelCase.Version == 0 ? 2 : kernelCase.Version;
        using var onDevice = new CaseBuffers(Device);
        using var onCpu = new CaseBuffers(Reference);
        kernelCase.Setup(onDevice);
        kernelCase.Setup(onCpu);
        kernelCase.Run(Device, onDevice);
        kernelCase.Run(Reference, onCpu);
        Device.Synchronize();
        var (error, worst) = CaseComparison.Between(kernelCase, onDevice, onCpu);
        Assert.That(error, Is.LessThanOrEqualTo(kernelCase.Tolerance), $"{kernelCase}: worst output {worst}");
    }

    // ---- contract checks ----------------------------------------------------------------------------------

    [Test]
    public void SteadyStateAllocatesNothing()
    {
        for (int round = 0; round < 3; round++)
        {
            using var a = Device.Allocate(123);
            using var b = Device.Allocate(456);
            Device.Fill(a, 1f);
            if (round == 0) continue;
        }
        int before = Device.AllocationCount;
        for (int round = 0; round < 3; round++)
        {
            using var a = Device.Allocate(123);
            using var b = Device.Allocate(456);
        }
        Assert.That(Device.AllocationCount, Is.EqualTo(before));
    }

    [Test]
    public void RejectsForeignAndShortBuffers()
    {
        using var mine = Device.Allocate(10);
        using var foreign = Reference.Allocate(10);
        Assert.That(() => Device.Fill(foreign, 0f), Throws.ArgumentException.With.Message.Contains("belongs to another backend (expected a buffer allocated by this backend, got one of 'cpu')"));
        Assert.That(() => Device.Unary(UnaryOp.Exp, mine, mine, 11), Throws.ArgumentException.With.Message.Contains("expected at least 11 elements, got 10"));
        Assert.That(() => Device.SumTo(mine, new Ncs(1, 2, 5), mine, new Ncs(1, 3, 1)), Throws.ArgumentException);
    }
}
