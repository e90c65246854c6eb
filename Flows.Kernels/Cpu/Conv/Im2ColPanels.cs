using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Flows.Kernels.Cpu;

/// <summary>
/// im2col fused into GEMM packing: the column matrix cols[r = (ci·K + ky)·K + kx, s = oy·OW + ox] =
/// x[ci, oy + ky − P, ox + kx − P] is never built; its panels are written straight from the zero-bordered
/// image (<see cref="PaddedImage"/>), where element (r, s) sits at rowBase(r) + columnBase(s) with
/// rowBase = (ci·Hp + ky)·Wp + kx and columnBase = oy·Wp + ox. This skips writing and re-reading the
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
        int k = g.KernelSize, kk = k * k, hp = PaddedImage.Height(g), wp = PaddedImage.Width(g);
        int* rowBase = stackalloc int[kc];
        for (int p = 0; p < kc; p++)
        {
            int r = pc + p, ci = r / kk, rem = r - ci * kk, ky = rem / k, kx = rem - ky * k;
            rowBase[p] = (ci * hp + ky) * wp + kx;
        }
        int* columnBase = stackalloc int[nr];
        var pixels = new PixelWalk(g, jc);
        for (int j0 = 0; j0 < nc; j0 += nr)
        {
            int cols = Math.Min(nr, nc - j0);
            for (int jj = 0; jj < cols; jj++) columnBase[jj] = pixels.Next();
            float* panel = dst + j0 * kc;
            bool contiguous = cols == nr && columnBase[nr - 1] - columnBase[0] == nr - 1;
            if (contiguous)
            {
                // The whole panel lies in one output row: each packed row is one vector copy.
                float* src = padded + columnBase[0];
                for (int p = 0; p < kc; p++) PanelCopy.Contiguous(src + rowBase[p], panel + p * nr, nr);
            }
            else if (cols == nr && nr == 16 && Vector256.IsHardwareAccelerated
                     && PixelRun.TryCreate(columnBase, out var run0) && PixelRun.TryCreate(columnBase + 8, out var run1))
            {
                // The panel crosses an output row (or sample): blended vector loads per packed row.
                for (int p = 0; p < kc; p++)
                {
                    float* src = padded + rowBase[p];
                    Vector256.Store(run0.Load(src), panel + p * 16);
                    Vector256.Store(run1.Load(src), panel + p * 16 + 8);
                }
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = padded + rowBase[p];
                    float* d = panel + p * nr;
                    int jj = 0;
                    for (; jj < cols; jj++) d[jj] = src[columnBase[jj]];
                    for (; jj < nr; jj++) d[jj] = 0f;
                }
            }
        }
    }
}

/// <summary>B = colsᵀ (k = samples·OH·OW rows, n = Cin·K·K columns), for the weight gradient dY · colsᵀ.</summary>
internal readonly unsafe struct Im2ColTransposedB(float* padded, ConvGeometry g) : IPackB
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(float* dst, int pc, int kc, int jc, int nc, int nr)
    {
        int k = g.KernelSize, kk = k * k, hp = PaddedImage.Height(g), wp = PaddedImage.Width(g);
        int* pixelBase = stackalloc int[kc];
        var pixels = new PixelWalk(g, pc);
        for (int p = 0; p < kc; p++) pixelBase[p] = pixels.Next();
        int* columnBase = stackalloc int[nr];
        for (int j0 = 0; j0 < nc; j0 += nr)
        {
            int cols = Math.Min(nr, nc - j0);
            float* panel = dst + j0 * kc;
            for (int jj = 0; jj < cols; jj++)
            {
                int r = jc + j0 + jj, ci = r / kk, rem = r - ci * kk, ky = rem / k, kx = rem - ky * k;
                columnBase[jj] = (ci * hp + ky) * wp + kx;
            }
            int p = 0;
            if (nr % 8 == 0 && Transpose8x8.IsSupported)
            {
                // Eight pixels at a time: one (blended) vector per column r, transposed 8×8 in registers.
                for (; p + 8 <= kc; p += 8)
                {
                    if (!PixelRun.TryCreate(pixelBase + p, out var run))
                    {
                        GatherRows(panel, padded, pixelBase, columnBase, p, p + 8, cols, nr);
                        continue;
                    }
                    for (int half = 0; half < nr; half += 8)
                        TransposeBlock(panel + p * nr + half, nr, padded, run, columnBase + half, cols - half);
                }
            }
            GatherRows(panel, padded, pixelBase, columnBase, p, kc, cols, nr);
        }
    }

    /// <summary>Packed rows [from, to) element by element: the pixel of row p, column r.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GatherRows(float* panel, float* padded, int* pixelBase, int* columnBase, int from, int to, int cols, int nr)
    {
        for (int p = from; p < to; p++)
        {
            float* src = padded + pixelBase[p];
            float* d = panel + p * nr;
            int jj = 0;
            for (; jj < cols; jj++) d[jj] = src[columnBase[jj]];
            for (; jj < nr; jj++) d[jj] = 0f;
        }
    }

    /// <summary>An 8 pixels × 8 columns block: column i is read as pixels of frame row columnBase[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeBlock(float* d, int nr, float* padded, PixelRun run, int* columnBase, int valid)
    {
        var v0 = valid > 0 ? run.Load(padded + columnBase[0]) : default;
        var v1 = valid > 1 ? run.Load(padded + columnBase[1]) : default;
        var v2 = valid > 2 ? run.Load(padded + columnBase[2]) : default;
        var v3 = valid > 3 ? run.Load(padded + columnBase[3]) : default;
        var v4 = valid > 4 ? run.Load(padded + columnBase[4]) : default;
        var v5 = valid > 5 ? run.Load(padded + columnBase[5]) : default;
        var v6 = valid > 6 ? run.Load(padded + columnBase[6]) : default;
        var v7 = valid > 7 ? run.Load(padded + columnBase[7]) : default;
        Transpose8x8.Run(ref v0, ref v1, ref v2, ref v3, ref v4, ref v5, ref v6, ref v7);
        Vector256.Store(v0, d); Vector256.Store(v1, d + nr); Vector256.Store(v2, d + 2 * nr); Vector256.Store(v3, d + 3 * nr);
        Vector256.Store(v4, d + 4 * nr); Vector256.Store(v5, d + 5 * nr); Vector256.Store(v6, d + 6 * nr); Vector256.Store(v7, d + 7 * nr);
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

/// <summary>Copies one packed row of nr contiguous floats with the widest vectors available.</summary>
internal static unsafe class PanelCopy
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Contiguous(float* src, float* dst, int nr)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; j + 8 <= nr; j += 8) Vector256.Store(Vector256.Load(src + j), dst + j);
        for (; j + 4 <= nr; j += 4) Vector128.Store(Vector128.Load(src + j), dst + j);
        for (; j < nr; j++) dst[j] = src[j];
    }
}
