using ILGPU;
using ILGPU.Runtime;

namespace Flows.Kernels.Ilgpu;

/// <summary>Device memory of one <see cref="IlgpuBackend"/>; disposing it returns the memory to the backend's pool.</summary>
public sealed class IlgpuBuffer : DeviceBuffer
{
    private readonly IlgpuBufferPool _pool;

    internal IlgpuBuffer(IlgpuBackend backend, IlgpuBufferPool pool, MemoryBuffer1D<float, Stride1D.Dense> memory, int length)
        : base(backend, length)
    {
        _pool = pool;
        Memory = memory;
    }

    internal MemoryBuffer1D<float, Stride1D.Dense> Memory { get; }

    /// <summary>The first <see cref="DeviceBuffer.Length"/> floats (the allocation may be one longer for length 0).</summary>
    internal ArrayView<float> View => Memory.View.SubView(0, Length);

    internal void Reuse() => Revive();

    protected override void ReturnToPool() => _pool.Return(this);
}
