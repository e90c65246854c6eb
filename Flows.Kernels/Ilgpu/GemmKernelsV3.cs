using ILGPU;
using ILGPU.Runtime;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// v3 of C (M×N) = A (M×K) · B (K×N) (v1 and v2, kept for comparison, are in <see cref="GemmKernels"/>); issue 13
/// item 5. What it changes against v2:
///   - 128×128 output tile per 256-thread group, each thread an 8×8 register block (rows ty + 16i, columns
///     tx + 16j: conflict-free shared reads, coalesced stores), K in steps of 8;
///   - double-buffered staging: the next K slice is loaded from global memory into registers while the current
///     one is multiplied out of shared memory, then written to the other shared buffer (one barrier per step);
///   - the 8 k steps and the 8×8 products are unrolled by hand (<see cref="Block8x8"/>): ILGPU 1.5.3 does not unroll;
///   - no integer division inside the K loop: operands come as <see cref="IGemmV3Operands"/> whose k terms are
///     table reads (convolution) or one multiply (dense, 1×1), and whose n terms are taken once per tile;
///   - split-K over grid z for every op, not only backward-weight (ConvKernelsV3 picks the count);
///   - the B tile is staged along k where k is the contiguous direction (<see cref="StageAlongK"/>, backward-weight).
/// Shared tiles are [8][132] floats: the 4-float pad puts the 32 stores of a warp in 32 different banks.
/// Validated against the CPU backend on the ILGPU CPU accelerator (the case table); GPU timing owed (gpu-check
/// times v1/v2/v3 side by side).
/// </summary>
internal sealed class GemmKernelsV3
{
    public const int TileM = 128, TileN = 128, TileK = 8, Threads = 16, Padded = TileM + 4, Stage = TileK * Padded;

    private readonly Accelerator _accelerator;
    private readonly Dictionary<(Type, Type), Delegate> _kernels = new();

    public GemmKernelsV3(Accelerator accelerator)
    {
        _accelerator = accelerator;
        Load<TableOperands, StageAlongN>();
        Load<TableOperands, StageAlongK>();
        Load<DenseOperands, StageAlongN>();
    }

    /// <summary>The generic instantiations loaded (for the PTX compile check).</summary>
    public List<KernelEntry> Loaded { get; } = new();

    private void Load<TOps, TMap>() where TOps : struct, IGemmV3Operands where TMap : struct, IStagingV3
    {
        _kernels[(typeof(TOps), typeof(TMap))] =
            LaunchCounter.For(_accelerator).Counted(_accelerator.LoadKernel<TOps, OutputV3, int, int, int, int>(Tiled<TOps, TMap>));
        Loaded.Add(new KernelEntry(((Action<TOps, OutputV3, int, int, int, int>)Tiled<TOps, TMap>).Method, ExplicitlyGrouped: true));
    }

    /// <summary>Runs C = A·B with K split into <paramref name="splits"/> parts (partials at output.SplitStride apart).</summary>
    public void Run<TOps, TMap>(TOps ops, OutputV3 output, int m, int n, int k, int splits = 1)
        where TOps : struct, IGemmV3Operands where TMap : struct, IStagingV3
    {
        if (m <= 0 || n <= 0) return;
        int kPerSplit = KPerSplit(k, splits);
        var kernel = (Action<KernelConfig, TOps, OutputV3, int, int, int, int>)_kernels[(typeof(TOps), typeof(TMap))];
        var grid = new Index3D((n + TileN - 1) / TileN, (m + TileM - 1) / TileM, SplitsUsed(k, splits));
        kernel(new KernelConfig(grid, new Index3D(Threads, Threads, 1)), ops, output, m, n, k, kPerSplit);
    }

    /// <summary>The number of K-splits actually launched for a requested count (partials must be sized with it).</summary>
    public static int SplitsUsed(int k, int splits)
    {
        int kPerSplit = KPerSplit(k, splits);
        return Math.Max(1, (k + kPerSplit - 1) / kPerSplit);
    }

    private static int KPerSplit(int k, int splits)
    {
        int kPerSplit = (k + splits - 1) / Math.Max(splits, 1);
        return Math.Max(TileK, (kPerSplit + TileK - 1) / TileK * TileK);
    }

    /// <summary>The contract's MatMul: C (+)= op(A)·op(B) with dense operands, never split (accumulation stays one pass).</summary>
    public void MatMul(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, int m, int k, int n,
                       bool transposeA, bool transposeB, bool accumulate)
    {
        var ops = new DenseOperands
        {
            A = a, AStrideM = transposeA ? 1 : k, AStrideK = transposeA ? m : 1,
            B = b, BStrideK = transposeB ? 1 : n, ColumnSpatial = transposeB ? 1 : n, ColumnImageStride = transposeB ? k : 0,
        };
        var output = new OutputV3 { Output = c, Accumulate = accumulate ? 1 : 0, StrideM = n, Spatial = n, ImageStride = 0 };
        Run<DenseOperands, StageAlongN>(ops, output, m, n, k);
    }

    internal static void Tiled<TOps, TMap>(TOps ops, OutputV3 output, int m, int n, int k, int kPerSplit)
        where TOps : struct, IGemmV3Operands where TMap : struct, IStagingV3
    {
        var sharedA = SharedMemory.Allocate<float>(2 * Stage); // two buffers of [kk][mm], row stride 132
        var sharedB = SharedMemory.Allocate<float>(2 * Stage); // two buffers of [kk][nn], row stride 132
        int tx = Group.IdxX, ty = Group.IdxY;
        int tid = ty * Threads + tx;
        int n0 = Grid.IdxX * TileN, m0 = Grid.IdxY * TileM;
        int split = Grid.IdxZ;
        int kBegin = split * kPerSplit;
        int kEnd = kBegin + kPerSplit < k ? kBegin + kPerSplit : k;
        int steps = kEnd > kBegin ? (kEnd - kBegin + TileK - 1) / TileK : 0;
        bool alongK = default(TMap).AlongK;

        // A: consecutive threads stage consecutive k of one row (weights and dy are contiguous in k); rows at +32.
        int aK = tid & 7, aRow = tid >> 3;
        int aAt = aK * Padded + aRow;
        // B along n: one column per thread (its term taken once here), k rows bK + 2r.
        // B along k: one k per thread, four columns bCol + 32r.
        int bK = alongK ? tid & 7 : tid >> 7;
        int bCol = alongK ? tid >> 3 : tid & 127;
        int bN = n0 + bCol;
        int bAt = bK * Padded + bCol;
        int bStride = alongK ? 32 : 2 * Padded;
        var column0 = bN < n ? ops.ColumnTerm(bN) : default;
        var column1 = alongK && bN + 32 < n ? ops.ColumnTerm(bN + 32) : default;
        var column2 = alongK && bN + 64 < n ? ops.ColumnTerm(bN + 64) : default;
        var column3 = alongK && bN + 96 < n ? ops.ColumnTerm(bN + 96) : default;

        var stagedA = StageA(ops, kBegin, kEnd, aK, m0 + aRow, m);
        var stagedB = alongK
            ? StageBAlongK(ops, kBegin, kEnd, bK, bN, n, column0, column1, column2, column3)
            : StageBAlongN(ops, kBegin, kEnd, bK, bN < n, column0);
        WriteStrided(sharedA, aAt, 32, stagedA);
        WriteStrided(sharedB, bAt, bStride, stagedB);
        Group.Barrier();

        var acc = default(Block8x8);
        for (int step = 0; step < steps; step++)
        {
            int current = (step & 1) * Stage, next = Stage - current;
            bool more = step + 1 < steps;
            if (more)
            {
                // Global loads for the next slice are issued before the multiply so their latency hides behind it.
                int k1 = kBegin + (step + 1) * TileK;
                stagedA = StageA(ops, k1, kEnd, aK, m0 + aRow, m);
                stagedB = alongK
                    ? StageBAlongK(ops, k1, kEnd, bK, bN, n, column0, column1, column2, column3)
                    : StageBAlongN(ops, k1, kEnd, bK, bN < n, column0);
            }
            acc = MultiplySlice(acc, sharedA, sharedB, current + ty, current + tx);
            if (more)
            {
                WriteStrided(sharedA, next + aAt, 32, stagedA);
                WriteStrided(sharedB, next + bAt, bStride, stagedB);
            }
            Group.Barrier();
        }

        int c0 = n0 + tx;
        Int8 columns;
        columns.X0 = c0 < n ? output.ColumnOffset(c0) : -1;
        columns.X1 = c0 + 16 < n ? output.ColumnOffset(c0 + 16) : -1;
        columns.X2 = c0 + 32 < n ? output.ColumnOffset(c0 + 32) : -1;
        columns.X3 = c0 + 48 < n ? output.ColumnOffset(c0 + 48) : -1;
        columns.X4 = c0 + 64 < n ? output.ColumnOffset(c0 + 64) : -1;
        columns.X5 = c0 + 80 < n ? output.ColumnOffset(c0 + 80) : -1;
        columns.X6 = c0 + 96 < n ? output.ColumnOffset(c0 + 96) : -1;
        columns.X7 = c0 + 112 < n ? output.ColumnOffset(c0 + 112) : -1;
        int r0 = m0 + ty;
        StoreRow(output, r0, m, split, columns, acc.R0);
        StoreRow(output, r0 + 16, m, split, columns, acc.R1);
        StoreRow(output, r0 + 32, m, split, columns, acc.R2);
        StoreRow(output, r0 + 48, m, split, columns, acc.R3);
        StoreRow(output, r0 + 64, m, split, columns, acc.R4);
        StoreRow(output, r0 + 80, m, split, columns, acc.R5);
        StoreRow(output, r0 + 96, m, split, columns, acc.R6);
        StoreRow(output, r0 + 112, m, split, columns, acc.R7);
    }

    /// <summary>The eight k steps of one staged slice, unrolled.</summary>
    private static Block8x8 MultiplySlice(Block8x8 c, ArrayView<float> sharedA, ArrayView<float> sharedB, int a, int b)
    {
        c = Block8x8.Step(c, Vec8.Read(sharedA, a), Vec8.Read(sharedB, b));
        c = Block8x8.Step(c, Vec8.Read(sharedA, a + Padded), Vec8.Read(sharedB, b + Padded));
        c = Block8x8.Step(c, Vec8.Read(sharedA, a + 2 * Padded), Vec8.Read(sharedB, b + 2 * Padded));
        c = Block8x8.Step(c, Vec8.Read(sharedA, a + 3 * Padded), Vec8.Read(sharedB, b + 3 * Padded));
        c = Block8x8.Step(c, Vec8.Read(sharedA, a + 4 * Padded), Vec8.Read(sharedB, b + 4 * Padded));
        c = Block8x8.Step(c, Vec8.Read(sharedA, a + 5 * Padded), Vec8.Read(sharedB, b + 5 * Padded));
        c = Block8x8.Step(c, Vec8.Read(sharedA, a + 6 * Padded), Vec8.Read(sharedB, b + 6 * Padded));
        c = Block8x8.Step(c, Vec8.Read(sharedA, a + 7 * Padded), Vec8.Read(sharedB, b + 7 * Padded));
        return c;
    }

    /// <summary>A values (k0 + aK, rows aM + 32r) for one slice; 0 past K or M.</summary>
    private static Vec4 StageA<TOps>(TOps ops, int k0, int kEnd, int aK, int aM, int m) where TOps : struct, IGemmV3Operands
    {
        Vec4 v = default;
        int gk = k0 + aK;
        if (gk < kEnd)
        {
            int offset = ops.AOffset(gk);
            if (aM < m) v.X0 = ops.LoadA(aM, offset);
            if (aM + 32 < m) v.X1 = ops.LoadA(aM + 32, offset);
            if (aM + 64 < m) v.X2 = ops.LoadA(aM + 64, offset);
            if (aM + 96 < m) v.X3 = ops.LoadA(aM + 96, offset);
        }
        return v;
    }

    /// <summary>B values (k0 + bK + 2r, one column) for one slice; 0 past K or N.</summary>
    private static Vec4 StageBAlongN<TOps>(TOps ops, int k0, int kEnd, int bK, bool inside, GatherTerm column)
        where TOps : struct, IGemmV3Operands
    {
        Vec4 v = default;
        if (inside)
        {
            int gk = k0 + bK;
            if (gk < kEnd) v.X0 = ops.LoadB(column, ops.RowTerm(gk));
            if (gk + 2 < kEnd) v.X1 = ops.LoadB(column, ops.RowTerm(gk + 2));
            if (gk + 4 < kEnd) v.X2 = ops.LoadB(column, ops.RowTerm(gk + 4));
            if (gk + 6 < kEnd) v.X3 = ops.LoadB(column, ops.RowTerm(gk + 6));
        }
        return v;
    }

    /// <summary>B values (k0 + bK, columns bN + 32r) for one slice; 0 past K or N.</summary>
    private static Vec4 StageBAlongK<TOps>(TOps ops, int k0, int kEnd, int bK, int bN, int n,
                                           GatherTerm c0, GatherTerm c1, GatherTerm c2, GatherTerm c3)
        where TOps : struct, IGemmV3Operands
    {
        Vec4 v = default;
        int gk = k0 + bK;
        if (gk < kEnd)
        {
            var row = ops.RowTerm(gk);
            if (bN < n) v.X0 = ops.LoadB(c0, row);
            if (bN + 32 < n) v.X1 = ops.LoadB(c1, row);
            if (bN + 64 < n) v.X2 = ops.LoadB(c2, row);
            if (bN + 96 < n) v.X3 = ops.LoadB(c3, row);
        }
        return v;
    }

    private static void WriteStrided(ArrayView<float> shared, int at, int stride, Vec4 v)
    {
        shared[at] = v.X0;
        shared[at + stride] = v.X1;
        shared[at + 2 * stride] = v.X2;
        shared[at + 3 * stride] = v.X3;
    }

    private static void StoreRow(OutputV3 output, int row, int m, int split, Int8 columns, Vec8 v)
    {
        if (row >= m) return;
        if (columns.X0 >= 0) output.Store(row, columns.X0, split, v.X0);
        if (columns.X1 >= 0) output.Store(row, columns.X1, split, v.X1);
        if (columns.X2 >= 0) output.Store(row, columns.X2, split, v.X2);
        if (columns.X3 >= 0) output.Store(row, columns.X3, split, v.X3);
        if (columns.X4 >= 0) output.Store(row, columns.X4, split, v.X4);
        if (columns.X5 >= 0) output.Store(row, columns.X5, split, v.X5);
        if (columns.X6 >= 0) output.Store(row, columns.X6, split, v.X6);
        if (columns.X7 >= 0) output.Store(row, columns.X7, split, v.X7);
    }
}
