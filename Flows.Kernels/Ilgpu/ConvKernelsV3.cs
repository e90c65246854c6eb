using ILGPU;
using ILGPU.Runtime;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// v3 of the 2-D convolutions (v1 and v2, kept for comparison, are in <see cref="ConvKernels"/>): implicit GEMM on
/// <see cref="GemmKernelsV3"/>, with the same three products as v2 (see ConvKernels) and these changes:
///   - im2col addresses come from index tables that one small kernel fills per call (<see cref="ConvTables"/>),
///     so the K loop does no integer division; backward-data reads the weights in place (no flipped copy) and,
///     for stride &gt; 1, tests the stride phase with the same bounds check (ConvTables explains how);
///   - a dedicated 1×1 path (kernel 1, stride 1, no padding, and Glow's invertible 1×1): dense operands, no
///     table and no bounds checks;
///   - split-K for every product where the output tiles alone would not fill the device (the 7×7 and 14×14
///     layers at batch 32), partials summed in fixed split order;
///   - backward-weight stages its B tile along k, the contiguous direction of x and dy.
/// Default stays v2 until a GPU has timed v3 (gpu-check runs v1/v2/v3 side by side).
/// </summary>
internal sealed class ConvKernelsV3
{
    public const int MaxSplits = 64, MinKPerSplit = 64;
    private readonly GemmKernelsV3 _gemm;
    private readonly GemmKernels _sums;
    private readonly IlgpuBufferPool _pool;
    private readonly Action<Index1D, ArrayView<int>, ConvTableGeometry> _tables;

    public ConvKernelsV3(Accelerator accelerator, GemmKernelsV3 gemm, GemmKernels sums, IlgpuBufferPool pool)
    {
        _gemm = gemm;
        _sums = sums;
        _pool = pool;
        TargetGroups = Math.Max(2 * accelerator.NumMultiprocessors, 2);
        _tables = LaunchCounter.For(accelerator)
            .Counted(accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<int>, ConvTableGeometry>(ConvTables.Kernel));
    }

    /// <summary>How many groups a product should launch before splitting K stops paying.</summary>
    public int TargetGroups { get; set; }

    /// <summary>The K-splits a product of this size gets: enough groups to fill the device, each split at least 64 deep.</summary>
    public static int SplitsFor(int m, int n, int k, int targetGroups)
    {
        int tiles = ((m + GemmKernelsV3.TileM - 1) / GemmKernelsV3.TileM) * ((n + GemmKernelsV3.TileN - 1) / GemmKernelsV3.TileN);
        if (tiles >= targetGroups) return 1;
        int splits = Math.Clamp(Math.Min((targetGroups + tiles - 1) / tiles, k / MinKPerSplit), 1, MaxSplits);
        return GemmKernelsV3.SplitsUsed(k, splits);
    }

    public void Forward(ArrayView<float> x, ArrayView<float> weight, ArrayView<float> bias, bool hasBias, ArrayView<float> y, ConvGeometry g)
    {
        int m = g.OutChannels, n = g.Batch * g.OutHeight * g.OutWidth, k = g.InChannels * g.KernelSize * g.KernelSize;
        int spatial = g.OutHeight * g.OutWidth;
        var output = new OutputV3
        {
            Output = y, Bias = bias, HasBias = hasBias ? 1 : 0, StrideM = spatial, Spatial = spatial, ImageStride = m * spatial,
        };
        if (IsPointwise(g))
        {
            var dense = new DenseOperands
            {
                A = weight, AStrideM = k, AStrideK = 1,
                B = x, BStrideK = spatial, ColumnSpatial = spatial, ColumnImageStride = g.InChannels * spatial,
            };
            RunSplit(dense, output, m, n, k);
            return;
        }
        using var table = BuildTable(g, ConvTableKind.Forward, k, n);
        var ops = new TableOperands
        {
            A = weight, AStrideM = k, B = x, Table = table.View.Cast<int>(), K = k, N = n, Height = g.Height, Width = g.Width,
        };
        RunSplit(ops, output, m, n, k);
    }

    public void BackwardData(ArrayView<float> dy, ArrayView<float> weight, ArrayView<float> dx, ConvGeometry g)
    {
        int kk = g.KernelSize * g.KernelSize;
        int m = g.InChannels, n = g.Batch * g.Height * g.Width, k = g.OutChannels * kk;
        int spatial = g.Height * g.Width;
        var output = new OutputV3 { Output = dx, StrideM = spatial, Spatial = spatial, ImageStride = m * spatial };
        if (IsPointwise(g))
        {
            // dx[b, ci, s] = Σ_co w[co, ci] · dy[b, co, s]: A = Wᵀ read in place.
            var dense = new DenseOperands
            {
                A = weight, AStrideM = 1, AStrideK = g.InChannels,
                B = dy, BStrideK = spatial, ColumnSpatial = spatial, ColumnImageStride = g.OutChannels * spatial,
            };
            RunSplit(dense, output, m, n, k);
            return;
        }
        using var table = BuildTable(g, ConvTableKind.BackwardData, k, n);
        var ops = new TableOperands
        {
            A = weight, AStrideM = kk, B = dy, Table = table.View.Cast<int>(), K = k, N = n, Height = g.OutHeight, Width = g.OutWidth,
        };
        RunSplit(ops, output, m, n, k);
    }

    public void BackwardWeight(ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dw, ConvGeometry g)
    {
        int m = g.OutChannels, n = g.InChannels * g.KernelSize * g.KernelSize, k = g.Batch * g.OutHeight * g.OutWidth;
        using var table = BuildTable(g, ConvTableKind.BackwardWeight, k, n);
        var ops = new TableOperands
        {
            A = dy, AStrideM = g.OutHeight * g.OutWidth, B = x, Table = table.View.Cast<int>(), K = k, N = n, Height = g.Height, Width = g.Width,
        };
        var output = new OutputV3 { Output = dw, StrideM = n, Spatial = n, ImageStride = 0 };
        RunSplit<TableOperands, StageAlongK>(ops, output, m, n, k);
    }

    /// <summary>Glow's invertible 1×1 convolution y[b, :, s] = W · x[b, :, s] (or Wᵀ): the dense path.</summary>
    public void Conv1x1(ArrayView<float> x, ArrayView<float> weight, ArrayView<float> y, Ncs shape, bool transposeWeight)
    {
        var ops = new DenseOperands
        {
            A = weight, AStrideM = transposeWeight ? 1 : shape.C, AStrideK = transposeWeight ? shape.C : 1,
            B = x, BStrideK = shape.S, ColumnSpatial = shape.S, ColumnImageStride = shape.C * shape.S,
        };
        var output = new OutputV3 { Output = y, StrideM = shape.S, Spatial = shape.S, ImageStride = shape.C * shape.S };
        RunSplit(ops, output, shape.C, shape.N * shape.S, shape.C);
    }

    private static bool IsPointwise(ConvGeometry g) => g.KernelSize == 1 && g.Stride == 1 && g.Padding == 0;

    private IlgpuBuffer BuildTable(ConvGeometry g, ConvTableKind kind, int k, int n)
    {
        var table = _pool.Rent(ConvTables.Length(k, n));
        _tables(Math.Max(k, n), table.View.Cast<int>(), ConvTableGeometry.Of(g, kind, k, n));
        return table;
    }

    private void RunSplit<TOps>(TOps ops, OutputV3 output, int m, int n, int k) where TOps : struct, IGemmV3Operands =>
        RunSplit<TOps, StageAlongN>(ops, output, m, n, k);

    /// <summary>One launch when the tiles fill the device; otherwise K-split partials, then their sum in split order.</summary>
    private void RunSplit<TOps, TMap>(TOps ops, OutputV3 output, int m, int n, int k)
        where TOps : struct, IGemmV3Operands where TMap : struct, IStagingV3
    {
        int splits = SplitsFor(m, n, k, TargetGroups);
        if (splits == 1)
        {
            _gemm.Run<TOps, TMap>(ops, output, m, n, k);
            return;
        }
        int count = m * n;
        using var partials = _pool.Rent(splits * count);
        var destination = output.Output;
        output.Output = partials.View;
        output.SplitStride = count;
        _gemm.Run<TOps, TMap>(ops, output, m, n, k, splits);
        _sums.SumSplits(partials.View, destination, count, splits);
    }
}
