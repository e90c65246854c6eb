namespace Flows.Kernels;

/// <summary>
/// The bookkeeping both buffer pools share: free lists per size class with a bound on the free bytes they
/// retain, and live/peak counters. Not thread-safe by itself: the pool calls it under its lock.
/// TBuffer is the pool's buffer type; capacityOf says how many floats one holds.
/// </summary>
internal sealed class PoolLedger<TBuffer> where TBuffer : class
{
    private readonly Dictionary<int, Stack<TBuffer>> _free = new();
    private readonly Func<TBuffer, int> _capacityOf;

    public PoolLedger(Func<TBuffer, int> capacityOf, long retainLimitBytes)
    {
        _capacityOf = capacityOf;
        RetainLimitBytes = retainLimitBytes;
    }

    public long RetainLimitBytes { get; set; }
    public long LiveBytes { get; private set; }
    public long FreeBytes { get; private set; }
    public long PeakLiveBytes { get; private set; }
    public int FreeBuffers { get; private set; }
    public long Allocations { get; private set; }
    public long Released { get; private set; }

    /// <summary>A free buffer of exactly this capacity, or null (then the pool allocates and calls <see cref="Created"/>).</summary>
    public TBuffer? TakeFree(int capacity)
    {
        if (!_free.TryGetValue(capacity, out var stack) || stack.Count == 0) return null;
        var buffer = stack.Pop();
        FreeBytes -= Bytes(capacity);
        FreeBuffers--;
        AddLive(capacity);
        return buffer;
    }

    public void Created(int capacity)
    {
        Allocations++;
        AddLive(capacity);
    }

    /// <summary>Takes a returned buffer back; false when keeping it would pass the bound (the caller lets it go).</summary>
    public bool Returned(TBuffer buffer)
    {
        int capacity = _capacityOf(buffer);
        LiveBytes -= Bytes(capacity);
        if (FreeBytes + Bytes(capacity) > RetainLimitBytes)
        {
            Released++;
            return false;
        }
        if (!_free.TryGetValue(capacity, out var stack)) _free[capacity] = stack = new Stack<TBuffer>();
        stack.Push(buffer);
        FreeBytes += Bytes(capacity);
        FreeBuffers++;
        return true;
    }

    /// <summary>Removes free buffers, largest classes first, until at most <paramref name="keepBytes"/> remain; returns them.</summary>
    public List<TBuffer> Trim(long keepBytes)
    {
        var released = new List<TBuffer>();
        foreach (int capacity in _free.Keys.OrderByDescending(c => c).ToList())
        {
            var stack = _free[capacity];
            while (FreeBytes > keepBytes && stack.Count > 0)
            {
                released.Add(stack.Pop());
                FreeBytes -= Bytes(capacity);
                FreeBuffers--;
            }
            if (stack.Count == 0) _free.Remove(capacity);
            if (FreeBytes <= keepBytes) break;
        }
        Released += released.Count;
        return released;
    }

    public void ResetPeak() => PeakLiveBytes = LiveBytes;

    public BufferPoolStatistics Statistics =>
        new(LiveBytes, FreeBytes, PeakLiveBytes, RetainLimitBytes, FreeBuffers, Allocations, Released);

    private void AddLive(int capacity)
    {
        LiveBytes += Bytes(capacity);
        if (LiveBytes > PeakLiveBytes) PeakLiveBytes = LiveBytes;
    }

    private static long Bytes(int capacity) => 4L * capacity;
}
