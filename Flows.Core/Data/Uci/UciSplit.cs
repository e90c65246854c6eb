using Flows.Kernels;

namespace Flows.Core.Data.Uci;

/// <summary>
/// The seeded 90/10 train/test split MiniBooNE uses per class. The official code calls sklearn's
/// train_test_split(test_size=0.1, random_state=0), whose numpy MT19937 permutation is not reproduced here
/// (docs/MODELS.md §3.3 allows a port its own split). What is kept: sklearn's sizes, n_test = ceil(0.1·n) and
/// n_train = n − n_test, and its order (test = the first n_test entries of a permutation, train = the rest).
/// The permutation is a Fisher–Yates shuffle, for i = n−1 down to 1 swapping i with
/// j = CounterRng.Hash(seed ⊕ 0x5543492D53504C54, i) mod (i+1), so it is the same in every process and on
/// every machine (the modulo bias is below n/2^64).
/// </summary>
public static class UciSplit
{
    /// <summary>"UCI-SPLT": keeps this stream apart from other uses of the same seed.</summary>
    private const ulong Stream = 0x5543492D53504C54;

    /// <summary>sklearn's test size for test_size = 0.1: ceil(0.1 · n), computed exactly in integers.</summary>
    public static int TestCount(int count) => (count + 9) / 10;

    /// <summary>The row indices of the train and test parts of <paramref name="count"/> rows.</summary>
    public static (int[] Train, int[] Test) TrainTest(int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var order = Permutation(count, seed);
        int test = TestCount(count);
        return (order[test..], order[..test]);
    }

    /// <summary>The seeded permutation of 0..count−1 described above.</summary>
    public static int[] Permutation(int count, int seed)
    {
        var order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        ulong key = unchecked((ulong)(uint)seed ^ Stream);
        for (int i = count - 1; i > 0; i--)
        {
            int j = (int)(CounterRng.Hash(key, (ulong)i) % (ulong)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}
