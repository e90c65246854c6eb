using Flows.Kernels;

namespace Flows.Tests.Kernels.Ilgpu;

/// <summary>Strided convolution and max-pool kernels (ResNet-18's new primitives) against the managed CPU backend.</summary>
public abstract partial class IlgpuKernelTests
{
    private static IEnumerable<TestCaseData> StridedConvCases()
    {
        // batch, cin, h, w, cout, k, padding, stride
        yield return StridedCase("3x3/2 same", 2, 3, 9, 9, 4, 3, 1, 2);
        yield return StridedCase("7x7/2 stem", 1, 3, 11, 10, 4, 7, 3, 2);
        yield return StridedCase("1x1/2 shortcut", 2, 4, 7, 9, 5, 1, 0, 2);
        yield return StridedCase("3x3/3 valid", 1, 2, 10, 11, 3, 3, 0, 3);
        yield return StridedCase("1x1/3 (S > K)", 1, 2, 7, 7, 3, 1, 0, 3);
        yield return StridedCase("5x5/2 padding 2", 1, 3, 8, 8, 2, 5, 2, 2);
    }

    private static TestCaseData StridedCase(string name, int batch, int cin, int h, int w, int cout, int k, int p, int s) =>
        new TestCaseData(new ConvGeometry(batch, cin, h, w, cout, k, p, s)).SetName($"{{c}} strided conv {name}");

    [TestCaseSource(nameof(StridedConvCases))]
    public void StridedConv2dForwardAndBackward(ConvGeometry g)
    {
        var x = Up(g.InputLength, 41);
        var w = Up(g.WeightLength, 42);
        var b = Up(g.OutChannels, 43);
        var dy = Up(g.OutputLength, 44);
        ForEachGemmVersion(version =>
        {
            var y = Poisoned(g.OutputLength);
            Device.Conv2dForward(x.Device, w.Device, b.Device, y.Device, g);
            Reference.Conv2dForward(x.Reference, w.Reference, b.Reference, y.Reference, g);
            Check(y, ReductionTolerance, $"strided conv forward v{version} {g}");

            var dx = Poisoned(g.InputLength);
            Device.Conv2dBackwardData(dy.Device, w.Device, dx.Device, g);
            Reference.Conv2dBackwardData(dy.Reference, w.Reference, dx.Reference, g);
            Check(dx, ReductionTolerance, $"strided conv backward-data v{version} {g}");

            var dw = Poisoned(g.WeightLength);
            Device.Conv2dBackwardWeight(x.Device, dy.Device, dw.Device, g);
            Reference.Conv2dBackwardWeight(x.Reference, dy.Reference, dw.Reference, g);
            Check(dw, ReductionTolerance, $"strided conv backward-weight v{version} {g}");
        });
    }

    [TestCase(2, 2, 0)]
    [TestCase(3, 2, 1)]
    [TestCase(3, 1, 1)]
    [TestCase(2, 1, 0)]
    [TestCase(3, 3, 2)]
    public void MaxPoolForwardAndBackward(int kernel, int stride, int padding)
    {
        var g = new PoolGeometry(2, 3, 7, 8, kernel, stride, padding);
        // Values from {0, 1, 2, 3}: windows are full of ties, so both sides must route to the same first maximum.
        var values = Random(g.InputLength, 45, 0f, 4f).Select(v => MathF.Floor(v)).ToArray();
        var x = Up(values);
        var y = Poisoned(g.OutputLength);
        Device.MaxPool2dForward(x.Device, y.Device, g);
        Reference.MaxPool2dForward(x.Reference, y.Reference, g);
        Check(y, 0, $"maxpool forward {g}");

        var dy = Up(g.OutputLength, 46);
        var dx = Poisoned(g.InputLength);
        Device.MaxPool2dBackward(x.Device, y.Device, dy.Device, dx.Device, g);
        Reference.MaxPool2dBackward(x.Reference, y.Reference, dy.Reference, dx.Reference, g);
        Check(dx, ElementTolerance, $"maxpool backward {g}");
    }

    [Test]
    public void MaxPoolRejectsBadGeometryInOneStyle()
    {
        var big = Up(1000, 47);
        var ex = Assert.Throws<ArgumentException>(() => Device.MaxPool2dForward(big.Device, big.Device, new PoolGeometry(1, 1, 4, 4, 2, 0, 0)));
        Assert.That(ex!.Message, Does.StartWith("MaxPool2dForward: "));
        ex = Assert.Throws<ArgumentException>(() => Device.MaxPool2dForward(big.Device, big.Device, new PoolGeometry(1, 1, 2, 2, 5, 1, 1)));
        Assert.That(ex!.Message, Does.StartWith("MaxPool2dForward: "));
        var g = new PoolGeometry(1, 2, 6, 6, 3, 2, 1);
        var small = Up(g.OutputLength - 1, 48);
        ex = Assert.Throws<ArgumentException>(() => Device.MaxPool2dForward(big.Device, small.Device, g));
        Assert.That(ex!.Message, Does.StartWith("MaxPool2dForward: "));
    }
}
