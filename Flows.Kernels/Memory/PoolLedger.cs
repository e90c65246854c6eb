namespace Flows.Kernels;

/// <summary>
/// The bookkeeping both buffer pools share: free lists per size class with a bound on the free bytes they
/// retain (never below the peak live bytes, see <see cref="EffectiveLimitBytes"/>), and live/peak counters. When a returned buffer would pass the bound, the buffers returned longest ago
/// go first (from any class): the sizes of a finished phase leave, the current step's working set stays, so a
/// steady state allocates nothing even after the job's phases changed sizes (docs/PERFORMANCE.md, "Memory").
/// Not thread-safe by itself: the pool calls it under its lock. capacityOf says how many floats a buffer holds.
/// </summary>
internal sealed class PoolLedger<TBuffer> where TBuffer : class
{
    private readonly Dictionary<int, LinkedList<(TBuffer Buffer, long Stamp)>> _free = new();
    private readonly Stack<LinkedListNode<(TBuffer Buffer, long Stamp)>> _spareNodes = new();
    private readonly Func<TBuffer, int> _capacityOf;
    private long _clock;

    public PoolLedger(Func<TBuffer, int> capacityOf, long retainLimitBytes)
    {
        _capacityOf = capacityOf;
        RetainLimitBytes = retainLimitBytes;
    }

    public long RetainLimitBytes { get; set; }

    /// <summary>
    /// The bound a return is held to: the configured one, or twice the peak live bytes when a step needs more. A loop
    /// whose working set is larger than the bound would otherwise evict, oldest first, exactly the buffers its next
    /// pass asks for first, and reallocate its whole working set every pass (an eval of a small RealNVP at batch 256
    /// did: 140 buffers, 484 MB per pass). Twice, because a pass's buffers span more size classes than are live at its
    /// peak (a freed buffer serves only its own class).
    /// </summary>
    public long EffectiveLimitBytes => Math.Max(RetainLimitBytes, 2 * PeakLiveBytes);
    public long LiveBytes { get; private set; }
    public long FreeBytes { get; private set; }
    public long PeakLiveBytes { get; private set; }
    public int FreeBuffers { get; private set; }
    public long Allocations { get; private set; }
    public long Released { get; private set; }

    /// <summary>The free buffer of this capacity returned last, or null (then the pool allocates and calls <see cref="Created"/>).</summary>
    public TBuffer? TakeFree(int capacity)
    {
        if (!_free.TryGetValue(capacity, out var list) || list.Last is not { } node) return null;
        var buffer = Unlink(list, node, capacity);
        AddLive(capacity);
        return buffer;
    }

    public void Created(int capacity)
    {
        Allocations++;
        AddLive(capacity);
    }

    /// <summary>
    /// Takes a returned buffer back. Returns the buffers the caller must let go: the oldest free ones when keeping
    /// this one passes the bound, or this one itself when it alone is larger than the bound.
    /// </summary>
    public List<TBuffer>? Returned(TBuffer buffer)
    {
        int capacity = _capacityOf(buffer);
        long bytes = Bytes(capacity);
        LiveBytes -= bytes;
        long limit = EffectiveLimitBytes;
        if (bytes > limit)
        {
            Released++;
            return [buffer];
        }
        var released = FreeBytes + bytes > limit ? Trim(limit - bytes) : null;
        if (!_free.TryGetValue(capacity, out var list)) _free[capacity] = list = new LinkedList<(TBuffer, long)>();
        var node = _spareNodes.Count > 0 ? _spareNodes.Pop() : new LinkedListNode<(TBuffer, long)>(default);
        node.Value = (buffer, ++_clock);
        list.AddLast(node);
        FreeBytes += bytes;
        FreeBuffers++;
        return released;
    }

    /// <summary>Removes free buffers, those returned longest ago first, until at most <paramref name="keepBytes"/> remain; returns them.</summary>
    public List<TBuffer> Trim(long keepBytes)
    {
        var released = new List<TBuffer>();
        while (FreeBytes > keepBytes)
        {
            // The oldest buffer heads its class's list; the class with the oldest head holds the oldest of all.
            LinkedList<(TBuffer Buffer, long Stamp)>? oldest = null;
            int oldestCapacity = 0;
            foreach (var (capacity, list) in _free)
                if (list.First is { } head && (oldest is null || head.Value.Stamp < oldest.First!.Value.Stamp))
                {
                    oldest = list;
                    oldestCapacity = capacity;
                }
            if (oldest is null) break;
            released.Add(Unlink(oldest, oldest.First!, oldestCapacity));
        }
        Released += released.Count;
        return released;
    }

    public void ResetPeak() => PeakLiveBytes = LiveBytes;

    public BufferPoolStatistics Statistics =>
        new(LiveBytes, FreeBytes, PeakLiveBytes, RetainLimitBytes, FreeBuffers, Allocations, Released);

    private TBuffer Unlink(LinkedList<(TBuffer Buffer, long Stamp)> list, LinkedListNode<(TBuffer Buffer, long Stamp)> node, int capacity)
    {
        var buffer = node.Value.Buffer;
        list.Remove(node);
        node.Value = default;
        _spareNodes.Push(node);
        FreeBytes -= Bytes(capacity);
        FreeBuffers--;
        return buffer;
    }

    private void AddLive(int capacity)
    {
        LiveBytes += Bytes(capacity);
        if (LiveBytes > PeakLiveBytes) PeakLiveBytes = LiveBytes;
    }

    private static long Bytes(int capacity) => 4L * capacity;
}
