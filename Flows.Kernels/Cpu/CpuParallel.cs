namespace Flows.Kernels.Cpu;

/// <summary>body(state, start, end) over one range of a parallel loop; a static lambda with its captures in the state.</summary>
internal delegate void RangeBody<TState>(in TState state, int start, int end);

/// <summary>body(state, chunk, start, end) over one fixed chunk of a parallel loop.</summary>
internal delegate void ChunkBody<TState>(in TState state, int chunk, int start, int end);

/// <summary>
/// Range-parallel loops that stay serial for small work: the engine issues many tiny ops, where handing work
/// to another thread costs more than the op itself. Parallel parts run on <see cref="SpinningWorkers"/>.
/// The loops take their captures as a state value and a static lambda, so a call allocates nothing (a capturing
/// lambda allocates its closure and delegate on every call: about 0.7 MB per small RealNVP step before, see
/// docs/PERFORMANCE.md "CPU roofline"); the state waits in one reused holder per state type while a job runs.
/// </summary>
internal static class CpuParallel
{
    /// <summary>Below this many elementary operations a loop runs inline on the calling thread.</summary>
    public const long SerialThreshold = 1 << 15;

    public static int Workers => Environment.ProcessorCount;

    /// <summary>
    /// Calls body(state, start, end) over [0, count) in contiguous ranges. <paramref name="costPerItem"/> is the
    /// rough number of elementary operations per item, used to decide whether and how finely to split.
    /// </summary>
    public static void For<TState>(int count, long costPerItem, in TState state, RangeBody<TState> body)
    {
        if (count <= 0) return;
        int chunks = Chunks(count, costPerItem);
        if (chunks <= 1)
        {
            body(in state, 0, count);
            return;
        }
        if (!SpinningWorkers.TryEnter())
        {
            // Nested or concurrent: the same ranges, one after another.
            for (int chunk = 0; chunk < chunks; chunk++)
            {
                int start = Start(count, chunks, chunk), end = Start(count, chunks, chunk + 1);
                if (end > start) body(in state, start, end);
            }
            return;
        }
        var job = RangeJob<TState>.Shared;
        try
        {
            job.Open(in state, body, count, chunks);
            SpinningWorkers.RunEntered(chunks, job);
        }
        finally
        {
            job.Close();
            SpinningWorkers.Exit();
        }
    }

    /// <summary>The delegate form of <see cref="For{TState}"/>: allocates only what the caller's lambda captures.</summary>
    public static void For(int count, long costPerItem, Action<int, int> body) =>
        For(count, costPerItem, body, static (in Action<int, int> b, int start, int end) => b(start, end));

    /// <summary>
    /// Splits [0, count) into exactly <paramref name="chunks"/> fixed ranges (independent of the thread count,
    /// so reductions over chunk partials are deterministic) and runs them in parallel.
    /// </summary>
    public static void ForFixedChunks<TState>(int count, int chunks, bool parallel, in TState state, ChunkBody<TState> body)
    {
        if (count <= 0) return;
        chunks = Math.Clamp(chunks, 1, count);
        if (!parallel || chunks == 1 || !SpinningWorkers.TryEnter())
        {
            for (int chunk = 0; chunk < chunks; chunk++)
                body(in state, chunk, Start(count, chunks, chunk), Start(count, chunks, chunk + 1));
            return;
        }
        var job = ChunkJob<TState>.Shared;
        try
        {
            job.Open(in state, body, count, chunks);
            SpinningWorkers.RunEntered(chunks, job);
        }
        finally
        {
            job.Close();
            SpinningWorkers.Exit();
        }
    }

    /// <summary>The delegate form of <see cref="ForFixedChunks{TState}"/>.</summary>
    public static void ForFixedChunks(int count, int chunks, bool parallel, Action<int, int, int> body) =>
        ForFixedChunks(count, chunks, parallel, body, static (in Action<int, int, int> b, int chunk, int start, int end) => b(chunk, start, end));

    /// <summary>How many ranges a loop of <paramref name="count"/> items splits into (1: run it inline).</summary>
    private static int Chunks(int count, long costPerItem)
    {
        long total = count * Math.Max(1L, costPerItem);
        if (Workers <= 1 || count == 1 || total < SerialThreshold) return 1;
        // Several chunks per worker balance the load (parts are claimed dynamically, so an extra chunk costs
        // one atomic increment); big items such as a convolution's sample groups each get their own chunk.
        long maxChunks = Math.Max(1, total / (SerialThreshold / 2));
        return (int)Math.Min(Math.Min(count, Workers * 8L), maxChunks);
    }

    private static int Start(int count, int chunks, int chunk) => (int)((long)count * chunk / chunks);

    /// <summary>
    /// The state and body of the running <see cref="For{TState}"/> job. One per state type is enough: only the
    /// thread that holds the workers' gate fills it, and it is cleared before the gate is released.
    /// </summary>
    private sealed class RangeJob<TState> : IParallelJob
    {
        public static readonly RangeJob<TState> Shared = new();
        private TState _state = default!;
        private RangeBody<TState>? _body;
        private int _count, _chunks;

        public void Open(in TState state, RangeBody<TState> body, int count, int chunks)
        {
            _state = state;
            _body = body;
            _count = count;
            _chunks = chunks;
        }

        // Drop the references, so the arrays of the last call are not kept alive by a static.
        public void Close() => (_state, _body) = (default!, null);

        public void RunPart(int part)
        {
            int start = Start(_count, _chunks, part), end = Start(_count, _chunks, part + 1);
            if (end > start) _body!(in _state, start, end);
        }
    }

    /// <summary>The state and body of the running <see cref="ForFixedChunks{TState}"/> job (see RangeJob).</summary>
    private sealed class ChunkJob<TState> : IParallelJob
    {
        public static readonly ChunkJob<TState> Shared = new();
        private TState _state = default!;
        private ChunkBody<TState>? _body;
        private int _count, _chunks;

        public void Open(in TState state, ChunkBody<TState> body, int count, int chunks)
        {
            _state = state;
            _body = body;
            _count = count;
            _chunks = chunks;
        }

        public void Close() => (_state, _body) = (default!, null);

        public void RunPart(int part) => _body!(in _state, part, Start(_count, _chunks, part), Start(_count, _chunks, part + 1));
    }
}
