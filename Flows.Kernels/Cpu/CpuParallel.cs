namespace Flows.Kernels.Cpu;

/// <summary>
/// Range-parallel loops that stay serial for small work: the engine issues many tiny ops, where handing work
/// to another thread costs more than the op itself. Parallel parts run on <see cref="SpinningWorkers"/>.
/// </summary>
internal static class CpuParallel
{
    /// <summary>Below this many elementary operations a loop runs inline on the calling thread.</summary>
    public const long SerialThreshold = 1 << 15;

    public static int Workers => Environment.ProcessorCount;

    /// <summary>
    /// Calls body(start, end) over [0, count) in contiguous ranges. <paramref name="costPerItem"/> is the rough
    /// number of elementary operations per item, used to decide whether and how finely to split.
    /// </summary>
    public static void For(int count, long costPerItem, Action<int, int> body)
    {
        if (count <= 0) return;
        long total = count * Math.Max(1L, costPerItem);
        int workers = Workers;
        if (workers <= 1 || count == 1 || total < SerialThreshold)
        {
            body(0, count);
            return;
        }
        // Several chunks per worker balance the load (parts are claimed dynamically, so an extra chunk costs
        // one atomic increment); big items such as a convolution's sample groups each get their own chunk.
        long maxChunks = Math.Max(1, total / (SerialThreshold / 2));
        int chunks = (int)Math.Min(Math.Min(count, workers * 8L), maxChunks);
        if (chunks <= 1)
        {
            body(0, count);
            return;
        }
        SpinningWorkers.Run(chunks, chunk =>
        {
            int start = (int)((long)count * chunk / chunks);
            int end = (int)((long)count * (chunk + 1) / chunks);
            if (end > start) body(start, end);
        });
    }

    /// <summary>
    /// Splits [0, count) into exactly <paramref name="chunks"/> fixed ranges (independent of the thread count,
    /// so reductions over chunk partials are deterministic) and runs them in parallel.
    /// </summary>
    public static void ForFixedChunks(int count, int chunks, bool parallel, Action<int, int, int> body)
    {
        if (count <= 0) return;
        chunks = Math.Clamp(chunks, 1, count);
        if (!parallel || chunks == 1 || Workers <= 1)
        {
            for (int chunk = 0; chunk < chunks; chunk++)
                body(chunk, (int)((long)count * chunk / chunks), (int)((long)count * (chunk + 1) / chunks));
            return;
        }
        SpinningWorkers.Run(chunks, chunk =>
            body(chunk, (int)((long)count * chunk / chunks), (int)((long)count * (chunk + 1) / chunks)));
    }
}
