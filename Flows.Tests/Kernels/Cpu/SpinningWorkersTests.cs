using Flows.Kernels.Cpu;

namespace Flows.Tests.Kernels.Cpu;

/// <summary>The CPU backend's worker pool: every part once, errors reach the caller, nesting and concurrency.</summary>
[NonParallelizable]
public class SpinningWorkersTests
{
    [Test]
    public void RunsEveryPartExactlyOnce([Values(1, 2, 7, 64, 1000)] int parts)
    {
        var counts = new int[parts];
        for (int repeat = 0; repeat < 20; repeat++)
            SpinningWorkers.Run(parts, part => Interlocked.Increment(ref counts[part]));
        Assert.That(counts, Is.All.EqualTo(20));
    }

    [Test]
    public void AnExceptionInAPartReachesTheCallerAndThePoolStillWorks()
    {
        var ex = Assert.Throws<InvalidOperationException>(() =>
            SpinningWorkers.Run(16, part =>
            {
                if (part == 11) throw new InvalidOperationException("part 11 failed");
            }));
        Assert.That(ex!.Message, Is.EqualTo("part 11 failed"));

        int done = 0;
        SpinningWorkers.Run(16, _ => Interlocked.Increment(ref done));
        Assert.That(done, Is.EqualTo(16));
    }

    [Test]
    public void NestedCallsRunInlineWithoutDeadlock()
    {
        var counts = new int[8 * 8];
        SpinningWorkers.Run(8, outer => SpinningWorkers.Run(8, inner => Interlocked.Increment(ref counts[outer * 8 + inner])));
        Assert.That(counts, Is.All.EqualTo(1));
    }

    [Test]
    public void ConcurrentCallersFromSeveralThreadsAllComplete()
    {
        const int callers = 4, calls = 200, parts = 9;
        var totals = new long[callers];
        var threads = Enumerable.Range(0, callers).Select(caller => new Thread(() =>
        {
            for (int call = 0; call < calls; call++)
                SpinningWorkers.Run(parts, part => Interlocked.Add(ref totals[caller], part + 1));
        })).ToList();
        threads.ForEach(t => t.Start());
        Assert.That(threads.All(t => t.Join(TimeSpan.FromSeconds(60))), "a caller did not finish");
        Assert.That(totals, Is.All.EqualTo((long)calls * parts * (parts + 1) / 2));
    }

    [Test]
    public void WorkersWakeAgainAfterSleeping()
    {
        int done = 0;
        SpinningWorkers.Run(4, _ => Interlocked.Increment(ref done));
        Thread.Sleep(50); // longer than the spin window: the workers go to sleep
        SpinningWorkers.Run(4, _ => Interlocked.Increment(ref done));
        Assert.That(done, Is.EqualTo(8));
    }
}
