namespace Flows.Kernels.Cpu;

/// <summary>
/// A buffer of the managed CPU backend: a plain float array of exactly <see cref="DeviceBuffer.Length"/>
/// elements that the engine may read and write directly.
/// </summary>
public sealed class CpuBuffer : DeviceBuffer
{
    private readonly CpuBufferPool _pool;

    internal CpuBuffer(ManagedCpuBackend backend, CpuBufferPool pool, int length) : base(backend, length)
    {
        _pool = pool;
        Array = new float[length];
    }

    /// <summary>The backing store, exactly <see cref="DeviceBuffer.Length"/> floats.</summary>
    public float[] Array { get; }

    public Span<float> Span => Array;

    internal void Reuse() => Revive();

    protected override void ReturnToPool() => _pool.Return(this);
}
