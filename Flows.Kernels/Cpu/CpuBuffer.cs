namespace Flows.Kernels.Cpu;

/// <summary>
/// A buffer of the managed CPU backend: a plain float array that the engine may read and write directly.
/// The array has its size class's capacity (<see cref="BufferSizeClasses"/>), so it may be longer than
/// <see cref="DeviceBuffer.Length"/>: only the first Length floats belong to the buffer.
/// </summary>
public sealed class CpuBuffer : DeviceBuffer
{
    private readonly CpuBufferPool _pool;

    internal CpuBuffer(ManagedCpuBackend backend, CpuBufferPool pool, int capacity, int length) : base(backend, length)
    {
        _pool = pool;
        Array = new float[capacity];
    }

    /// <summary>The backing store: at least <see cref="DeviceBuffer.Length"/> floats (the whole size class).</summary>
    public float[] Array { get; }

    /// <summary>The buffer's own floats, exactly <see cref="DeviceBuffer.Length"/> of them.</summary>
    public Span<float> Span => Array.AsSpan(0, Length);

    internal int Capacity => Array.Length;

    internal void Reuse(int length) => Revive(length);

    protected override void ReturnToPool() => _pool.Return(this);
}
