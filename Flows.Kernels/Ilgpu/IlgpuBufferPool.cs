using ILGPU.Runtime;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// Device buffers by size class (<see cref="BufferSizeClasses"/>), the free ones bounded by
/// <see cref="RetainLimitBytes"/> and released by <see cref="Trim"/> (docs/PERFORMANCE.md, "Memory"). Training asks
/// for the same shapes every step, so after the first step every request is served from here and the device
/// allocator (which synchronizes on CUDA) is never called.
/// During a step-graph capture (docs/PERFORMANCE.md, "Streams and CUDA graphs") the pool serves only buffers it holds
/// and refuses to allocate; every buffer rented or returned during the capture is the graph's from then on (its
/// kernels name those buffers), so it is handed to no one else until the graph is released.
/// </summary>
internal sealed class IlgpuBufferPool : IDisposable
{
    private readonly IlgpuBackend _backend;
    private readonly Accelerator _accelerator;
    private readonly PoolLedger<IlgpuBuffer> _ledger;
    private readonly HashSet<IlgpuBuffer> _all = new(ReferenceEqualityComparer.Instance);
    private readonly object _lock = new();
    private HashSet<IlgpuBuffer>? _captureSet;
    private Dictionary<int, Stack<IlgpuBuffer>>? _captureFree;
    private HashSet<IlgpuBuffer>? _reserved;
    private readonly List<IlgpuBuffer> _held = new();
    private HashSet<IlgpuBuffer>? _trackedRented, _trackedReturned;

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
            if (_captureFree is not null && _captureFree.TryGetValue(capacity, out var kept) && kept.TryPop(out var again))
            {
                TrackRent(again);
                again.Reuse(length);
                return again;
            }
            var buffer = _ledger.TakeFree(capacity);
            if (buffer is not null)
            {
                _captureSet?.Add(buffer);
                TrackRent(buffer);
                buffer.Reuse(length);
                return buffer;
            }
            if (_captureSet is not null)
                throw new GraphCaptureException(
                    $"a device allocation of {capacity} floats during the capture (the pool had none free: the warm-up steps did not leave it there)");
            // ILGPU refuses empty allocations; a zero-length buffer still needs a distinct backing allocation.
            var memory = _accelerator.Allocate1D<float>(Math.Max(capacity, 1));
            var created = new IlgpuBuffer(_backend, this, memory, capacity, length);
            TrackRent(created);
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
            _trackedReturned?.Add(buffer);
            if (_captureSet is not null)
            {
                // Kept for this capture only: the graph's kernels may name it, whoever rented it.
                _captureSet.Add(buffer);
                if (!_captureFree!.TryGetValue(buffer.Capacity, out var kept)) _captureFree[buffer.Capacity] = kept = new Stack<IlgpuBuffer>();
                kept.Push(buffer);
                return;
            }
            if (_reserved is not null && _reserved.Contains(buffer))
            {
                _held.Add(buffer);
                return;
            }
            if (_ledger.Returned(buffer) is { } released)
                foreach (var b in released) Free(b);
        }
    }

    // A temporary is rented before it is returned within the run: nothing it holds comes from before the run.
    private void TrackRent(IlgpuBuffer buffer)
    {
        if (_trackedRented is not null && !_trackedReturned!.Contains(buffer)) _trackedRented.Add(buffer);
    }

    /// <summary>Starts listing the buffers rented and returned (to find a run's temporaries).</summary>
    public void BeginTracking()
    {
        lock (_lock)
        {
            _trackedRented = new HashSet<IlgpuBuffer>(ReferenceEqualityComparer.Instance);
            _trackedReturned = new HashSet<IlgpuBuffer>(ReferenceEqualityComparer.Instance);
        }
    }

    /// <summary>
    /// The device memory of the run's temporaries: buffers both rented and returned since <see cref="BeginTracking"/>,
    /// so that nothing they hold comes from before the run or is read after it.
    /// </summary>
    public HashSet<MemoryBuffer> EndTracking()
    {
        lock (_lock)
        {
            var memory = new HashSet<MemoryBuffer>(ReferenceEqualityComparer.Instance);
            foreach (var b in _trackedRented ?? [])
                if (_trackedReturned!.Contains(b)) memory.Add(b.DeviceMemory);
            _trackedRented = _trackedReturned = null;
            return memory;
        }
    }

    /// <summary>From now on the pool serves only what it holds, and what is rented or returned belongs to the capture.</summary>
    public void BeginCapture()
    {
        lock (_lock)
        {
            if (_captureSet is not null || _reserved is not null)
                throw new GraphCaptureException("the pool already holds the buffers of another capture");
            _captureSet = new HashSet<IlgpuBuffer>(ReferenceEqualityComparer.Instance);
            _captureFree = new Dictionary<int, Stack<IlgpuBuffer>>();
        }
    }

    /// <summary>A failed capture: its buffers are ordinary pool buffers again.</summary>
    public void AbortCapture()
    {
        lock (_lock)
        {
            var free = _captureFree;
            _captureSet = null;
            _captureFree = null;
            if (free is null) return;
            foreach (var stack in free.Values)
                foreach (var b in stack) Return(b);
        }
    }

    /// <summary>A captured graph: its buffers stay reserved for it, the ones free now and the ones returned later.</summary>
    public void EndCapture()
    {
        lock (_lock)
        {
            _reserved = _captureSet;
            foreach (var stack in _captureFree!.Values) _held.AddRange(stack);
            _captureSet = null;
            _captureFree = null;
        }
    }

    /// <summary>Buffers that belong to a live graph (none without one).</summary>
    public int ReservedCount
    {
        get { lock (_lock) return _reserved?.Count ?? 0; }
    }

    /// <summary>The graph is gone: its buffers return to the pool (those still in use, when their owners return them).</summary>
    public void ReleaseReservation()
    {
        lock (_lock)
        {
            _reserved = null;
            var held = _held.ToArray();
            _held.Clear();
            foreach (var b in held) Return(b);
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
