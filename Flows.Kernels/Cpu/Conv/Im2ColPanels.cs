using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Flows.Kernels.Cpu;

/// <summary>
/// im2col fused into GEMM packing: the column matrix cols[r = (ci·K + ky)·K + kx, s = oy·OW + ox] =
/// x[ci, oy + ky − P, ox + kx − P] is never built; its panels are written straight from the zero-bordered
/// image (<see cref="PaddedImage"/>), where element (r, s) sits at <see cref="PaddedImage.WindowOffset"/>(r) =
/// (ci·Hp + ky)·Wp + kx plus the pixel's offset oy·Wp + ox. This skips writing and re-reading the
/// Cin·K·K × OH·OW matrix (1.8 MB per sample at 64 channels, 28×28). The pixel index may run over several
/// samples' frames (<see cref="PaddedImage.Stride"/> apart): pixel j is pixel j mod OH·OW of sample j / OH·OW.
/// Packing history, forward 28x28: runs cut at padding and panel edges with bounds checks cost 2.7 ns per
/// element (73% of the kernel time); the offset form below is a plain copy.
/// </summary>
internal readonly unsafe struct Im2ColB(float* padded, ConvGeometry g) : IPackB
{
    /// <summary>B = cols (k = Cin·K·K rows, n = samples·OH·OW columns), for the forward convolution.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(float* dst, int pc, int kc, int jc, int nc, int nr)
    {
        int* rowBase = stackalloc int[kc];
        for (int p = 0; p < kc; p++) rowBase[p] = PaddedImage.WindowOffset(g, pc + p);
        int* columnBase = stackalloc int[nr];
        PixelRun* runs = stackalloc PixelRun[MaxRuns];
        var pixels = new PixelWalk(g, jc);
        for (int j0 = 0; j0 < nc; j0 += nr)
        {
            int cols = Math.Min(nr, nc - j0);
            for (int jj = 0; jj < cols; jj++) columnBase[jj] = pixels.Next();
            float* panel = dst + j0 * kc;
            if (cols == nr && nr == 32 && PixelWindow.IsSupported && PixelWindow.TryCreate(columnBase, out var low)
                && PixelWindow.TryCreate(columnBase + 16, out var high))
                CopyWindows(panel, padded, rowBase, kc, low, high);
            else if (cols == nr && TryRuns(columnBase, nr, runs))
            {
                // Each 8 columns of the panel are one pixel run: a vector copy within an output row, blended
                // loads where the panel crosses a row (or sample).
                if (nr == 16)
                    CopyRuns(panel, padded, rowBase, kc, runs[0], runs[1]);
                else
                    for (int p = 0; p < kc; p++)
                    {
                        float* src = padded + rowBase[p], d = panel + p * nr;
                        for (int v = 0; v < nr / 8; v++) Vector256.Store(runs[v].Load(src), d + 8 * v);
                    }
            }
            else
                FrameGather.Rows(panel, padded, rowBase, columnBase, 0, kc, cols, nr);
        }
    }

    private const int MaxRuns = 4; // nr ≤ 32

    /// <summary>
    /// The AVX2 panel (nr = 16) with both runs held in registers. The loop over runs kept on the stack measured
    /// slower; with this the packing is 5.5% of a RealNVP step under perf (8.2% before this packing was reworked).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRuns(float* panel, float* padded, int* rowBase, int kc, PixelRun run0, PixelRun run1)
    {
        for (int p = 0; p < kc; p++)
        {
            float* src = padded + rowBase[p];
            Vector256.Store(run0.Load(src), panel + p * 16);
            Vector256.Store(run1.Load(src), panel + p * 16 + 8);
        }
    }

    /// <summary>The AVX-512 panel (nr = 32) as two 16-pixel windows held in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyWindows(float* panel, float* padded, int* rowBase, int kc, PixelWindow low, PixelWindow high)
    {
        for (int p = 0; p < kc; p++)
        {
            float* src = padded + rowBase[p];
            Vector512.Store(low.Load(src), panel + p * 32);
            Vector512.Store(high.Load(src), panel + p * 32 + 16);
        }
    }

    /// <summary>The panel's nr columns as nr / 8 pixel runs, where vectors and the offsets allow.</summary>
    private static bool TryRuns(int* columnBase, int nr, PixelRun* runs)
    {
        if (nr % 8 != 0 || nr / 8 > MaxRuns || !Vector256.IsHardwareAccelerated) return false;
        for (int v = 0; v < nr / 8; v++)
            if (!PixelRun.TryCreate(columnBase + 8 * v, out runs[v])) return false;
        return true;
    }
}

/// <summary>B = colsᵀ (k = samples·OH·OW rows, n = Cin·K·K columns), for the weight gradient dY · colsᵀ.</summary>
internal readonly unsafe struct Im2ColTransposedB(float* padded, ConvGeometry g) : IPackB
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(float* dst, int pc, int kc, int jc, int nc, int nr)
    {
        int* pixelBase = stackalloc int[kc];
        var pixels = new PixelWalk(g, pc);
        for (int p = 0; p < kc; p++) pixelBase[p] = pixels.Next();
        int* columnBase = stackalloc int[nr];
        for (int j0 = 0; j0 < nc; j0 += nr)
        {
            int cols = Math.Min(nr, nc - j0);
            float* panel = dst + j0 * kc;
            for (int jj = 0; jj < cols; jj++) columnBase[jj] = PaddedImage.WindowOffset(g, jc + j0 + jj);
            int p = 0;
            if (nr % 8 == 0 && Transpose8x8.IsSupported)
            {
                // Eight pixels at a time: one (blended) vector per column r, transposed 8×8 in registers.
                for (; p + 8 <= kc; p += 8)
                {
                    if (!PixelRun.TryCreate(pixelBase + p, out var run))
                    {
                        FrameGather.Rows(panel, padded, pixelBase, columnBase, p, p + 8, cols, nr);
                        continue;
                    }
                    for (int half = 0; half < nr; half += 8)
                        PanelTranspose.Block(panel + p * nr + half, nr, new PixelVectors(padded, run, columnBase + half),
                                             Math.Clamp(cols - half, 0, 8));
                }
            }
            FrameGather.Rows(panel, padded, pixelBase, columnBase, p, kc, cols, nr);
        }
    }
}

/// <summary>Vector i is the pixel run read from frame row columnBase[i] (see <see cref="PixelRun"/>).</summary>
internal readonly unsafe struct PixelVectors(float* padded, PixelRun run, int* columnBase) : IEightVectors
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Load(int i) => run.Load(padded + columnBase[i]);
}

/// <summary>The scalar packing both im2col panels fall back to: dst row p, column j = frame[rowOffset[p] + columnOffset[j]].</summary>
internal static unsafe class FrameGather
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows(float* panel, float* padded, int* rowOffsets, int* columnOffsets, int from, int to, int cols, int nr)
    {
        for (int p = from; p < to; p++)
        {
            float* src = padded + rowOffsets[p];
            float* d = panel + p * nr;
            int jj = 0;
            for (; jj < cols; jj++) d[jj] = src[columnOffsets[jj]];
            for (; jj < nr; jj++) d[jj] = 0f;
        }
    }
}

/// <summary>Frame offsets of consecutive output pixels, from pixel index j on (over samples, rows, columns).</summary>
internal struct PixelWalk
{
    private readonly int _outHeight, _outWidth, _frameWidth, _stride;
    private int _sample, _oy, _ox;

    public PixelWalk(ConvGeometry g, int first)
    {
        _outHeight = g.OutHeight;
        _outWidth = g.OutWidth;
        _frameWidth = PaddedImage.Width(g);
        _stride = PaddedImage.Stride(g);
        int plane = _outHeight * _outWidth;
        _sample = first / plane;
        int s = first - _sample * plane;
        _oy = s / _outWidth;
        _ox = s - _oy * _outWidth;
    }

    /// <summary>The offset of the current pixel; then moves to the next.</summary>
    public int Next()
    {
        int offset = _sample * _stride + _oy * _frameWidth + _ox;
        if (++_ox == _outWidth)
        {
            _ox = 0;
            if (++_oy == _outHeight)
            {
                _oy = 0;
                _sample++;
            }
        }
        return offset;
    }
}
