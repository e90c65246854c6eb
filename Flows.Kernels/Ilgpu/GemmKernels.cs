using ILGPU;
using ILGPU.Runtime;

namespace Flows.Kernels.Ilgpu;

/// <summary>Element (m, k) of the left operand; implementations read dense, transposed or implicit (im2col) storage.</summary>
internal interface IGemmA
{
    float Load(int m, int k);
}

/// <summary>Element (k, n) of the right operand.</summary>
internal interface IGemmB
{
    float Load(int k, int n);
}

/// <summary>Where result (m, n) of K-split <c>split</c> goes (a dense matrix, an NCHW tensor plus bias, split partials).</summary>
internal interface IGemmStore
{
    void Store(int m, int n, int split, float value);
}

/// <summary>
/// C (M×N) = A (M×K) · B (K×N) for any operand layout: dense matrix multiply, implicit-GEMM convolution
/// forward / backward-data / backward-weight, and the batched 1×1 convolution all run through here.
/// Operands are generic structs, so ILGPU specialises one kernel per layout with no indirection.
///
/// v1 (kept, <see cref="Naive{TA,TB,TC}"/>): one thread per output, K-loop from global memory. Correct and
///    simple; on the H200 a one-thread-per-output 3x3 conv measured 1.8 TFLOP/s (ANCHORS.md probe).
/// v2 (current, <see cref="Tiled{TA,TB,TC}"/>): 64×64 output tile per 256-thread group, K in steps of 16
///    staged through shared memory (A tile padded to 65 columns so its transposed stores do not conflict),
///    each thread accumulating a 4×4 register block at stride 16 (conflict-free shared reads, coalesced
///    writes). Optional split-K over grid z writes partials that a second launch sums in fixed order, for
///    conv backward-weight where M·N is small and K = batch·H·W is large. GPU timing owed.
/// </summary>
internal sealed class GemmKernels
{
    public const int TileM = 64, TileN = 64, TileK = 16, Threads = 16, PaddedM = TileM + 1;

    private readonly Accelerator _accelerator;
    private readonly Dictionary<(Type, Type, Type), Delegate> _tiled = new();
    private readonly Dictionary<(Type, Type, Type), Delegate> _naive = new();
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int, int> _sumSplits;

    public GemmKernels(Accelerator accelerator)
    {
        _accelerator = accelerator;
        _sumSplits = LaunchCounter.For(accelerator).Counted(accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(SumSplitsKernel));
    }

    /// <summary>The generic instantiations loaded so far (for the PTX compile check).</summary>
    public List<KernelEntry> Loaded { get; } = new();

    /// <summary>Loads v1 and v2 for one operand combination; called once per combination at backend construction.</summary>
    public void Load<TA, TB, TC>() where TA : struct, IGemmA where TB : struct, IGemmB where TC : struct, IGemmStore
    {
        _tiled[(typeof(TA), typeof(TB), typeof(TC))] =
            LaunchCounter.For(_accelerator).Counted(_accelerator.LoadKernel<TA, TB, TC, int, int, int, int>(Tiled<TA, TB, TC>));
        _naive[(typeof(TA), typeof(TB), typeof(TC))] =
            LaunchCounter.For(_accelerator).Counted(_accelerator.LoadAutoGroupedKernel<Index1D, TA, TB, TC, int, int>(Naive<TA, TB, TC>));
        Loaded.Add(new KernelEntry(((Action<TA, TB, TC, int, int, int, int>)Tiled<TA, TB, TC>).Method, ExplicitlyGrouped: true));
        Loaded.Add(new KernelEntry(((Action<Index1D, TA, TB, TC, int, int>)Naive<TA, TB, TC>).Method, ExplicitlyGrouped: false));
    }

    /// <summary>Runs C = A·B with the given kernel version (1 naive, 2 tiled) and K split into <paramref name="splits"/> parts (v2 only).</summary>
    public void Run<TA, TB, TC>(TA a, TB b, TC c, int m, int n, int k, int version, int splits = 1)
        where TA : struct, IGemmA where TB : struct, IGemmB where TC : struct, IGemmStore
    {
        if (m <= 0 || n <= 0) return;
        var key = (typeof(TA), typeof(TB), typeof(TC));
        if (version == 1)
        {
            var naive = (Action<Index1D, TA, TB, TC, int, int>)_naive[key];
            naive(m * n, a, b, c, n, k);
            return;
        }
        int kPerSplit = (k + splits - 1) / Math.Max(splits, 1);
        kPerSplit = Math.Max(TileK, (kPerSplit + TileK - 1) / TileK * TileK);
        int usedSplits = Math.Max(1, (k + kPerSplit - 1) / kPerSplit);
        var tiled = (Action<KernelConfig, TA, TB, TC, int, int, int, int>)_tiled[key];
        var grid = new Index3D((n + TileN - 1) / TileN, (m + TileM - 1) / TileM, usedSplits);
        tiled(new KernelConfig(grid, new Index3D(Threads, Threads, 1)), a, b, c, m, n, k, kPerSplit);
    }

    /// <summary>The number of K-splits actually launched for a requested count (stores must size partials with it).</summary>
    public static int SplitsUsed(int k, int splits)
    {
        int kPerSplit = (k + splits - 1) / Math.Max(splits, 1);
        kPerSplit = Math.Max(TileK, (kPerSplit + TileK - 1) / TileK * TileK);
        return Math.Max(1, (k + kPerSplit - 1) / kPerSplit);
    }

    /// <summary>destination[i] = Σ_s partials[s·count + i], in split order.</summary>
    public void SumSplits(ArrayView<float> partials, ArrayView<float> destination, int count, int splits)
    {
        if (count > 0) _sumSplits(count, partials, destination, count, splits);
    }

    private static void SumSplitsKernel(Index1D index, ArrayView<float> partials, ArrayView<float> destination, int count, int splits)
    {
        int i = index;
        float sum = 0f;
        for (int s = 0; s < splits; s++) sum += partials[(long)s * count + i];
        destination[i] = sum;
    }

    internal static void Naive<TA, TB, TC>(Index1D index, TA a, TB b, TC c, int n, int k)
        where TA : struct, IGemmA where TB : struct, IGemmB where TC : struct, IGemmStore
    {
        int i = index;
        int row = i / n, col = i % n;
        float sum = 0f;
        for (int p = 0; p < k; p++) sum += a.Load(row, p) * b.Load(p, col);
        c.Store(row, col, 0, sum);
    }

    internal static void Tiled<TA, TB, TC>(TA a, TB b, TC c, int m, int n, int k, int kPerSplit)
        where TA : struct, IGemmA where TB : struct, IGemmB where TC : struct, IGemmStore
    {
        var tileA = SharedMemory.Allocate<float>(TileK * PaddedM); // [kk][mm], row stride 65
        var tileB = SharedMemory.Allocate<float>(TileK * TileN);   // [kk][nn]
        int tx = Group.IdxX, ty = Group.IdxY;
        int tid = ty * Threads + tx;
        int n0 = Grid.IdxX * TileN, m0 = Grid.IdxY * TileM;
        int split = Grid.IdxZ;
        int kBegin = split * kPerSplit;
        int kEnd = kBegin + kPerSplit < k ? kBegin + kPerSplit : k;

        float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f;
        float c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f;
        float c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f;
        float c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f;

        for (int k0 = kBegin; k0 < kEnd; k0 += TileK)
        {
            for (int r = 0; r < 4; r++)
            {
                int e = tid + 256 * r;
                // A: k fastest, so consecutive threads read consecutive k of one row (row-major A coalesces).
                int akk = e & 15, amm = e >> 4;
                int gk = k0 + akk, gm = m0 + amm;
                tileA[akk * PaddedM + amm] = gk < kEnd && gm < m ? a.Load(gm, gk) : 0f;
                // B: n fastest (row-major B and im2col over output pixels coalesce).
                int bnn = e & 63, bkk = e >> 6;
                int gkb = k0 + bkk, gn = n0 + bnn;
                tileB[bkk * TileN + bnn] = gkb < kEnd && gn < n ? b.Load(gkb, gn) : 0f;
            }
            Group.Barrier();
            for (int kk = 0; kk < TileK; kk++)
            {
                int ra = kk * PaddedM + ty, rb = kk * TileN + tx;
                float a0 = tileA[ra], a1 = tileA[ra + 16], a2 = tileA[ra + 32], a3 = tileA[ra + 48];
                float b0 = tileB[rb], b1 = tileB[rb + 16], b2 = tileB[rb + 32], b3 = tileB[rb + 48];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            }
            Group.Barrier();
        }

        StoreRow(c, m0 + ty, n0 + tx, m, n, split, c00, c01, c02, c03);
        StoreRow(c, m0 + ty + 16, n0 + tx, m, n, split, c10, c11, c12, c13);
        StoreRow(c, m0 + ty + 32, n0 + tx, m, n, split, c20, c21, c22, c23);
        StoreRow(c, m0 + ty + 48, n0 + tx, m, n, split, c30, c31, c32, c33);
    }

    private static void StoreRow<TC>(TC c, int row, int col, int m, int n, int split, float v0, float v1, float v2, float v3)
        where TC : struct, IGemmStore
    {
        if (row >= m) return;
        if (col < n) c.Store(row, col, split, v0);
        if (col + 16 < n) c.Store(row, col + 16, split, v1);
        if (col + 32 < n) c.Store(row, col + 32, split, v2);
        if (col + 48 < n) c.Store(row, col + 48, split, v3);
    }
}

/// <summary>A dense row-major matrix (M×K), or its transpose stored K×M.</summary>
internal struct MatrixA : IGemmA
{
    public ArrayView<float> Data;
    public int M, K, Transposed;

    public float Load(int m, int k) => Transposed != 0 ? Data[k * M + m] : Data[m * K + k];
}

/// <summary>A dense row-major matrix (K×N), or its transpose stored N×K.</summary>
internal struct MatrixB : IGemmB
{
    public ArrayView<float> Data;
    public int K, N, Transposed;

    public float Load(int k, int n) => Transposed != 0 ? Data[n * K + k] : Data[k * N + n];
}

/// <summary>A dense row-major M×N result, overwritten or accumulated into.</summary>
internal struct MatrixStore : IGemmStore
{
    public ArrayView<float> Data;
    public int N, Accumulate;

    public void Store(int m, int n, int split, float value)
    {
        int at = m * N + n;
        Data[at] = Accumulate != 0 ? Data[at] + value : value;
    }
}

/// <summary>Split-K partials: partial s of element (m, n) at s·M·N + m·N + n; summed later by SumSplits.</summary>
internal struct SplitStore : IGemmStore
{
    public ArrayView<float> Partials;
    public int N, Count;

    public void Store(int m, int n, int split, float value) => Partials[(long)split * Count + m * N + n] = value;
}
