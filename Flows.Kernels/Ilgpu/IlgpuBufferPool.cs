using ILGPU.Runtime;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// Device buffers by size class (<see cref="BufferSizeClasses"/>), the free ones bounded by
/// <see cref="RetainLimitBytes"/> and released by <see cref="Trim"/> (docs/PERFORMANCE.md, "Memory"). Training asks
/// for the same shapes every step, so after the first step every request is served from here and the device
/// allocator (which synchronizes on CUDA) is never called.
/// </summary>
internal sealed class IlgpuBufferPool : IDisposable
{
    private readonly IlgpuBackend _backend;
    private readonly Accelerator _accelerator;
    private readonly PoolLedger<IlgpuBuffer> _ledger;
    private readonly HashSet<IlgpuBuffer> _all = new(ReferenceEqualityComparer.Instance);
    private readonly object _lock = new();

    public IlgpuBufferPool(IlgpuBackend backend, Accelerator accelerator)
    {
        _backend = backend;
        _accelerator = accelerator;
        // Half the device by default: a GPU training step may need gigabytes, and every buffer released and
        // allocated again costs a synchronizing cudaFree/cudaMalloc pair.
        _ledger = new PoolLedger<IlgpuBuffer>(static b => b.Capacity, Math.Max(accelerator.MemorySize / 2, 256L << 20));
    }

    /// <summary>Number of device allocations made so far (tests use it to check that steady state allocates nothing).</summary>
    public int AllocationCount
    {
        get { lock (_lock) return (int)_ledger.Allocations; }
    }

    public IlgpuBuffer Rent(int length)
    {
        if (length < 0) throw new ArgumentException($"allocate: length must be non-negative, got {length}");
        int capacity = BufferSizeClasses.Capacity(length);
        lock (_lock)
        {
            var buffer = _ledger.TakeFree(capacity);
            if (buffer is not null)
            {
                buffer.Reuse(length);
                return buffer;
            }
            // ILGPU refuses empty allocations; a zero-length buffer still needs a distinct backing allocation.
            var memory = _accelerator.Allocate1D<float>(Math.Max(capacity, 1));
            var created = new IlgpuBuffer(_backend, this, memory, capacity, length);
            _all.Add(created);
            _ledger.Created(capacity);
            return created;
        }
    }

    public void Return(IlgpuBuffer buffer)
    {
        lock (_lock)
        {
            if (!_all.Contains(buffer)) return; // the pool was disposed meanwhile
            if (_ledger.Returned(buffer) is { } released)
                foreach (var b in released) Free(b);
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
                foreach (var b in _ledger.Trim(value)) Free(b);
            }
        }
    }

    /// <summary>Frees free device buffers until at most keepBytes remain.</summary>
    public void Trim(long keepBytes = 0)
    {
        lock (_lock)
            foreach (var b in _ledger.Trim(keepBytes)) Free(b);
    }

    public void ResetPeak()
    {
        lock (_lock) _ledger.ResetPeak();
    }

    public BufferPoolStatistics Statistics
    {
        get { lock (_lock) return _ledger.Statistics; }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var buffer in _all) buffer.Memory.Dispose();
            _all.Clear();
            _ledger.Trim(0);
        }
    }

    // A buffer only comes here once no op can still use it: it was returned (its owner disposed it), and freeing
    // device memory waits for the work queued before it on CUDA.
    private void Free(IlgpuBuffer buffer)
    {
        _all.Remove(buffer);
        buffer.Memory.Dispose();
    }
}
