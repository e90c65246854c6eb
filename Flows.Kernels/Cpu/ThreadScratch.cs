namespace Flows.Kernels.Cpu;

/// <summary>
/// Per-thread scratch arrays (im2col columns, packed GEMM panels) that grow to the largest size asked for and
/// are then reused, so steady-state kernels allocate nothing. Arrays live on the pinned object heap, so their
/// addresses are stable for pointer access and can be aligned to 64 bytes by offsetting.
/// </summary>
internal static class ThreadScratch
{
    public const int Slots = 11;

    [ThreadStatic] private static float[]?[]? t_arrays;

    /// <summary>An array of at least <paramref name="length"/> floats for this thread; contents undefined.</summary>
    public static float[] Get(int slot, int length)
    {
        var arrays = t_arrays ??= new float[]?[Slots];
        var array = arrays[slot];
        if (array is null || array.Length < length)
        {
            // Grow geometrically with 64 floats of slack for alignment.
            int size = Math.Max(length + 64, array is null ? 0 : Math.Min(int.MaxValue / 2, array.Length * 3 / 2));
            array = GC.AllocateUninitializedArray<float>(size, pinned: true);
            arrays[slot] = array;
        }
        return array;
    }

    [ThreadStatic] private static double[]?[]? t_doubles;

    /// <summary>
    /// A double array of at least <paramref name="length"/> for this thread (the per-chunk partials of a
    /// deterministic reduction), zeroed over its first <paramref name="length"/> elements.
    /// </summary>
    public static double[] GetZeroedDoubles(int slot, int length)
    {
        var arrays = t_doubles ??= new double[]?[DoubleSlot.Count];
        var array = arrays[slot];
        if (array is null || array.Length < length) arrays[slot] = array = new double[Math.Max(length, 64)];
        else array.AsSpan(0, length).Clear();
        return array;
    }

    /// <summary>Index of the first element of <paramref name="array"/> that sits on a 64-byte boundary.</summary>
    public static unsafe int AlignedStart(float[] array)
    {
        fixed (float* p = array)
        {
            long misalignment = ((long)p & 63) / sizeof(float);
            return misalignment == 0 ? 0 : (int)(16 - misalignment);
        }
    }
}

/// <summary>Named double slots of <see cref="ThreadScratch.GetZeroedDoubles"/>.</summary>
internal static class DoubleSlot
{
    public const int CouplingScale = 0;
    public const int SumOfSquares = 1;
    public const int Matrix = 2;
    public const int Inverse = 3;
    public const int BatchNormRowSums = 4;
    public const int Count = 5;
}

/// <summary>Named scratch slots so two users on one thread never share an array.</summary>
internal static class ScratchSlot
{
    public const int Columns = 0;
    public const int PackA = 1;
    public const int PackB = 2;
    public const int Transpose = 3;
    public const int Weights = 4;
    public const int Padded = 5;
    public const int Partials = 6;
    public const int Product = 7;
    public const int PackedWeights = 8;
    public const int PoolRows = 9;
    public const int BatchNormCoefficients = 10;
}
