namespace Flows.Kernels.Cpu;

/// <summary>
/// Float arrays by size class (<see cref="BufferSizeClasses"/>): a request is served by any free array of its
/// class, so the many nearby lengths of a run share arrays; the free arrays kept are bounded by
/// <see cref="RetainLimitBytes"/> (beyond it the arrays returned longest ago go to the garbage collector) and
/// <see cref="Trim"/> lets them go on demand, e.g. between the phases of a job (docs/PERFORMANCE.md, "Memory").
/// Training asks for the same sizes every step, so in the steady state every request comes from here.
/// </summary>
internal sealed class CpuBufferPool
{
    /// <summary>Free bytes kept by default: above one training step's working set of the presets, below the job's goal.</summary>
    public const long DefaultRetainLimitBytes = 512L << 20;

    private readonly PoolLedger<CpuBuffer> _ledger = new(static b => b.Capacity, DefaultRetainLimitBytes);
    private readonly ManagedCpuBackend _backend;
    private readonly object _lock = new();
    private bool _closed;

    public CpuBufferPool(ManagedCpuBackend backend) => _backend = backend;

    public CpuBuffer Rent(int length)
    {
        if (length < 0) throw new ArgumentException($"Allocate: length must be non-negative, got {length}");
        int capacity = BufferSizeClasses.Capacity(length);
        lock (_lock)
        {
            var buffer = _ledger.TakeFree(capacity);
            if (buffer is not null)
            {
                buffer.Reuse(length);
                return Poisoned(buffer);
            }
            _ledger.Created(capacity);
        }
        // Allocated outside the lock: a large zeroed array takes a while, and other threads may rent meanwhile.
        return Poisoned(new CpuBuffer(_backend, this, capacity, length));
    }

    /// <summary>
    /// Tests set it to fill every rented array, slack included, with NaN: a kernel that reads memory it did not
    /// write, or past Length, then makes NaN instead of silently depending on what the pool held.
    /// </summary>
    internal bool PoisonRentedMemory { get; set; }

    private CpuBuffer Poisoned(CpuBuffer buffer)
    {
        if (PoisonRentedMemory) buffer.Array.AsSpan().Fill(float.NaN);
        return buffer;
    }

    public void Return(CpuBuffer buffer)
    {
        lock (_lock)
        {
            if (_closed) return;
            _ledger.Returned(buffer);
        }
    }

    public long RetainLimitBytes
    {
        get { lock (_lock) return _ledger.RetainLimitBytes; }
        set
        {
            if (value < 0) throw new ArgumentOutOfRangeException(nameof(value), value, "the pool's retain limit must be non-negative");
            lock (_lock)
            {
                _ledger.RetainLimitBytes = value;
                _ledger.Trim(value);
            }
        }
    }

    /// <summary>Lets free arrays go until at most keepBytes remain (the garbage collector reclaims them); returns how many went.</summary>
    public int Trim(long keepBytes = 0)
    {
        lock (_lock) return _ledger.Trim(keepBytes).Count;
    }

    public void ResetPeak()
    {
        lock (_lock) _ledger.ResetPeak();
    }

    public BufferPoolStatistics Statistics
    {
        get { lock (_lock) return _ledger.Statistics; }
    }

    /// <summary>Number of pooled (free) buffers; for tests.</summary>
    public int FreeCount
    {
        get { lock (_lock) return _ledger.FreeBuffers; }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _closed = true;
            _ledger.Trim(0);
        }
    }
}
