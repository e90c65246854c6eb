extern alias bench;
using bench::Flows.Bench.Gpu;

namespace Flows.Tests.Kernels;

/// <summary>gpu-check's side-by-side table of kernel versions (what the device check reads for v1 vs v2 vs v3).</summary>
[TestFixture]
public sealed class ConvV3GpuCheckTests
{
    private static GpuCheckRow Row(string kernel, int version, string shape, double ms, bool pass = true) =>
        new(kernel, version, shape, 0, 1e-4, pass, ms, 0, 0, null);

    [Test]
    public void VersionsOfOneKernelAndShapeAreComparedAgainstV2()
    {
        var rows = new[]
        {
            Row("conv2d forward", 1, "b64 64→64 28x28 k3", 8.0),
            Row("conv2d forward", 2, "b64 64→64 28x28 k3", 2.0),
            Row("conv2d forward", 3, "b64 64→64 28x28 k3", 0.5),
            Row("conv2d forward", 2, "b32 200→200 7x7 k3", 1.0),
            Row("conv2d forward", 3, "b32 200→200 7x7 k3", 4.0, pass: false),
            Row("adam step", 0, "n 3001", 0.1),
            Row("conv2d forward", 3, "b1 64→64 6x6 k3", 0.2),
        };
        var comparisons = GpuCheckVersions.Compare(rows);
        Assert.That(comparisons.Select(c => c.Shape), Is.EqualTo(new[] { "b64 64→64 28x28 k3", "b32 200→200 7x7 k3" }),
                    "only kernels measured under more than one version");
        Assert.That(comparisons[0].SpeedupOverV2(3), Is.EqualTo(4.0));
        Assert.That(comparisons[0].SpeedupOverV2(1), Is.EqualTo(0.25));
        Assert.That(comparisons[1].SpeedupOverV2(3), Is.Null, "a failed version gets no speed");
        Assert.That(GpuCheckVersions.Format(comparisons[0]), Does.Contain("4.00×").And.Contain("0.500"));
        Assert.That(GpuCheckVersions.Format(comparisons[1]), Does.Contain("FAIL"));
        Assert.That(GpuCheckVersions.Markdown(comparisons).Count(), Is.EqualTo(2 + comparisons.Count));
    }
}
