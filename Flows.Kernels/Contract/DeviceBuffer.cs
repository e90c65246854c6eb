namespace Flows.Kernels;

/// <summary>
/// Float32 memory owned by one backend. Buffers come from the backend's pool; disposing one returns it to
/// the pool, so steady-state training allocates nothing. Contents of a freshly allocated buffer are undefined.
/// </summary>
public abstract class DeviceBuffer : IDisposable
{
    private bool _released;

    protected DeviceBuffer(IComputeBackend backend, int length)
    {
        Backend = backend;
        Length = length;
    }

    public IComputeBackend Backend { get; }
    /// <summary>The floats this buffer holds for its current user; the memory behind it may be larger (its size class).</summary>
    public int Length { get; private set; }
    public bool IsReleased => _released;

    /// <summary>Gives the memory back to the pool; the buffer must not be used afterwards.</summary>
    public void Dispose()
    {
        if (_released) return;
        _released = true;
        ReturnToPool();
        GC.SuppressFinalize(this);
    }

    /// <summary>Called by the pool when it hands this buffer out again, now for <paramref name="length"/> floats.</summary>
    protected internal void Revive(int length)
    {
        _released = false;
        Length = length;
    }

    protected abstract void ReturnToPool();
}
