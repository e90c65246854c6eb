using Flows.Kernels;
using Flows.Kernels.Ilgpu;

namespace Flows.Tests.Memory;

/// <summary>The ILGPU pool (on ILGPU's CPU accelerator) keeps the same size classes, bound and trim as the CPU pool.</summary>
[TestFixture]
public sealed class IlgpuBufferPoolTests
{
    [Test]
    public void SizeClassesBoundAndTrimOnTheDevice()
    {
        using var device = IlgpuBackend.CreateCpuSimulator();
        var first = device.Allocate(1234);
        device.Fill(first, 2f);
        first.Dispose();
        using (var second = device.Allocate(1250))
        {
            Assert.That(device.AllocationCount, Is.EqualTo(1), "1250 is served by the 1234's buffer (class 1280)");
            Assert.That(second.Length, Is.EqualTo(1250));
            device.Fill(second, 3f);
            var back = new float[1250];
            device.Download(second, back);
            Assert.That(back, Is.All.EqualTo(3f));
        }

        device.PoolRetainLimitBytes = 64 * 1024;
        // Buffers of 4 to 32 KiB in eight classes, one live at a time: twice the peak (32 KiB) is the bound, which rules.
        foreach (int i in Enumerable.Range(1, 8)) device.Allocate(1000 * i).Dispose();
        var s = device.PoolStatistics;
        Assert.That(s.LiveBytes, Is.Zero);
        Assert.That(s.FreeBytes, Is.LessThanOrEqualTo(64 * 1024).And.GreaterThan(0));
        device.TrimPool();
        Assert.That(device.PoolStatistics.FreeBytes, Is.Zero);
        int allocations = device.AllocationCount;
        using (device.Allocate(8000)) { }
        Assert.That(device.AllocationCount, Is.EqualTo(allocations + 1), "a trimmed pool allocates again");
    }
}
