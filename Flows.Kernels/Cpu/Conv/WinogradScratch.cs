namespace Flows.Kernels.Cpu;

/// <summary>
/// Per-thread scratch of the Winograd convolution, grown like <see cref="ThreadScratch"/> (pinned, reused, so the
/// steady state allocates nothing). Its own slots rather than new <see cref="ScratchSlot"/> numbers, because a
/// Winograd block calls the packed GEMM, which uses the PackA/PackB slots on the same thread meanwhile.
/// </summary>
internal static class WinogradScratch
{
    public const int Frame = 0;
    public const int Transformed = 1;
    public const int Products = 2;
    public const int Weights = 3;
    public const int PackedWeights = 4;
    private const int Slots = 5;

    [ThreadStatic] private static float[]?[]? t_arrays;

    /// <summary>An array of at least <paramref name="length"/> floats for this thread; contents undefined.</summary>
    public static float[] Get(int slot, long length)
    {
        if (length > int.MaxValue - 64)
            throw new InvalidOperationException($"Winograd scratch of {length} floats is too large; use the direct convolution");
        var arrays = t_arrays ??= new float[]?[Slots];
        var array = arrays[slot];
        if (array is null || array.Length < length)
        {
            int size = (int)Math.Max(length + 64, array is null ? 0 : Math.Min(int.MaxValue / 2, array.Length * 3L / 2));
            array = GC.AllocateUninitializedArray<float>(size, pinned: true);
            arrays[slot] = array;
        }
        return array;
    }
}
