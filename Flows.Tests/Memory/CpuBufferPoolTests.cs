using Flows.Kernels;
using Flows.Kernels.Cpu;

namespace Flows.Tests.Memory;

/// <summary>The CPU pool: nearby lengths share arrays, free bytes stay under the bound, Trim lets them go, counters add up.</summary>
[TestFixture]
public sealed class CpuBufferPoolTests
{
    private const long MiB = 1 << 20;

    [Test]
    public void LengthsOfOneSizeClassShareAnArray()
    {
        using var backend = new ManagedCpuBackend();
        var first = (CpuBuffer)backend.Allocate(1234);
        var array = first.Array;
        Assert.That(array, Has.Length.EqualTo(1280));
        first.Dispose();
        var second = (CpuBuffer)backend.Allocate(1250);
        Assert.That(second.Array, Is.SameAs(array));
        Assert.That(second.Length, Is.EqualTo(1250));
        Assert.That(second.Span.Length, Is.EqualTo(1250));
        using var third = (CpuBuffer)backend.Allocate(1281);
        Assert.That(third.Array, Is.Not.SameAs(array), "1281 is in the next class");
        second.Dispose();
        Assert.That(backend.PoolStatistics.Allocations, Is.EqualTo(2));
    }

    [Test]
    public void ABurstLeavesAtMostTheBoundInThePool()
    {
        using var backend = new ManagedCpuBackend { PoolRetainLimitBytes = 1 * MiB };
        // 40 sizes, one live at a time (~13 MiB in all): the peak stays far below the bound, so the bound rules.
        var sizes = Enumerable.Range(0, 40).Select(i => 65536 + 1000 * i).ToList();
        foreach (int n in sizes) backend.Allocate(n).Dispose();
        var after = backend.PoolStatistics;
        Assert.That(after.LiveBytes, Is.Zero);
        Assert.That(after.PeakLiveBytes, Is.EqualTo(4L * BufferSizeClasses.Capacity(sizes[^1])));
        Assert.That(after.FreeBytes, Is.LessThanOrEqualTo(1 * MiB).And.GreaterThan(0));
        Assert.That(after.Released, Is.EqualTo(after.Allocations - after.FreeBuffers));
        backend.ResetPeakLiveBytes();
        Assert.That(backend.PoolStatistics.PeakLiveBytes, Is.Zero);
    }

    [Test]
    public void AWorkingSetLargerThanTheBoundIsKeptSoALoopAllocatesOnlyOnce()
    {
        // Five passes of a 13 MiB working set (40 buffers live at once) under a 1 MiB bound: the bound yields to twice
        // the peak live bytes, so passes after the first find every buffer they returned (no evict-and-reallocate).
        using var backend = new ManagedCpuBackend { PoolRetainLimitBytes = 1 * MiB };
        long allocationsAfterFirst = 0;
        for (int pass = 0; pass < 5; pass++)
        {
            var burst = Enumerable.Range(0, 40).Select(i => backend.Allocate(65536 + 1000 * i)).ToList();
            foreach (var b in burst) b.Dispose();
            if (pass == 0) allocationsAfterFirst = backend.PoolStatistics.Allocations;
        }
        var s = backend.PoolStatistics;
        Assert.That(s.Allocations, Is.EqualTo(allocationsAfterFirst).And.EqualTo(40));
        Assert.That(s.Released, Is.Zero);
        Assert.That(s.FreeBytes, Is.LessThanOrEqualTo(2 * s.PeakLiveBytes));
        backend.TrimPool();
        Assert.That(backend.PoolStatistics.FreeBytes, Is.Zero, "a trim still lets everything go");
    }

    [Test]
    public void TrimEmptiesThePoolAndLoweringTheBoundTrimsToIt()
    {
        using var backend = new ManagedCpuBackend();
        var buffers = Enumerable.Range(1, 10).Select(i => backend.Allocate(i * 10000)).ToList();
        foreach (var b in buffers) b.Dispose();
        long free = backend.PoolStatistics.FreeBytes;
        Assert.That(free, Is.EqualTo(buffers.Sum(b => 4L * BufferSizeClasses.Capacity(b.Length))));
        backend.PoolRetainLimitBytes = free / 2;
        Assert.That(backend.PoolStatistics.FreeBytes, Is.LessThanOrEqualTo(free / 2).And.GreaterThan(0));
        backend.TrimPool();
        Assert.That(backend.PoolStatistics.FreeBytes, Is.Zero);
        Assert.That(backend.PooledBufferCount, Is.Zero);
        Assert.That(backend.PoolStatistics.Released, Is.EqualTo(10));
        Assert.Throws<ArgumentOutOfRangeException>(() => backend.PoolRetainLimitBytes = -1);
    }

    [Test]
    public void SteadyStateServesEveryRequestFromThePool()
    {
        using var backend = new ManagedCpuBackend();
        void Round()
        {
            using var a = backend.Allocate(1000);
            using var b = backend.Allocate(1010); // the same class as a, a second array
            using var c = backend.Allocate(70000);
        }
        Round();
        long allocations = backend.PoolStatistics.Allocations;
        Assert.That(allocations, Is.EqualTo(3));
        for (int i = 0; i < 5; i++) Round();
        Assert.That(backend.PoolStatistics.Allocations, Is.EqualTo(allocations));
    }

    [Test]
    public void ConcurrentRentAndReturnKeepTheCountersExact()
    {
        using var backend = new ManagedCpuBackend();
        Parallel.For(0, 8, worker =>
        {
            for (int i = 0; i < 500; i++)
            {
                using var a = backend.Allocate(100 + (worker * 37 + i) % 3000);
                using var b = backend.Allocate(5000);
            }
        });
        var s = backend.PoolStatistics;
        Assert.That(s.LiveBytes, Is.Zero);
        Assert.That(s.FreeBuffers, Is.EqualTo(backend.PooledBufferCount));
        Assert.That(s.FreeBytes, Is.GreaterThan(0).And.LessThanOrEqualTo(s.RetainLimitBytes));
    }
}
