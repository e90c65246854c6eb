using ILGPU;
using ILGPU.Runtime;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// Convolution backward-weight with the bias gradient in the same product (docs/PERFORMANCE.md, "Launches and host
/// synchronisations per step"): dW (Cout × Cin·K·K) = dy (Cout × B·OH·OW) · im2col(x)ᵀ gains one column, Cin·K·K, whose
/// right operand is all ones, so that column is db[c] = Σ over (b, oy, ox) of dy[b, c, oy, ox]. The GEMM (v1 or v2 of
/// <see cref="GemmKernels"/>) stores that column into db; with split-K the partials of both sum in one launch.
///   v1 (replaced): backward-weight, then SumTo of dy over (N, S): one GroupReduction launch more per biased convolution.
///   v2 (this): the ones column; a 64-wide tile gains at most one column (the extra tile column only when Cin·K·K is a
///       multiple of 64). GEMM v3 keeps v1's two launches for now (IlgpuBackend).
/// </summary>
internal sealed class ConvBiasGradientKernels
{
    private const int MaxSplits = 64;
    private readonly GemmKernels _gemm;
    private readonly IlgpuBufferPool _pool;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int> _sumSplits;

    public ConvBiasGradientKernels(Accelerator accelerator, GemmKernels gemm, IlgpuBufferPool pool)
    {
        _gemm = gemm;
        _pool = pool;
        gemm.Load<OutputGradientA, Im2ColTransposedOnesB, WeightBiasStore>();
        gemm.Load<OutputGradientA, Im2ColTransposedOnesB, SplitStore>();
        _sumSplits = LaunchCounter.For(accelerator).Counted(
            accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(SumSplitsKernel));
    }

    /// <summary>dw and db from x and dy; splits K = B·OH·OW over groups as backward-weight v2 does.</summary>
    public void Run(ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dw, ArrayView<float> db, ConvGeometry g, int version, int targetGroups)
    {
        int m = g.OutChannels, columns = g.InChannels * g.KernelSize * g.KernelSize, n = columns + 1;
        int k = g.Batch * g.OutHeight * g.OutWidth;
        var a = new OutputGradientA { Dy = dy, Channels = g.OutChannels, Spatial = g.OutHeight * g.OutWidth };
        var b = new Im2ColTransposedOnesB
        {
            Columns = new Im2ColTransposedB
            {
                Columns = new Im2ColB
                {
                    Input = x, InC = g.InChannels, InH = g.Height, InW = g.Width,
                    OutH = g.OutHeight, OutW = g.OutWidth, Kernel = g.KernelSize, Pad = g.Padding, Stride = g.Stride, Dilation = 1,
                },
            },
            OnesColumn = columns,
        };
        int tiles = ((m + GemmKernels.TileM - 1) / GemmKernels.TileM) * ((n + GemmKernels.TileN - 1) / GemmKernels.TileN);
        int splits = version == 1 ? 1 : Math.Clamp(Math.Min((targetGroups + tiles - 1) / tiles, (k + 63) / 64), 1, MaxSplits);
        splits = GemmKernels.SplitsUsed(k, splits);
        if (splits == 1)
        {
            _gemm.Run(a, b, new WeightBiasStore { Weight = dw, Bias = db, Columns = columns }, m, n, k, version);
            return;
        }
        int count = m * n;
        using var partials = _pool.Rent(splits * count);
        _gemm.Run(a, b, new SplitStore { Partials = partials.View, N = n, Count = count }, m, n, k, version, splits);
        _sumSplits(count, partials.View, dw, db, columns, count, splits);
    }

    /// <summary>Element i = (row, column) of the (columns + 1)-wide result: Σ of its partials in split order, into dw or db.</summary>
    private static void SumSplitsKernel(Index1D index, ArrayView<float> partials, ArrayView<float> dw, ArrayView<float> db,
                                        int columns, int count, int splits)
    {
        int i = index;
        float sum = 0f;
        for (int s = 0; s < splits; s++) sum += partials[(long)s * count + i];
        int row = i / (columns + 1), column = i - row * (columns + 1);
        if (column < columns) dw[row * columns + column] = sum;
        else db[row] = sum;
    }
}

/// <summary>im2col transposed (<see cref="Im2ColTransposedB"/>) with one more column of ones at <see cref="OnesColumn"/>.</summary>
internal struct Im2ColTransposedOnesB : IGemmB
{
    public Im2ColTransposedB Columns;
    public int OnesColumn;

    public float Load(int k, int n) => n == OnesColumn ? 1f : Columns.Load(k, n);
}

/// <summary>Result column n &lt; Columns into the row-major weight gradient; column Columns into the bias gradient.</summary>
internal struct WeightBiasStore : IGemmStore
{
    public ArrayView<float> Weight, Bias;
    public int Columns;

    public void Store(int m, int n, int split, float value)
    {
        if (n < Columns) Weight[m * Columns + n] = value;
        else Bias[m] = value;
    }
}
