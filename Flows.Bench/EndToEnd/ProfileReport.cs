namespace Flows.Bench.EndToEnd;

/// <summary>
/// Prints what <see cref="ProfilingBackend"/> recorded, per training step: each op's time, calls, achieved GFLOP/s
/// (arithmetic-bound ops) or GB/s (the rest), the fraction of the matching roof, and the managed bytes allocated
/// inside the calls. A memory-bound op whose buffers fit in the caches can pass 100% of the DRAM roof.
/// </summary>
public static class ProfileReport
{
    public static void Print(ProfilingBackend profiler, int stepsRun, bool perShape, Roof roof)
    {
        stepsRun = Math.Max(stepsRun, 1);
        double all = profiler.Totals.Values.Sum(v => v.Ms);
        long allocated = profiler.Totals.Values.Sum(v => v.Allocated);
        Console.WriteLine($"roof: {roof.Gflops:F1} GFLOP/s, {roof.Gbs:F1} GB/s ({roof.Source})");
        Console.WriteLine($"profile: {all / stepsRun:F1} ms of compute calls per step; {allocated / 1e3 / stepsRun:F1} kB allocated inside them per step");
        Console.WriteLine($"  {"op",-24} {"ms/step",9} {"calls",6} {"share",6} {"achieved",14} {"of roof",7} {"kB alloc",8}");
        foreach (var (op, t) in profiler.Totals.OrderByDescending(kv => kv.Value.Ms))
            Console.WriteLine($"  {op,-24} {t.Ms / stepsRun,9:F1} {t.Calls / stepsRun,6} {100 * t.Ms / all,5:F1}% {Achieved(t),14} {100 * roof.Fraction(t),6:F0}% {t.Allocated / 1e3 / stepsRun,8:F1}");
        if (!perShape) return;
        Console.WriteLine("convolutions by shape (GFLOP/s is wall clock on all threads):");
        foreach (var (shape, t) in profiler.ConvShapes.OrderByDescending(kv => kv.Value.Ms))
            Console.WriteLine($"  {shape,-52} {t.Ms / stepsRun,8:F1} ms/step {t.Calls / stepsRun,4} calls/step {Achieved(t),14} {100 * roof.Fraction(t),4:F0}% of roof");
        Console.WriteLine("element-wise calls by kind and size (top 25):");
        foreach (var (key, t) in profiler.Elementwise.OrderByDescending(kv => kv.Value.Ms).Take(25))
            Console.WriteLine($"  {key,-60} {t.Ms / stepsRun,8:F1} ms/step {t.Calls / stepsRun,4} calls/step {Achieved(t),14} {100 * roof.Fraction(t),4:F0}% of roof");
    }

    private static string Achieved(OpTotals t) => t.IsCompute ? $"{t.Gflops:F1} GFLOP/s" : $"{t.Gbs:F1} GB/s";
}
