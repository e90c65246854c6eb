using ILGPU;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// The part of a B element's address that depends on one index (k or n): an element offset, and the input row
/// and column it contributes. B(k, n) reads B[column.Offset + row.Offset] when column.Row + row.Row and
/// column.Col + row.Col both fall inside the input, and is 0 otherwise (the zero padding of im2col).
/// </summary>
internal struct GatherTerm
{
    public int Offset, Row, Col;

    public GatherTerm(int offset, int row, int col)
    {
        Offset = offset;
        Row = row;
        Col = col;
    }
}

/// <summary>
/// How the v3 GEMM reads its operands: A(m, k) = A[m·AStrideM + AOffset(k)], and B(k, n) from a k term and an n
/// term (<see cref="GatherTerm"/>). The n terms are taken once per tile (they may divide); inside the K loop
/// only AOffset and RowTerm run, and neither divides.
/// </summary>
internal interface IGemmV3Operands
{
    int AOffset(int k);

    float LoadA(int m, int aOffset);

    GatherTerm RowTerm(int k);

    GatherTerm ColumnTerm(int n);

    float LoadB(GatherTerm column, GatherTerm row);
}

/// <summary>
/// Implicit-GEMM convolution through index tables that one small kernel fills per call (ConvKernelsV3.Tables):
/// planes [aOffset | bOffset | row | col] of length K, then [offset | row | col] of length N. A table read
/// replaces the k / Kernel, k % Kernel divisions that v2's Im2ColB does for every element.
/// </summary>
internal struct TableOperands : IGemmV3Operands
{
    public ArrayView<float> A, B;
    public ArrayView<int> Table;
    public int AStrideM, K, N, Height, Width;

    public int AOffset(int k) => Table[k];

    public float LoadA(int m, int aOffset) => A[m * AStrideM + aOffset];

    public GatherTerm RowTerm(int k) => new(Table[K + k], Table[2 * K + k], Table[3 * K + k]);

    public GatherTerm ColumnTerm(int n)
    {
        int at = 4 * K + n;
        return new(Table[at], Table[at + N], Table[at + 2 * N]);
    }

    public float LoadB(GatherTerm column, GatherTerm row)
    {
        int r = column.Row + row.Row, c = column.Col + row.Col;
        return (uint)r < (uint)Height && (uint)c < (uint)Width ? B[column.Offset + row.Offset] : 0f;
    }
}

/// <summary>
/// Dense operands with no bounds to check: matrices (either transpose) and the 1×1 stride-1 convolution, whose
/// im2col is the input itself. B(k, n) = B[k·BStrideK + (n / ColumnSpatial)·ColumnImageStride + n % ColumnSpatial]:
/// for an NCHW tensor n = (image, pixel); for a row-major K×N matrix ColumnSpatial = N; for its transpose 1 and K.
/// </summary>
internal struct DenseOperands : IGemmV3Operands
{
    public ArrayView<float> A, B;
    public int AStrideM, AStrideK, BStrideK, ColumnSpatial, ColumnImageStride;

    public int AOffset(int k) => k * AStrideK;

    public float LoadA(int m, int aOffset) => A[m * AStrideM + aOffset];

    public GatherTerm RowTerm(int k) => new(k * BStrideK, 0, 0);

    public GatherTerm ColumnTerm(int n) => new(n / ColumnSpatial * ColumnImageStride + n % ColumnSpatial, 0, 0);

    public float LoadB(GatherTerm column, GatherTerm row) => B[column.Offset + row.Offset];
}

/// <summary>
/// Where result (m, n) of K-split s goes: Output[s·SplitStride + m·StrideM + (n / Spatial)·ImageStride + n % Spatial],
/// plus Bias[m] (split 0 only, so the split sum adds it once), overwritten or accumulated into.
/// </summary>
internal struct OutputV3
{
    public ArrayView<float> Output, Bias;
    public int HasBias, Accumulate, StrideM, Spatial, ImageStride, SplitStride;

    public int ColumnOffset(int n) => n / Spatial * ImageStride + n % Spatial;

    public void Store(int m, int columnOffset, int split, float value)
    {
        long at = (long)split * SplitStride + m * StrideM + columnOffset;
        float v = HasBias != 0 && split == 0 ? value + Bias[m] : value;
        Output[at] = Accumulate != 0 ? Output[at] + v : v;
    }
}

/// <summary>How a group stages its B tile: along n (forward, backward-data: im2col rows are contiguous in n) or along k.</summary>
internal interface IStagingV3
{
    bool AlongK { get; }
}

/// <summary>Consecutive threads stage consecutive n of one k row.</summary>
internal struct StageAlongN : IStagingV3
{
    public readonly bool AlongK => false;
}

/// <summary>
/// Consecutive threads stage consecutive k of one column: backward-weight, where k = (image, pixel) is the
/// contiguous direction of both dy and x, so each warp reads whole 32-byte sectors instead of scattered floats.
/// </summary>
internal struct StageAlongK : IStagingV3
{
    public readonly bool AlongK => true;
}
