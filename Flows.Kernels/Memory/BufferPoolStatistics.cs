namespace Flows.Kernels;

/// <summary>
/// What a backend's buffer pool holds, in bytes of capacity (a buffer counts its whole size class).
/// Live: handed out and not yet returned; free: waiting in the pool; peak live: the most live bytes since the
/// last <see cref="IComputeBackend.ResetPeakLiveBytes"/>; allocations: buffers created (not served from the pool);
/// released: free buffers let go (over the bound or by a trim).
/// </summary>
public readonly record struct BufferPoolStatistics(
    long LiveBytes, long FreeBytes, long PeakLiveBytes, long RetainLimitBytes, int FreeBuffers, long Allocations, long Released)
{
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"live {LiveBytes / 1048576.0:F1} MiB (peak {PeakLiveBytes / 1048576.0:F1}), free {FreeBytes / 1048576.0:F1} MiB in {FreeBuffers} buffers (bound {RetainLimitBytes / 1048576.0:F0}), {Allocations} allocations, {Released} released");
}
