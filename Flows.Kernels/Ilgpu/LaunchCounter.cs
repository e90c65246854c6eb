using System.Runtime.CompilerServices;
using ILGPU.Runtime;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// Counts what the ILGPU backend asks of its device: kernel launches, host synchronisations (a wait for the device:
/// Download, SumOfSquares, Synchronize) and uploads. Every loaded kernel is wrapped once by <c>Counted</c>, so a
/// count is exact and costs one interlocked increment per launch. Counts are deterministic, so tests may assert
/// them: they measure the GPU step's launch and synchronisation budget (docs/PERFORMANCE.md).
/// The wrapper also sends every launch to the backend's own stream (<see cref="Stream"/>, never the NULL stream) and,
/// while an <see cref="Interceptor"/> is set, hands it to that instead: a launch trace or a step-graph capture
/// (docs/PERFORMANCE.md, "Streams and CUDA graphs").
/// </summary>
public sealed class LaunchCounter
{
    private static readonly ConditionalWeakTable<Accelerator, LaunchCounter> Counters = new();

    private readonly List<KernelSite> _sites = [];
    private long _launches, _syncs, _uploads, _graphLaunches;

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

    /// <summary>Step graphs launched (a replayed step's kernels run inside the graph and are not in <see cref="Launches"/>).</summary>
    public long GraphLaunches => Interlocked.Read(ref _graphLaunches);

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
    internal void CountGraphLaunch() => Interlocked.Increment(ref _graphLaunches);

    /// <summary>The stream every launch goes to; the backend sets it before it loads a kernel.</summary>
    internal AcceleratorStream? Stream { get; set; }

    /// <summary>While set, every launch is given to it (with a closure that runs it) instead of running at once.</summary>
    internal ILaunchInterceptor? Interceptor { get; set; }

    private AcceleratorStream BoundStream =>
        Stream ?? throw new InvalidOperationException("a kernel was launched before its backend set the stream");

    /// <summary>"accelerator.LoadAutoGroupedKernel&lt;…&gt;(FillKernel)" → "FillKernel": the name a launch trace reports.</summary>
    internal static string KernelName(string expression)
    {
        int open = expression.LastIndexOf('(');
        int close = expression.LastIndexOf(')');
        return open >= 0 && close > open + 1 ? expression[(open + 1)..close] : expression;
    }

    // One wrapper per kernel arity (ILGPU kernels take an index or a KernelConfig, then up to nine arguments). Each binds
    // the backend's stream, counts the launch (in total and per loading site), and, while an interceptor is set (a trace
    // or a capture), hands the launch to it instead; in count-only mode nothing runs. The launch record is built in a
    // separate method so that the ordinary path allocates nothing.
    public Action<T1, T2> Counted<T1, T2>(Action<AcceleratorStream, T1, T2> kernel, [CallerArgumentExpression(nameof(kernel))] string expression = "",
                                   [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        string name = KernelName(expression);
        var site = Site(file, line);
        return (a1, a2) =>
        {
            Interlocked.Increment(ref _launches);
            Interlocked.Increment(ref site.Launches);
            if (Interceptor is { } interceptor) interceptor.Launch(Record(name, kernel, BoundStream, a1, a2));
            else if (!CountOnly) kernel(BoundStream, a1, a2);
        };
    }

    private static KernelLaunch Record<T1, T2>(string name, Action<AcceleratorStream, T1, T2> kernel, AcceleratorStream stream, T1 a1, T2 a2) =>
        new(name, kernel, [a1, a2], () => kernel(stream, a1, a2));

    public Action<T1, T2, T3> Counted<T1, T2, T3>(Action<AcceleratorStream, T1, T2, T3> kernel, [CallerArgumentExpression(nameof(kernel))] string expression = "",
                                   [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        string name = KernelName(expression);
        var site = Site(file, line);
        return (a1, a2, a3) =>
        {
            Interlocked.Increment(ref _launches);
            Interlocked.Increment(ref site.Launches);
            if (Interceptor is { } interceptor) interceptor.Launch(Record(name, kernel, BoundStream, a1, a2, a3));
            else if (!CountOnly) kernel(BoundStream, a1, a2, a3);
        };
    }

    private static KernelLaunch Record<T1, T2, T3>(string name, Action<AcceleratorStream, T1, T2, T3> kernel, AcceleratorStream stream, T1 a1, T2 a2, T3 a3) =>
        new(name, kernel, [a1, a2, a3], () => kernel(stream, a1, a2, a3));

    public Action<T1, T2, T3, T4> Counted<T1, T2, T3, T4>(Action<AcceleratorStream, T1, T2, T3, T4> kernel, [CallerArgumentExpression(nameof(kernel))] string expression = "",
                                   [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        string name = KernelName(expression);
        var site = Site(file, line);
        return (a1, a2, a3, a4) =>
        {
            Interlocked.Increment(ref _launches);
            Interlocked.Increment(ref site.Launches);
            if (Interceptor is { } interceptor) interceptor.Launch(Record(name, kernel, BoundStream, a1, a2, a3, a4));
            else if (!CountOnly) kernel(BoundStream, a1, a2, a3, a4);
        };
    }

    private static KernelLaunch Record<T1, T2, T3, T4>(string name, Action<AcceleratorStream, T1, T2, T3, T4> kernel, AcceleratorStream stream, T1 a1, T2 a2, T3 a3, T4 a4) =>
        new(name, kernel, [a1, a2, a3, a4], () => kernel(stream, a1, a2, a3, a4));

    public Action<T1, T2, T3, T4, T5> Counted<T1, T2, T3, T4, T5>(Action<AcceleratorStream, T1, T2, T3, T4, T5> kernel, [CallerArgumentExpression(nameof(kernel))] string expression = "",
                                   [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        string name = KernelName(expression);
        var site = Site(file, line);
        return (a1, a2, a3, a4, a5) =>
        {
            Interlocked.Increment(ref _launches);
            Interlocked.Increment(ref site.Launches);
            if (Interceptor is { } interceptor) interceptor.Launch(Record(name, kernel, BoundStream, a1, a2, a3, a4, a5));
            else if (!CountOnly) kernel(BoundStream, a1, a2, a3, a4, a5);
        };
    }

    private static KernelLaunch Record<T1, T2, T3, T4, T5>(string name, Action<AcceleratorStream, T1, T2, T3, T4, T5> kernel, AcceleratorStream stream, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5) =>
        new(name, kernel, [a1, a2, a3, a4, a5], () => kernel(stream, a1, a2, a3, a4, a5));

    public Action<T1, T2, T3, T4, T5, T6> Counted<T1, T2, T3, T4, T5, T6>(Action<AcceleratorStream, T1, T2, T3, T4, T5, T6> kernel, [CallerArgumentExpression(nameof(kernel))] string expression = "",
                                   [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        string name = KernelName(expression);
        var site = Site(file, line);
        return (a1, a2, a3, a4, a5, a6) =>
        {
            Interlocked.Increment(ref _launches);
            Interlocked.Increment(ref site.Launches);
            if (Interceptor is { } interceptor) interceptor.Launch(Record(name, kernel, BoundStream, a1, a2, a3, a4, a5, a6));
            else if (!CountOnly) kernel(BoundStream, a1, a2, a3, a4, a5, a6);
        };
    }

    private static KernelLaunch Record<T1, T2, T3, T4, T5, T6>(string name, Action<AcceleratorStream, T1, T2, T3, T4, T5, T6> kernel, AcceleratorStream stream, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6) =>
        new(name, kernel, [a1, a2, a3, a4, a5, a6], () => kernel(stream, a1, a2, a3, a4, a5, a6));

    public Action<T1, T2, T3, T4, T5, T6, T7> Counted<T1, T2, T3, T4, T5, T6, T7>(Action<AcceleratorStream, T1, T2, T3, T4, T5, T6, T7> kernel, [CallerArgumentExpression(nameof(kernel))] string expression = "",
                                   [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        string name = KernelName(expression);
        var site = Site(file, line);
        return (a1, a2, a3, a4, a5, a6, a7) =>
        {
            Interlocked.Increment(ref _launches);
            Interlocked.Increment(ref site.Launches);
            if (Interceptor is { } interceptor) interceptor.Launch(Record(name, kernel, BoundStream, a1, a2, a3, a4, a5, a6, a7));
            else if (!CountOnly) kernel(BoundStream, a1, a2, a3, a4, a5, a6, a7);
        };
    }

    private static KernelLaunch Record<T1, T2, T3, T4, T5, T6, T7>(string name, Action<AcceleratorStream, T1, T2, T3, T4, T5, T6, T7> kernel, AcceleratorStream stream, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7) =>
        new(name, kernel, [a1, a2, a3, a4, a5, a6, a7], () => kernel(stream, a1, a2, a3, a4, a5, a6, a7));

    public Action<T1, T2, T3, T4, T5, T6, T7, T8> Counted<T1, T2, T3, T4, T5, T6, T7, T8>(Action<AcceleratorStream, T1, T2, T3, T4, T5, T6, T7, T8> kernel, [CallerArgumentExpression(nameof(kernel))] string expression = "",
                                   [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        string name = KernelName(expression);
        var site = Site(file, line);
        return (a1, a2, a3, a4, a5, a6, a7, a8) =>
        {
            Interlocked.Increment(ref _launches);
            Interlocked.Increment(ref site.Launches);
            if (Interceptor is { } interceptor) interceptor.Launch(Record(name, kernel, BoundStream, a1, a2, a3, a4, a5, a6, a7, a8));
            else if (!CountOnly) kernel(BoundStream, a1, a2, a3, a4, a5, a6, a7, a8);
        };
    }

    private static KernelLaunch Record<T1, T2, T3, T4, T5, T6, T7, T8>(string name, Action<AcceleratorStream, T1, T2, T3, T4, T5, T6, T7, T8> kernel, AcceleratorStream stream, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8) =>
        new(name, kernel, [a1, a2, a3, a4, a5, a6, a7, a8], () => kernel(stream, a1, a2, a3, a4, a5, a6, a7, a8));

    public Action<T1, T2, T3, T4, T5, T6, T7, T8, T9> Counted<T1, T2, T3, T4, T5, T6, T7, T8, T9>(Action<AcceleratorStream, T1, T2, T3, T4, T5, T6, T7, T8, T9> kernel, [CallerArgumentExpression(nameof(kernel))] string expression = "",
                                   [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        string name = KernelName(expression);
        var site = Site(file, line);
        return (a1, a2, a3, a4, a5, a6, a7, a8, a9) =>
        {
            Interlocked.Increment(ref _launches);
            Interlocked.Increment(ref site.Launches);
            if (Interceptor is { } interceptor) interceptor.Launch(Record(name, kernel, BoundStream, a1, a2, a3, a4, a5, a6, a7, a8, a9));
            else if (!CountOnly) kernel(BoundStream, a1, a2, a3, a4, a5, a6, a7, a8, a9);
        };
    }

    private static KernelLaunch Record<T1, T2, T3, T4, T5, T6, T7, T8, T9>(string name, Action<AcceleratorStream, T1, T2, T3, T4, T5, T6, T7, T8, T9> kernel, AcceleratorStream stream, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9) =>
        new(name, kernel, [a1, a2, a3, a4, a5, a6, a7, a8, a9], () => kernel(stream, a1, a2, a3, a4, a5, a6, a7, a8, a9));

    public Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> Counted<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10>(Action<AcceleratorStream, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> kernel, [CallerArgumentExpression(nameof(kernel))] string expression = "",
                                   [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        string name = KernelName(expression);
        var site = Site(file, line);
        return (a1, a2, a3, a4, a5, a6, a7, a8, a9, a10) =>
        {
            Interlocked.Increment(ref _launches);
            Interlocked.Increment(ref site.Launches);
            if (Interceptor is { } interceptor) interceptor.Launch(Record(name, kernel, BoundStream, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10));
            else if (!CountOnly) kernel(BoundStream, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10);
        };
    }

    private static KernelLaunch Record<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10>(string name, Action<AcceleratorStream, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> kernel, AcceleratorStream stream, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10) =>
        new(name, kernel, [a1, a2, a3, a4, a5, a6, a7, a8, a9, a10], () => kernel(stream, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10));
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
