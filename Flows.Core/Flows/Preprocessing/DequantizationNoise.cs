using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// Where the uniform dequantization noise comes from: element i of a call gets CounterRng.Uniform(Seed,
/// offset + i). Normally the offset advances by the element count on every call, so every pass draws fresh
/// noise as the original does (docs/MODELS.md §4.3, at training and test time). With <see cref="Deterministic"/>
/// every call starts at offset 0, so two evaluations of the same batch give the same numbers.
/// The fresh draws read their offset from a device counter that the draw itself advances
/// (<see cref="IComputeBackend.FillUniformCounted"/>), so a replayed step graph draws fresh noise too; the host keeps
/// <see cref="Offset"/> in step (checkpoints save it) and uploads it only when it was changed on the host (a resume,
/// an evaluation's own offset): docs/PERFORMANCE.md, "Streams and CUDA graphs".
/// </summary>
public sealed class DequantizationNoise
{
    private DeviceBuffer? _counter;
    private IComputeBackend? _counterBackend;
    private ulong _deviceOffset;

    public DequantizationNoise(ulong seed) => Seed = seed;

    public ulong Seed { get; set; }

    /// <summary>The counter of the next fresh draw.</summary>
    public ulong Offset { get; set; }

    public bool Deterministic { get; set; }

    /// <summary>The first counter for a draw of count numbers.</summary>
    public ulong Take(int count)
    {
        if (Deterministic) return 0;
        ulong start = Offset;
        Offset += (ulong)count;
        return start;
    }

    /// <summary>Uniform noise of the given shape: at offset 0 when deterministic, else the next fresh draw.</summary>
    public Tensor Uniform(IComputeBackend backend, int[] shape)
    {
        if (Deterministic) return Tensor.Uniform(backend, Seed, 0, shape);
        var u = Tensor.Empty(backend, shape);
        backend.FillUniformCounted(u.Buffer, u.Length, Seed, SyncedCounter(backend));
        Offset += (ulong)u.Length;
        _deviceOffset = Offset;
        return u;
    }

    /// <summary>The device counter, holding <see cref="Offset"/> (uploaded when the host moved it).</summary>
    public DeviceBuffer SyncedCounter(IComputeBackend backend)
    {
        if (_counter is null || !ReferenceEquals(_counterBackend, backend))
        {
            _counter = backend.Allocate(DeviceCounter.Length);
            _counterBackend = backend;
            _deviceOffset = ~Offset;
        }
        if (_deviceOffset != Offset)
        {
            Span<float> encoded = stackalloc float[DeviceCounter.Length];
            DeviceCounter.Encode(Offset, encoded);
            backend.Upload(encoded, _counter);
            _deviceOffset = Offset;
        }
        return _counter;
    }

    /// <summary>A replayed step drew <paramref name="count"/> numbers on the device: the host counter follows.</summary>
    internal void Replayed(ulong count)
    {
        Offset += count;
        _deviceOffset = Offset;
    }

    /// <summary>A step whose capture failed ran nothing on the device: both counters go back to <paramref name="offset"/>.</summary>
    internal void Rewind(ulong offset)
    {
        Offset = offset;
        _deviceOffset = offset;
    }
}
