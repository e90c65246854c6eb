using System.Collections.Concurrent;

namespace Flows.Kernels.Cpu;

/// <summary>
/// Buffers keyed by exact length: training asks for the same handful of sizes every step, so an exact-size
/// stack per length makes steady-state allocation zero without any size-class waste.
/// </summary>
internal sealed class CpuBufferPool
{
    private readonly ConcurrentDictionary<int, ConcurrentStack<CpuBuffer>> _free = new();
    private readonly ManagedCpuBackend _backend;
    private volatile bool _closed;

    public CpuBufferPool(ManagedCpuBackend backend) => _backend = backend;

    public CpuBuffer Rent(int length)
    {
        if (length < 0) throw new ArgumentException($"Allocate: length must be non-negative, got {length}");
        if (_free.TryGetValue(length, out var stack) && stack.TryPop(out var buffer))
        {
            buffer.Reuse();
            return buffer;
        }
        return new CpuBuffer(_backend, this, length);
    }

    public void Return(CpuBuffer buffer)
    {
        if (_closed) return;
        _free.GetOrAdd(buffer.Length, static _ => new ConcurrentStack<CpuBuffer>()).Push(buffer);
    }

    /// <summary>Number of pooled (free) buffers; for tests.</summary>
    public int FreeCount => _free.Values.Sum(s => s.Count);

    public void Clear()
    {
        _closed = true;
        _free.Clear();
    }
}
