namespace Flows.Kernels;

/// <summary>
/// The capacities the buffer pools allocate: a length is rounded up to the next power of two or a quarter step
/// between two powers (…, 64, 80, 96, 112, 128, 160, …), so a pooled buffer serves every length of its class and
/// wastes at most a quarter (an eighth on average) of its capacity (docs/PERFORMANCE.md, "Memory").
/// </summary>
public static class BufferSizeClasses
{
    /// <summary>The capacity of the class that holds <paramref name="length"/> floats (length itself when tiny or huge).</summary>
    public static int Capacity(int length)
    {
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), length, "a buffer length must be non-negative");
        if (length <= 8) return length;
        long floor = 1L << (31 - int.LeadingZeroCount(length)); // the largest power of two ≤ length
        long step = floor / 4;
        long capacity = (length + step - 1) / step * step;
        return capacity > Array.MaxLength ? length : (int)capacity;
    }
}
