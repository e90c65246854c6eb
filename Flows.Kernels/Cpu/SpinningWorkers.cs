using System.Diagnostics;

namespace Flows.Kernels.Cpu;

/// <summary>One parallel call's work: parts 0 … parts−1, each run exactly once on some thread.</summary>
internal interface IParallelJob
{
    void RunPart(int part);
}

/// <summary>
/// Runs job.RunPart(0 … parts−1) on the calling thread and ProcessorCount − 1 resident worker threads that spin for
/// a while after each job before they sleep. Why not Parallel.For: a training step is hundreds of back-to-back ops
/// of 50–500 µs, and on the 2-vCPU VM a sleeping thread-pool thread took tens of µs to wake — measured there,
/// Parallel.For over two 33 µs halves took 80 µs against 66 µs serial, and SumTo of 1.6 MB ran 790 µs on two
/// threads against 211 µs on one. A worker that is still spinning picks the next job up at once.
/// Parts are claimed from a shared counter, so which thread runs a part varies but what each part computes does
/// not (callers keep their results independent of the thread count). Nested or concurrent calls run inline.
/// Nothing is allocated per call: one dispatch slot is reused for every job (docs/PERFORMANCE.md "CPU roofline",
/// allocation), which is safe because a job ends only when every worker that entered it has left.
/// </summary>
internal static class SpinningWorkers
{
    /// <summary>How long an idle worker spins before it sleeps.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 1000 * 2; // 2 ms

    private static readonly object Gate = new();
    private static readonly Dispatch Slot = new();
    private static Worker[]? s_workers;
    private static Dispatch? s_current; // Slot while a job is open, else null
    private static int s_generation;

    [ThreadStatic] private static bool t_insideJob;

    /// <summary>Jobs handed to the workers so far (tests: a steady-state check that really ran in parallel).</summary>
    internal static long ParallelJobs { get; private set; }

    /// <summary>
    /// Managed bytes the worker threads have allocated in their lifetime, as each last recorded it on leaving a job
    /// (tests: the kernels' steady state allocates nothing on any thread). Exact once the job that was last run ended.
    /// </summary>
    internal static long WorkerAllocatedBytes
    {
        get
        {
            long total = 0;
            foreach (var worker in Volatile.Read(ref s_workers) ?? []) total += Volatile.Read(ref worker.AllocatedBytes);
            return total;
        }
    }

    /// <summary>
    /// Takes the workers for one job, or returns false when this thread is already inside a job, another thread
    /// holds them, or there is only one core: the caller then runs its parts inline. Pair with <see cref="Exit"/>.
    /// </summary>
    public static bool TryEnter() => !t_insideJob && CpuParallel.Workers > 1 && Monitor.TryEnter(Gate);

    public static void Exit() => Monitor.Exit(Gate);

    /// <summary>Runs the parts of <paramref name="job"/> on all threads; only between TryEnter and Exit.</summary>
    public static void RunEntered(int parts, IParallelJob job)
    {
        var workers = s_workers ??= StartWorkers(CpuParallel.Workers - 1);
        var slot = Slot;
        ParallelJobs++;
        slot.Open(job, parts);
        Volatile.Write(ref s_current, slot);
        Interlocked.Increment(ref s_generation);
        foreach (var worker in workers) worker.WakeIfSleeping();
        slot.Work();
        var wait = new SpinWait();
        while (Volatile.Read(ref slot.Pending) > 0) wait.SpinOnce(sleep1Threshold: -1);
        // Close the slot (a full fence), then wait for every worker that entered it to leave, so reopening it for
        // the next job can never hand a straggler a half-written job.
        Interlocked.Exchange(ref s_current, null);
        while (Volatile.Read(ref slot.Active) > 0) wait.SpinOnce(sleep1Threshold: -1);
        var error = slot.Close();
        if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
    }

    /// <summary>Runs body(0 … parts−1); the delegate is the caller's (prefer CpuParallel's state-passing loops).</summary>
    public static void Run(int parts, Action<int> body)
    {
        if (parts <= 0) return;
        if (parts == 1 || !TryEnter())
        {
            for (int i = 0; i < parts; i++) body(i);
            return;
        }
        var job = ActionJob.Shared;
        try
        {
            job.Body = body;
            RunEntered(parts, job);
        }
        finally
        {
            job.Body = null;
            Exit();
        }
    }

    private static Worker[] StartWorkers(int count)
    {
        var workers = new Worker[count];
        for (int i = 0; i < count; i++) workers[i] = new Worker(i);
        return workers;
    }

    /// <summary>The reused job slot: parts are claimed by whichever thread comes first.</summary>
    private sealed class Dispatch
    {
        private IParallelJob? _job;
        private int _parts;
        private int _next;
        private Exception? _error;
        public int Pending;
        public int Active;

        public void Open(IParallelJob job, int parts)
        {
            _job = job;
            _parts = parts;
            _next = 0;
            _error = null;
            Pending = parts;
        }

        public Exception? Close()
        {
            var error = _error;
            _job = null;
            _error = null;
            return error;
        }

        public void Work()
        {
            t_insideJob = true;
            try
            {
                int part;
                while ((part = Interlocked.Increment(ref _next) - 1) < _parts)
                {
                    try
                    {
                        _job!.RunPart(part);
                    }
                    catch (Exception e)
                    {
                        Interlocked.CompareExchange(ref _error, e, null);
                    }
                    finally
                    {
                        Interlocked.Decrement(ref Pending);
                    }
                }
            }
            finally
            {
                t_insideJob = false;
            }
        }
    }

    /// <summary>The holder for <see cref="Run"/>'s delegate (one, used only by the thread that holds the gate).</summary>
    private sealed class ActionJob : IParallelJob
    {
        public static readonly ActionJob Shared = new();
        public Action<int>? Body;

        public void RunPart(int part) => Body!(part);
    }

    private sealed class Worker
    {
        private readonly SemaphoreSlim _signal = new(0);
        private int _sleeping;
        public long AllocatedBytes;

        public Worker(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"flows-cpu-worker-{index}" };
            thread.Start();
        }

        /// <summary>Called by the dispatcher after publishing a job: a worker that announced sleep gets a signal.</summary>
        public void WakeIfSleeping()
        {
            if (Interlocked.Exchange(ref _sleeping, 0) == 1) _signal.Release();
        }

        private void Loop()
        {
            int seen = Volatile.Read(ref s_generation);
            while (true)
            {
                long deadline = Stopwatch.GetTimestamp() + SpinTicks;
                while (Volatile.Read(ref s_generation) == seen && Stopwatch.GetTimestamp() < deadline) Thread.SpinWait(20);
                if (Volatile.Read(ref s_generation) == seen)
                {
                    Volatile.Write(ref _sleeping, 1);
                    if (Volatile.Read(ref s_generation) == seen)
                        _signal.Wait();
                    else if (Interlocked.Exchange(ref _sleeping, 0) == 0)
                        _signal.Wait(); // the dispatcher cleared the flag first and releases (or released) the signal
                }
                seen = Volatile.Read(ref s_generation);
                var slot = Volatile.Read(ref s_current);
                if (slot is null) continue;
                // Announce, then check the slot is still open (both sides fence: see RunEntered).
                Interlocked.Increment(ref slot.Active);
                if (ReferenceEquals(Volatile.Read(ref s_current), slot))
                {
                    slot.Work();
                    // Before leaving: the dispatcher waits for Active == 0, so the count is current when it returns.
                    Volatile.Write(ref AllocatedBytes, GC.GetAllocatedBytesForCurrentThread());
                }
                Interlocked.Decrement(ref slot.Active);
            }
        }
    }
}
