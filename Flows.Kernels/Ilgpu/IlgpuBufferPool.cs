using ILGPU.Runtime;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// Device buffers kept by exact length. Training asks for the same shapes every step, so after the first step
/// every request is served from here and the device allocator (which synchronizes on CUDA) is never called.
/// </summary>
internal sealed class IlgpuBufferPool : IDisposable
{
    private readonly IlgpuBackend _backend;
    private readonly Accelerator _accelerator;
    private readonly Dictionary<int, Stack<IlgpuBuffer>> _free = new();
    private readonly List<IlgpuBuffer> _all = new();
    private readonly object _lock = new();

    public IlgpuBufferPool(IlgpuBackend backend, Accelerator accelerator)
    {
        _backend = backend;
        _accelerator = accelerator;
    }

    /// <summary>Number of device allocations made so far (tests use it to check that steady state allocates nothing).</summary>
    public int AllocationCount { get; private set; }

    public IlgpuBuffer Rent(int length)
    {
        if (length < 0) throw new ArgumentException($"allocate: length must be non-negative, got {length}");
        lock (_lock)
        {
            if (_free.TryGetValue(length, out var stack) && stack.Count > 0)
            {
                var buffer = stack.Pop();
                buffer.Reuse();
                return buffer;
            }
            // ILGPU refuses empty allocations; a zero-length buffer still needs a distinct backing allocation.
            var memory = _accelerator.Allocate1D<float>(Math.Max(length, 1));
            var created = new IlgpuBuffer(_backend, this, memory, length);
            _all.Add(created);
            AllocationCount++;
            return created;
        }
    }

    public void Return(IlgpuBuffer buffer)
    {
        lock (_lock)
        {
            if (!_free.TryGetValue(buffer.Length, out var stack))
                _free[buffer.Length] = stack = new Stack<IlgpuBuffer>();
            stack.Push(buffer);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var buffer in _all) buffer.Memory.Dispose();
            _all.Clear();
            _free.Clear();
        }
    }
}
