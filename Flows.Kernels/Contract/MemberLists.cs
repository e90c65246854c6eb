namespace Flows.Kernels;

/// <summary>
/// The multi-tensor ops' member lists as the backends' Core methods take them (arrays), copied into arrays that the
/// calling thread reuses from step to step instead of new ones per call: an optimizer step lists every parameter
/// four times over, and fresh copies were most of the step's allocation in the optimizer (docs/PERFORMANCE.md,
/// "Fewer passes and allocations on the CPU"). An array is reused while the list keeps its length; a call made while
/// the thread's lists are in use (a backend calling another backend's multi-tensor op) gets lists of its own.
/// </summary>
internal sealed class MemberLists
{
    private const int Slots = 4;

    [ThreadStatic] private static MemberLists? t_free;

    private readonly DeviceBuffer[]?[] _buffers = new DeviceBuffer[]?[Slots];
    private readonly int[]?[] _ints = new int[]?[2];

    /// <summary>This thread's lists, or new ones while they are in use; give them back with <see cref="Return"/>.</summary>
    public static MemberLists Rent()
    {
        var lists = t_free ?? new MemberLists();
        t_free = null;
        return lists;
    }

    /// <summary>Drops the buffer references (so a list never keeps a freed buffer alive) and frees the lists for the next call.</summary>
    public void Return()
    {
        foreach (var list in _buffers)
            if (list is not null) Array.Clear(list);
        t_free = this;
    }

    /// <summary>The member buffers of one role (slot 0–3) as an array of exactly their length.</summary>
    public DeviceBuffer[] Buffers(int slot, ReadOnlySpan<DeviceBuffer> members) => Copy(ref _buffers[slot], members);

    /// <summary>The counts (slot 0) or the group indices (slot 1) as an array of exactly their length.</summary>
    public int[] Ints(int slot, ReadOnlySpan<int> values) => Copy(ref _ints[slot], values);

    private static T[] Copy<T>(ref T[]? array, ReadOnlySpan<T> values)
    {
        if (array is null || array.Length != values.Length) array = new T[values.Length];
        values.CopyTo(array);
        return array;
    }
}

/// <summary>
/// The names "role[i]" that the checks give the members of a multi-tensor op, formed once per index and kept, so a
/// checked call formats no string (the checks name an operand only when they reject it, but take the name always).
/// </summary>
internal sealed class MemberNames(string role)
{
    public static readonly MemberNames X = new("x");
    public static readonly MemberNames Parameters = new("parameters");
    public static readonly MemberNames Gradients = new("gradients");
    public static readonly MemberNames M = new("m");
    public static readonly MemberNames V = new("v");
    public static readonly MemberNames SquareAverage = new("squareAverage");

    private readonly Lock _grow = new();
    private volatile string[] _names = [];

    public string this[int index]
    {
        get
        {
            var names = _names;
            return index < names.Length ? names[index] : Grow(index);
        }
    }

    private string Grow(int index)
    {
        lock (_grow)
        {
            var names = _names;
            if (index >= names.Length)
            {
                var grown = new string[Math.Max(index + 1, names.Length * 2)];
                names.CopyTo(grown, 0);
                for (int i = names.Length; i < grown.Length; i++) grown[i] = $"{role}[{i}]";
                _names = names = grown;
            }
            return names[index];
        }
    }
}
