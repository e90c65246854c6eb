namespace Flows.Kernels.Cases;

/// <summary>
/// The named buffers of one kernel case on one backend. Random inputs are seeded by their name, so the device
/// and the reference get identical data (kept on the host too, for the plain-loop reference); outputs start as
/// NaN so an unwritten element fails the comparison.
/// </summary>
public sealed class CaseBuffers : IDisposable
{
    private readonly Dictionary<string, DeviceBuffer> _buffers = new();
    private readonly Dictionary<string, float[]> _host = new();
    private readonly List<PackedBuffers> _packs = new();

    public CaseBuffers(IComputeBackend backend) => Backend = backend;

    public IComputeBackend Backend { get; }

    /// <summary>Results that are numbers rather than buffers (SumOfSquares).</summary>
    public Dictionary<string, double> Scalars { get; } = new();

    public DeviceBuffer this[string name] => _buffers[name];

    /// <summary>The host copy of an input (Random or Values), for the plain-loop reference.</summary>
    public float[] Host(string name) => _host[name];

    public DeviceBuffer Random(string name, int length, float low = -1f, float high = 1f)
    {
        var rng = new Random(StableHash(name));
        var data = new float[length];
        for (int i = 0; i < length; i++) data[i] = low + (high - low) * (float)rng.NextDouble();
        return Add(name, data);
    }

    public DeviceBuffer Values(string name, float[] data) => Add(name, data);

    /// <summary>
    /// Random members of one pack (AllocatePacked, the multi-tensor optimizers' flat buffers): prefix0, prefix1, …, each
    /// seeded by its own name as <see cref="Random"/> seeds it.
    /// </summary>
    public void RandomPacked(string prefix, int[] lengths, float low = -1f, float high = 1f)
    {
        var pack = Backend.AllocatePacked(lengths);
        _packs.Add(pack);
        for (int i = 0; i < lengths.Length; i++)
        {
            string name = prefix + i;
            var rng = new Random(StableHash(name));
            var data = new float[lengths[i]];
            for (int j = 0; j < data.Length; j++) data[j] = low + (high - low) * (float)rng.NextDouble();
            Backend.Upload(data, pack.Members[i]);
            _buffers[name] = pack.Members[i];
            _host[name] = data;
        }
    }

    public DeviceBuffer Output(string name, int length)
    {
        var buffer = Backend.Allocate(length);
        Backend.Fill(buffer, float.NaN);
        _buffers[name] = buffer;
        return buffer;
    }

    public float[] Download(string name)
    {
        var buffer = _buffers[name];
        var data = new float[buffer.Length];
        Backend.Download(buffer, data);
        return data;
    }

    private DeviceBuffer Add(string name, float[] data)
    {
        var buffer = Backend.Allocate(data.Length);
        Backend.Upload(data, buffer);
        _buffers[name] = buffer;
        _host[name] = data;
        return buffer;
    }

    private static int StableHash(string text)
    {
        unchecked
        {
            int hash = 17;
            foreach (char c in text) hash = hash * 31 + c;
            return hash;
        }
    }

    public void Dispose()
    {
        var members = _packs.SelectMany(p => p.Members).ToHashSet(ReferenceEqualityComparer.Instance);
        foreach (var buffer in _buffers.Values)
            if (!members.Contains(buffer)) buffer.Dispose();
        _buffers.Clear();
        foreach (var pack in _packs) pack.Dispose();
        _packs.Clear();
    }
}
