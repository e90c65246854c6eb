namespace Flows.Core.Training;

/// <summary>
/// The order in which an epoch visits the training images: a Fisher–Yates shuffle seeded by (seed, epoch),
/// so a resumed run sees exactly the batches an uninterrupted one would. The last partial batch is kept
/// (drop_last = False, as the official loaders). The seed is mixed with a fixed function, never HashCode,
/// whose per-process random seed would give another order in every process (and break --resume).
/// </summary>
public static class BatchOrder
{
    /// <summary>
    /// The shuffled order of epoch <paramref name="epoch"/>. <paramref name="stream"/> 0 is the training set's
    /// order; another stream gives an independent order for a second loader (the OOD set of negative training).
    /// </summary>
    public static int[] Permutation(int count, int seed, int epoch, int stream = 0)
    {
        var order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        int mixed = MixSeed(seed, epoch);
        var rng = new Random(stream == 0 ? mixed : MixSeed(mixed, stream));
        for (int i = count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>The identity order (the UCI script's shuffle=False, docs/MODELS.md §2 E11).</summary>
    public static int[] InOrder(int count)
    {
        var order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        return order;
    }

    /// <summary>A SplitMix64 finaliser of (seed, epoch): the same in every process.</summary>
    internal static int MixSeed(int seed, int epoch)
    {
        ulong z = unchecked(((ulong)(uint)seed << 32 | (uint)epoch) + 0x9E3779B97F4A7C15UL * 0x5EED);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)((z ^ (z >> 31)) & 0x7FFFFFFF);
    }

    public static int BatchesPerEpoch(int count, int batchSize) => (count + batchSize - 1) / batchSize;

    public static ReadOnlySpan<int> Batch(int[] permutation, int batchIndex, int batchSize)
    {
        int start = batchIndex * batchSize;
        return permutation.AsSpan(start, Math.Min(batchSize, permutation.Length - start));
    }
}
