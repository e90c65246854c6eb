using ILGPU;
using ILGPU.Runtime;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// Asynchronous uploads through one reused page-locked host buffer (docs/PERFORMANCE.md, "Streams and CUDA graphs"):
/// the source is copied into the buffer and the copy to the device is queued on the backend's stream, so an upload
/// returns without waiting for the device (ILGPU's CopyFromCPU waits for the whole stream).
/// The rule: the host must not overwrite the buffer while a copy from it is in flight. An upload marks it busy; every
/// wait for the stream (<see cref="StreamWaited"/>: Download, SumOfSquares, Synchronize, so a training step's one loss
/// read) marks it free. An upload that finds it busy, or that is larger than <see cref="MaxFloats"/>, is not staged:
/// the caller copies synchronously, as before.
/// </summary>
internal sealed class PinnedUploadStaging : IDisposable
{
    /// <summary>16 MiB: a batch of 64 ImageNet 64x64 images fits; a checkpoint's big tensors go the synchronous way.</summary>
    public const int MaxFloats = 1 << 22;

    private readonly Accelerator _accelerator;
    private const int MinFloats = 1 << 16;
    private PageLockedArray1D<float>? _buffer;
    private long _used;

    public PinnedUploadStaging(Accelerator accelerator) => _accelerator = accelerator;

    /// <summary>Whether a queued copy may still read the buffer.</summary>
    public bool InFlight { get; private set; }

    /// <summary>Floats the page-locked buffer holds now (it grows to the largest staged upload).</summary>
    public long Capacity => _buffer?.Length ?? 0;

    /// <summary>Queues source → destination through the buffer; false (nothing done) when busy or too large.</summary>
    public bool TryUpload(ReadOnlySpan<float> source, ArrayView<float> destination, AcceleratorStream stream)
    {
        if (source.Length > MaxFloats) return false;
        if (source.Length == 0) return true;
        if (!InFlight)
        {
            _used = 0;
            if (_buffer is null || _buffer.Length < source.Length)
            {
                _buffer?.Dispose();
                // Headroom, so the few small uploads of a step (step scalars, a noise offset) queue behind the batch
                // in the same buffer instead of waiting for the stream.
                int floats = Math.Min(Math.Max(2 * source.Length, MinFloats), MaxFloats);
                _buffer = _accelerator.AllocatePageLocked1D<float>(BufferSizeClasses.Capacity(Math.Max(floats, source.Length)));
            }
        }
        else if (_buffer is null || _used + source.Length > _buffer.Length)
        {
            return false; // regions still in flight may not be overwritten or freed
        }
        source.CopyTo(_buffer.Span.Slice((int)_used, source.Length));
        destination.SubView(0, source.Length).CopyFrom(stream, _buffer.ArrayView.SubView(_used, source.Length));
        _used += source.Length;
        InFlight = true;
        return true;
    }

    public void StreamWaited() => InFlight = false;

    public void Dispose()
    {
        _buffer?.Dispose();
        _buffer = null;
    }
}
