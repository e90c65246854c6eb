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
    private PageLockedArray1D<float>? _buffer;

    public PinnedUploadStaging(Accelerator accelerator) => _accelerator = accelerator;

    /// <summary>Whether a queued copy may still read the buffer.</summary>
    public bool InFlight { get; private set; }

    /// <summary>Floats the page-locked buffer holds now (it grows to the largest staged upload).</summary>
    public long Capacity => _buffer?.Length ?? 0;

    /// <summary>Queues source → destination through the buffer; false (nothing done) when busy or too large.</summary>
    public bool TryUpload(ReadOnlySpan<float> source, ArrayView<float> destination, AcceleratorStream stream)
    {
        if (InFlight || source.Length > MaxFloats) return false;
        if (source.Length == 0) return true;
        if (_buffer is null || _buffer.Length < source.Length)
        {
            _buffer?.Dispose();
            _buffer = _accelerator.AllocatePageLocked1D<float>(BufferSizeClasses.Capacity(source.Length));
        }
        source.CopyTo(_buffer.Span);
        destination.SubView(0, source.Length).CopyFrom(stream, _buffer.ArrayView.SubView(0, source.Length));
        InFlight = true;
        return true;
    }

    /// <summary>The stream has been waited for: every queued copy has read the buffer.</summary>
    public void StreamWaited() => InFlight = false;

    public void Dispose()
    {
        _buffer?.Dispose();
        _buffer = null;
    }
}
