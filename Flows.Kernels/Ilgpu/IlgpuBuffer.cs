using ILGPU;
using ILGPU.Runtime;

namespace Flows.Kernels.Ilgpu;

/// <summary>Device memory of one <see cref="IlgpuBackend"/>; disposing it returns the memory to the backend's pool.</summary>
public sealed class IlgpuBuffer : DeviceBuffer
{
    private readonly IlgpuBufferPool? _pool;

    internal IlgpuBuffer(IlgpuBackend backend, IlgpuBufferPool pool, MemoryBuffer1D<float, Stride1D.Dense> memory, int capacity, int length)
        : base(backend, length)
    {
        _pool = pool;
        Memory = memory;
        Capacity = capacity;
    }

    /// <summary>
    /// A member of a pack (<see cref="IlgpuPackedBuffers"/>): <paramref name="length"/> floats at <paramref name="offset"/>
    /// of the pack's one allocation. It never returns to the pool itself; the pack does.
    /// </summary>
    internal IlgpuBuffer(IlgpuBackend backend, MemoryBuffer1D<float, Stride1D.Dense> memory, int offset, int length)
        : base(backend, length)
    {
        Memory = memory;
        Capacity = length;
        Offset = offset;
    }

    /// <summary>Where this buffer's floats start in <see cref="Memory"/>: 0, except for a pack's members.</summary>
    internal int Offset { get; }

    /// <summary>The whole allocation: its size class's capacity (at least one float, since ILGPU refuses empty ones).</summary>
    internal MemoryBuffer1D<float, Stride1D.Dense> Memory { get; }

    /// <summary>The floats of the size class (<see cref="BufferSizeClasses"/>) this buffer was allocated for.</summary>
    internal int Capacity { get; }

    /// <summary>The first <see cref="DeviceBuffer.Length"/> floats (the allocation is its size class, maybe longer).</summary>
    internal ArrayView<float> View => Memory.View.SubView(Offset, Length);

    /// <summary>The device memory that the views of this buffer name (what a launch trace compares).</summary>
    internal MemoryBuffer DeviceMemory => ((IContiguousArrayView)View).Buffer;

    internal void Reuse(int length) => Revive(length);

    protected override void ReturnToPool() => _pool?.Return(this);
}
