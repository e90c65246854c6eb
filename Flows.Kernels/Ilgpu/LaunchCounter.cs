using System.Runtime.CompilerServices;
using ILGPU.Runtime;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// Counts what the ILGPU backend asks of its device: kernel launches, host synchronisations (a wait for the device:
/// Download, SumOfSquares, Synchronize) and uploads. Every loaded kernel is wrapped once by <c>Counted</c>, so a
/// count is exact and costs one interlocked increment per launch. Counts are deterministic, so tests may assert
/// them: they measure the GPU step's launch and synchronisation budget (docs/PERFORMANCE.md).
/// </summary>
public sealed class LaunchCounter
{
    private static readonly ConditionalWeakTable<Accelerator, LaunchCounter> Counters = new();

    private readonly List<KernelSite> _sites = [];
    private long _launches, _syncs, _uploads;

    /// <summary>The counter of one accelerator (each backend owns one accelerator).</summary>
    public static LaunchCounter For(Accelerator accelerator) => Counters.GetValue(accelerator, static _ => new LaunchCounter());

    /// <summary>
    /// Count launches without running them (the buffers keep what they held). Launch and synchronisation counts depend
    /// on the layer structure, not on the values (LaunchBudgetTests shows both modes agree), so a paper-size layout can
    /// be counted in seconds where the simulator would take minutes.
    /// </summary>
    public bool CountOnly { get; set; }

    public long Launches => Interlocked.Read(ref _launches);
    public long HostSyncs => Interlocked.Read(ref _syncs);
    public long Uploads => Interlocked.Read(ref _uploads);

    /// <summary>The counts now, to subtract from a later snapshot.</summary>
    public LaunchCounts Snapshot() => new(Launches, HostSyncs, Uploads);

    /// <summary>Launches so far per loading site ("File.cs:line", the line that loaded the kernel), most first.</summary>
    public IReadOnlyList<(string Site, long Launches)> BySite()
    {
        lock (_sites)
            return _sites.GroupBy(s => s.Name).Select(g => (g.Key, g.Sum(s => Interlocked.Read(ref s.Launches))))
                         .Where(s => s.Item2 > 0).OrderByDescending(s => s.Item2).ThenBy(s => s.Key, StringComparer.Ordinal).ToList();
    }

    private KernelSite Site(string file, int line)
    {
        var site = new KernelSite($"{Path.GetFileName(file)}:{line}");
        lock (_sites) _sites.Add(site);
        return site;
    }

    internal void CountSync() => Interlocked.Increment(ref _syncs);
    internal void CountUpload() => Interlocked.Increment(ref _uploads);

    // One wrapper per kernel arity (ILGPU kernels take an index or a KernelConfig, then up to nine arguments).
    public Action<T1, T2> Counted<T1, T2>(Action<T1, T2> kernel, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var site = Site(file, line);
        return (a1, a2) => { Interlocked.Increment(ref _launches); Interlocked.Increment(ref site.Launches); if (!CountOnly) kernel(a1, a2); };
    }
    public Action<T1, T2, T3> Counted<T1, T2, T3>(Action<T1, T2, T3> kernel, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var site = Site(file, line);
        return (a1, a2, a3) => { Interlocked.Increment(ref _launches); Interlocked.Increment(ref site.Launches); if (!CountOnly) kernel(a1, a2, a3); };
    }
    public Action<T1, T2, T3, T4> Counted<T1, T2, T3, T4>(Action<T1, T2, T3, T4> kernel, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var site = Site(file, line);
        return (a1, a2, a3, a4) => { Interlocked.Increment(ref _launches); Interlocked.Increment(ref site.Launches); if (!CountOnly) kernel(a1, a2, a3, a4); };
    }
    public Action<T1, T2, T3, T4, T5> Counted<T1, T2, T3, T4, T5>(Action<T1, T2, T3, T4, T5> kernel, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var site = Site(file, line);
        return (a1, a2, a3, a4, a5) => { Interlocked.Increment(ref _launches); Interlocked.Increment(ref site.Launches); if (!CountOnly) kernel(a1, a2, a3, a4, a5); };
    }
    public Action<T1, T2, T3, T4, T5, T6> Counted<T1, T2, T3, T4, T5, T6>(Action<T1, T2, T3, T4, T5, T6> kernel, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var site = Site(file, line);
        return (a1, a2, a3, a4, a5, a6) => { Interlocked.Increment(ref _launches); Interlocked.Increment(ref site.Launches); if (!CountOnly) kernel(a1, a2, a3, a4, a5, a6); };
    }
    public Action<T1, T2, T3, T4, T5, T6, T7> Counted<T1, T2, T3, T4, T5, T6, T7>(Action<T1, T2, T3, T4, T5, T6, T7> kernel, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var site = Site(file, line);
        return (a1, a2, a3, a4, a5, a6, a7) => { Interlocked.Increment(ref _launches); Interlocked.Increment(ref site.Launches); if (!CountOnly) kernel(a1, a2, a3, a4, a5, a6, a7); };
    }
    public Action<T1, T2, T3, T4, T5, T6, T7, T8> Counted<T1, T2, T3, T4, T5, T6, T7, T8>(Action<T1, T2, T3, T4, T5, T6, T7, T8> kernel, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var site = Site(file, line);
        return (a1, a2, a3, a4, a5, a6, a7, a8) => { Interlocked.Increment(ref _launches); Interlocked.Increment(ref site.Launches); if (!CountOnly) kernel(a1, a2, a3, a4, a5, a6, a7, a8); };
    }
    public Action<T1, T2, T3, T4, T5, T6, T7, T8, T9> Counted<T1, T2, T3, T4, T5, T6, T7, T8, T9>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9> kernel, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var site = Site(file, line);
        return (a1, a2, a3, a4, a5, a6, a7, a8, a9) => { Interlocked.Increment(ref _launches); Interlocked.Increment(ref site.Launches); if (!CountOnly) kernel(a1, a2, a3, a4, a5, a6, a7, a8, a9); };
    }
    public Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> Counted<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> kernel, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var site = Site(file, line);
        return (a1, a2, a3, a4, a5, a6, a7, a8, a9, a10) => { Interlocked.Increment(ref _launches); Interlocked.Increment(ref site.Launches); if (!CountOnly) kernel(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10); };
    }
}

internal sealed class KernelSite(string name)
{
    public readonly string Name = name;
    public long Launches;
}

/// <summary>Launches, host synchronisations and uploads; differences of two snapshots measure a piece of work.</summary>
public readonly record struct LaunchCounts(long Launches, long HostSyncs, long Uploads)
{
    public static LaunchCounts operator -(LaunchCounts a, LaunchCounts b) =>
        new(a.Launches - b.Launches, a.HostSyncs - b.HostSyncs, a.Uploads - b.Uploads);
}
