namespace Flows.Core.Training;

/// <summary>
/// The order in which an epoch visits the training images: a Fisher–Yates shuffle seeded by (seed, epoch),
/// so a resumed run sees exactly the batches an uninterrupted one would. The last partial batch is kept
/// (drop_last = False, as the official loaders).
/// </summary>
public static class BatchOrder
{
    public static int[] Permutation(int count, int seed, int epoch)
    {
        var order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        var rng = new Random(HashCode.Combine(seed, epoch, 0x5EED));
        for (int i = count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    public static int BatchesPerEpoch(int count, int batchSize) => (count + batchSize - 1) / batchSize;

    public static ReadOnlySpan<int> Batch(int[] permutation, int batchIndex, int batchSize)
    {
        int start = batchIndex * batchSize;
        return permutation.AsSpan(start, Math.Min(batchSize, permutation.Length - start));
    }
}
