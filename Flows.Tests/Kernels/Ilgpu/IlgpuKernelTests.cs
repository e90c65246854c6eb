using Flows.Kernels;
using Flows.Kernels.Cases;

namespace Flows.Tests.Kernels.Ilgpu;

/// <summary>Every IComputeBackend op of IlgpuBackend against the managed CPU backend, on small random shapes.</summary>
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
    public void HighwayGateForwardAndBackward()
    {
        const int count = 83;
        var a = Up(count, 11);
        var t = Up(count, 12, -5f, 5f);
        var h = Up(count, 13);
        var y = Poisoned(count);
        Device.HighwayGate(a.Device, t.Device, h.Device, y.Device, count);
        Reference.HighwayGate(a.Reference, t.Reference, h.Reference, y.Reference, count);
        Check(y, ElementTolerance, "highway gate");

        var dy = Up(count, 14);
        var da = Poisoned(count);
        var dt = Poisoned(count);
        var dh = Poisoned(count);
        Device.HighwayGateBackward(a.Device, t.Device, h.Device, dy.Device, da.Device, dt.Device, dh.Device, count);
        Reference.HighwayGateBackward(a.Reference, t.Reference, h.Reference, dy.Reference, da.Reference, dt.Reference, dh.Reference, count);
        Check(da, ElementTolerance, "highway gate da");
        Check(dt, ElementTolerance, "highway gate dt");
        Check(dh, ElementTolerance, "highway gate dh");
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

    [Test]
    public void SqueezeAndUnsqueeze()
    {
        const int n = 2, c = 3, h = 4, w = 6;
        var x = Up(n * c * h * w, 13);
        var y = Poisoned(x.Length);
        Device.Squeeze2x2(x.Device, y.Device, n, c, h, w);
        Reference.Squeeze2x2(x.Reference, y.Reference, n, c, h, w);
        Check(y, 0, "squeeze");
        var back = Poisoned(x.Length);
        Device.Unsqueeze2x2(y.Device, back.Device, n, c, h, w);
        Reference.Unsqueeze2x2(y.Reference, back.Reference, n, c, h, w);
        Check(back, 0, "unsqueeze");
        Check(new DevicePair(back.Device, x.Reference, x.Length), 0, "unsqueeze inverts squeeze");
    }

    // ---- dense linear algebra -----------------------------------------------------------------------------

    [TestCase(false, false, false)]
    [TestCase(true, false, false)]
    [TestCase(false, true, false)]
    [TestCase(true, true, false)]
    [TestCase(false, false, true)]
    public void MatMul(bool transposeA, bool transposeB, bool accumulate)
    {
        const int m = 5, k = 19, n = 60;
        var a = Up(m * k, 14);
        var b = Up(k * n, 15);
        ForEachGemmVersion(version =>
        {
            var c = accumulate ? Up(m * n, 16) : Poisoned(m * n);
            Device.MatMul(a.Device, b.Device, c.Device, m, k, n, transposeA, transposeB, accumulate);
            Reference.MatMul(a.Reference, b.Reference, c.Reference, m, k, n, transposeA, transposeB, accumulate);
            Check(c, ReductionTolerance, $"matmul v{version} tA={transposeA} tB={transposeB} acc={accumulate}");
        });
    }

    [TestCase(3, true)]
    [TestCase(3, false)]
    [TestCase(1, true)]
    [TestCase(5, false)]
    public void Conv2dForwardAndBackward(int kernel, bool bias)
    {
        var g = ConvGeometry.Same(2, 3, 5, 7, 4, kernel);
        var x = Up(g.InputLength, 17);
        var w = Up(g.WeightLength, 18);
        var b = Up(g.OutChannels, 19);
        var dy = Up(g.OutputLength, 20);
        ForEachGemmVersion(version =>
        {
            var y = Poisoned(g.OutputLength);
            Device.Conv2dForward(x.Device, w.Device, bias ? b.Device : null, y.Device, g);
            Reference.Conv2dForward(x.Reference, w.Reference, bias ? b.Reference : null, y.Reference, g);
            Check(y, ReductionTolerance, $"conv forward v{version} {g}");

            var dx = Poisoned(g.InputLength);
            Device.Conv2dBackwardData(dy.Device, w.Device, dx.Device, g);
            Reference.Conv2dBackwardData(dy.Reference, w.Reference, dx.Reference, g);
            Check(dx, ReductionTolerance, $"conv backward-data v{version} {g}");

            var dw = Poisoned(g.WeightLength);
            Device.Conv2dBackwardWeight(x.Device, dy.Device, dw.Device, g);
            Reference.Conv2dBackwardWeight(x.Reference, dy.Reference, dw.Reference, g);
            Check(dw, ReductionTolerance, $"conv backward-weight v{version} {g}");
        });
    }

    [Test]
    public void Conv2dBackwardWeightWithSplitK()
    {
        int saved = Device.SplitTargetGroups;
        try
        {
            Device.SplitTargetGroups = 8;
            var g = ConvGeometry.Same(2, 2, 6, 11, 3, 3);
            var x = Up(g.InputLength, 21);
            var dy = Up(g.OutputLength, 22);
            var dw = Poisoned(g.WeightLength);
            Device.Conv2dBackwardWeight(x.Device, dy.Device, dw.Device, g);
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

    [TestCase(false)]
    [TestCase(true)]
    public void Conv1x1(bool transpose)
    {
        var shape = new Ncs(2, 4, 9);
        var x = Up(shape.Length, 26);
        var w = Up(16, 27);
        ForEachGemmVersion(version =>
        {
            var y = Poisoned(shape.Length);
            Device.Conv1x1(x.Device, w.Device, y.Device, shape, transpose);
            Reference.Conv1x1(x.Reference, w.Reference, y.Reference, shape, transpose);
            Check(y, ReductionTolerance, $"conv1x1 v{version} transpose={transpose}");
        });
    }

    // ---- normalization and flow layers --------------------------------------------------------------------

    [TestCase(true, false)]
    [TestCase(false, false)]
    [TestCase(true, true)]
    [TestCase(false, true)]
    public void BatchNorm(bool batchStatistics, bool relu)
    {
        var shape = new Ncs(3, 4, 6);
        var x = Up(shape.Length, 28, -2f, 3f);
        var mean = Up(4, 29);
        var invStd = Up(4, 30, 0.5f, 2f);
        var gamma = Up(4, 31, 0.5f, 1.5f);
        var beta = Up(4, 32);
        var y = Poisoned(shape.Length);
        Device.BatchNormApply(x.Device, mean.Device, invStd.Device, gamma.Device, beta.Device, y.Device, shape, relu);
        Reference.BatchNormApply(x.Reference, mean.Reference, invStd.Reference, gamma.Reference, beta.Reference, y.Reference, shape, relu);
        Check(y, ElementTolerance, "batchnorm apply");
        // The fused ReLU's mask comes from one output (the reference's), so both sides mask the same elements.
        var yRef = new float[shape.Length];
        Reference.Download(y.Reference, yRef);
        var yShared = Up(yRef);

        var dy = Up(shape.Length, 33);
        var dx = Poisoned(shape.Length);
        var dgamma = Poisoned(4);
        var dbeta = Poisoned(4);
        Device.BatchNormBackward(x.Device, mean.Device, invStd.Device, gamma.Device, dy.Device, dx.Device, dgamma.Device, dbeta.Device, shape, batchStatistics,
                                 relu ? yShared.Device : null);
        Reference.BatchNormBackward(x.Reference, mean.Reference, invStd.Reference, gamma.Reference, dy.Reference, dx.Reference, dgamma.Reference, dbeta.Reference, shape, batchStatistics,
                                    relu ? yShared.Reference : null);
        Check(dx, ReductionTolerance, "batchnorm dx");
        Check(dgamma, ReductionTolerance, "batchnorm dgamma");
        Check(dbeta, ReductionTolerance, "batchnorm dbeta");
    }

    [TestCase(true)]
    [TestCase(false)]
    public void Coupling(bool masked)
    {
        var shape = new Ncs(3, 2, 10);
        var x = Up(shape.Length, 34);
        var raw = Up(shape.Length, 35, -2f, 2f);
        var t = Up(shape.Length, 36);
        var scale = Up(shape.C, 37, 0.5f, 1.5f);
        var mask = masked ? Up(Enumerable.Range(0, shape.C * shape.S).Select(i => (float)((i + i / 5) % 2)).ToArray()) : null;

        var y = Poisoned(shape.Length);
        var logdet = Poisoned(shape.N);
        Device.CouplingForward(x.Device, raw.Device, t.Device, scale.Device, mask?.Device, y.Device, logdet.Device, shape);
        Reference.CouplingForward(x.Reference, raw.Reference, t.Reference, scale.Reference, mask?.Reference, y.Reference, logdet.Reference, shape);
        Check(y, ElementTolerance, "coupling forward y");
        Check(logdet, ReductionTolerance, "coupling forward logdet");

        var xBack = Poisoned(shape.Length);
        var logdetInverse = Poisoned(shape.N);
        Device.CouplingInverse(y.Device, raw.Device, t.Device, scale.Device, mask?.Device, xBack.Device, logdetInverse.Device, shape);
        Reference.CouplingInverse(y.Reference, raw.Reference, t.Reference, scale.Reference, mask?.Reference, xBack.Reference, logdetInverse.Reference, shape);
        Check(xBack, ElementTolerance, "coupling inverse x");
        Check(logdetInverse, ReductionTolerance, "coupling inverse logdet");

        var dy = Up(shape.Length, 38);
        var dlogdet = Up(shape.N, 39);
        var dx = Poisoned(shape.Length);
        var draw = Poisoned(shape.Length);
        var dt = Poisoned(shape.Length);
        var dscale = Poisoned(shape.C);
        Device.CouplingBackward(x.Device, raw.Device, t.Device, scale.Device, mask?.Device, dy.Device, dlogdet.Device,
                                dx.Device, draw.Device, dt.Device, dscale.Device, shape);
        Reference.CouplingBackward(x.Reference, raw.Reference, t.Reference, scale.Reference, mask?.Reference, dy.Reference, dlogdet.Reference,
                                   dx.Reference, draw.Reference, dt.Reference, dscale.Reference, shape);
        Check(dx, ElementTolerance, "coupling dx");
        Check(draw, ElementTolerance, "coupling draw");
        Check(dt, ElementTolerance, "coupling dt");
        Check(dscale, ReductionTolerance, "coupling dscale");
    }

    [Test]
    public void ActNorm()
    {
        var shape = new Ncs(3, 4, 7);
        var x = Up(shape.Length, 40);
        var bias = Up(4, 41);
        var logScale = Up(4, 42, -0.5f, 0.5f);
        var y = Poisoned(shape.Length);
        Device.ActNormForward(x.Device, bias.Device, logScale.Device, y.Device, shape);
        Reference.ActNormForward(x.Reference, bias.Reference, logScale.Reference, y.Reference, shape);
        Check(y, ElementTolerance, "actnorm forward");

        var back = Poisoned(shape.Length);
        Device.ActNormInverse(y.Device, bias.Device, logScale.Device, back.Device, shape);
        Reference.ActNormInverse(y.Reference, bias.Reference, logScale.Reference, back.Reference, shape);
        Check(back, ElementTolerance, "actnorm inverse");

        var dy = Up(shape.Length, 43);
        var dx = Poisoned(shape.Length);
        var dbias = Poisoned(4);
        var dlogScale = Poisoned(4);
        Device.ActNormBackward(x.Device, bias.Device, logScale.Device, dy.Device, dx.Device, dbias.Device, dlogScale.Device, shape);
        Reference.ActNormBackward(x.Reference, bias.Reference, logScale.Reference, dy.Reference, dx.Reference, dbias.Reference, dlogScale.Reference, shape);
        Check(dx, ElementTolerance, "actnorm dx");
        Check(dbias, ReductionTolerance, "actnorm dbias");
        Check(dlogScale, ReductionTolerance, "actnorm dlogScale");
    }

    // ---- optimizers and random numbers --------------------------------------------------------------------

    [TestCase(1, 0f)]
    [TestCase(3, 0.01f)]
    public void Adam(int step, float weightDecay)
    {
        const int count = 70;
        var parameter = Up(count, 44);
        var gradient = Up(count, 45);
        var m = Up(count, 46, -0.1f, 0.1f);
        var v = Up(count, 47, 0f, 0.01f);
        var settings = new AdamSettings(1e-3f, 0.9f, 0.999f, 1e-8f, weightDecay, step);
        Device.AdamStep(parameter.Device, gradient.Device, m.Device, v.Device, count, settings);
        Reference.AdamStep(parameter.Reference, gradient.Reference, m.Reference, v.Reference, count, settings);
        Check(parameter, ElementTolerance, "adam parameter");
        Check(m, ElementTolerance, "adam m");
        Check(v, ElementTolerance, "adam v");
    }

    [Test]
    public void RmsProp()
    {
        const int count = 70;
        var parameter = Up(count, 48);
        var gradient = Up(count, 49);
        var square = Up(count, 50, 0f, 0.01f);
        var settings = new RmsPropSettings(1e-3f, 0.99f, 1e-8f, 0.001f);
        Device.RmsPropStep(parameter.Device, gradient.Device, square.Device, count, settings);
        Reference.RmsPropStep(parameter.Reference, gradient.Reference, square.Reference, count, settings);
        Check(parameter, ElementTolerance, "rmsprop parameter");
        Check(square, ElementTolerance, "rmsprop square average");
    }

    [TestCase(0UL)]
    [TestCase(1UL << 35)]
    public void RandomStreamsMatchTheReference(ulong offset)
    {
        const int count = 99;
        var uniform = Poisoned(count);
        Device.FillUniform(uniform.Device, count, 1234, offset);
        Reference.FillUniform(uniform.Reference, count, 1234, offset);
        Check(uniform, 0, "uniform");
        var normal = Poisoned(count);
        Device.FillNormal(normal.Device, count, 1234, offset);
        Reference.FillNormal(normal.Reference, count, 1234, offset);
        Check(normal, ElementTolerance, "normal");
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
