namespace Flows.Kernels.Cpu;

/// <summary>
/// Small per-call arrays of the multi-tensor kernels (each member's float array, the members' offsets in the pass, the
/// groups' constants), kept by the calling thread and reused while their length stays the same, so a warm optimizer
/// step allocates nothing (Flows.Tests SteadyStateAllocationTests). Contents are undefined on return; a user that
/// stores references clears them when done (<see cref="Clear"/>), so a reused array keeps no buffer alive.
/// </summary>
internal static class CallArrays<T>
{
    public const int Slots = 4;

    [ThreadStatic] private static T[]?[]? t_arrays;

    /// <summary>An array of exactly <paramref name="length"/> elements for this thread's slot.</summary>
    public static T[] Get(int slot, int length)
    {
        var arrays = t_arrays ??= new T[]?[Slots];
        var array = arrays[slot];
        if (array is null || array.Length != length) arrays[slot] = array = new T[length];
        return array;
    }

    /// <summary>Clears the slot's array (drops its references).</summary>
    public static void Clear(int slot)
    {
        if (t_arrays?[slot] is { } array) Array.Clear(array);
    }
}
