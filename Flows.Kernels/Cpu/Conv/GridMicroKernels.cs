using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Flows.Kernels.Cpu;

/// <summary>
/// The micro-kernels of <see cref="ConvForwardGrid"/>: C[TRows (6 or 4) out-channels × 16 grid columns] =
/// Σ_r Wp[r][row] · frame[tap(r) + q … q + 15], with B read straight from the zero-bordered frame (two unaligned
/// 8-float loads per window row) instead of a packed panel, and W packed in panel order (TRows floats per window
/// row, broadcast). Per window row: 2 loads, TRows broadcasts, 2·TRows FMAs in 2·TRows accumulators (12 of the 16
/// ymm registers at 6 rows), as in <see cref="GemmMicroKernels.Kernel256{TRows}"/>.
/// </summary>
internal static unsafe class GridMicroKernels
{
    public const int Columns = 16;

    /// <summary>
    /// Window rows in the order (ci, ky, kx) with the taps of a K×K window at frame offsets ci·plane + ky·Wp + kx:
    /// the offset of each input channel's window comes from <paramref name="channelOffset"/> (ci·plane) and the
    /// K² taps from <paramref name="tapOffset"/>; f points at frame + q. Stores (or with <paramref name="accumulate"/>
    /// adds) 16 columns of TRows rows at c, c + ldc, ….
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile<TRows>(float* f, int* tapOffset, int taps, int channels, int plane, float* a, float* c, int ldc, bool accumulate)
        where TRows : struct, GemmMicroKernels.IPanelRows
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
                         c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int ci = 0; ci < channels; ci++, f += plane)
        {
            for (int t = 0; t < taps; t++)
            {
                float* b = f + tapOffset[t];
                var b0 = Vector256.Load(b);
                var b1 = Vector256.Load(b + 8);
                var av = Vector256.Create(a[0]);
                c00 = Vector256.MultiplyAddEstimate(av, b0, c00); c01 = Vector256.MultiplyAddEstimate(av, b1, c01);
                av = Vector256.Create(a[1]);
                c10 = Vector256.MultiplyAddEstimate(av, b0, c10); c11 = Vector256.MultiplyAddEstimate(av, b1, c11);
                av = Vector256.Create(a[2]);
                c20 = Vector256.MultiplyAddEstimate(av, b0, c20); c21 = Vector256.MultiplyAddEstimate(av, b1, c21);
                av = Vector256.Create(a[3]);
                c30 = Vector256.MultiplyAddEstimate(av, b0, c30); c31 = Vector256.MultiplyAddEstimate(av, b1, c31);
                if (TRows.Count == GemmMicroKernels.MR)
                {
                    av = Vector256.Create(a[4]);
                    c40 = Vector256.MultiplyAddEstimate(av, b0, c40); c41 = Vector256.MultiplyAddEstimate(av, b1, c41);
                    av = Vector256.Create(a[5]);
                    c50 = Vector256.MultiplyAddEstimate(av, b0, c50); c51 = Vector256.MultiplyAddEstimate(av, b1, c51);
                }
                a += TRows.Count;
            }
        }
        Store(c, accumulate, c00, c01); c += ldc;
        Store(c, accumulate, c10, c11); c += ldc;
        Store(c, accumulate, c20, c21); c += ldc;
        Store(c, accumulate, c30, c31);
        if (TRows.Count == GemmMicroKernels.MR)
        {
            c += ldc;
            Store(c, accumulate, c40, c41); c += ldc;
            Store(c, accumulate, c50, c51);
        }
    }

    /// <summary>
    /// The 3×3 kernel with the window's taps unrolled at constant offsets from the three window rows (no offset
    /// table loads); otherwise as <see cref="Tile{TRows}"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile3x3<TRows>(float* f, int wp, int channels, int plane, float* a, float* c, int ldc, bool accumulate)
        where TRows : struct, GemmMicroKernels.IPanelRows
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
                         c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int ci = 0; ci < channels; ci++, f += plane)
        {
            float* row = f;
            for (int ky = 0; ky < 3; ky++, row += wp)
            {
                for (int kx = 0; kx < 3; kx++)
                {
                    var b0 = Vector256.Load(row + kx);
                    var b1 = Vector256.Load(row + kx + 8);
                    var av = Vector256.Create(a[0]);
                    c00 = Vector256.MultiplyAddEstimate(av, b0, c00); c01 = Vector256.MultiplyAddEstimate(av, b1, c01);
                    av = Vector256.Create(a[1]);
                    c10 = Vector256.MultiplyAddEstimate(av, b0, c10); c11 = Vector256.MultiplyAddEstimate(av, b1, c11);
                    av = Vector256.Create(a[2]);
                    c20 = Vector256.MultiplyAddEstimate(av, b0, c20); c21 = Vector256.MultiplyAddEstimate(av, b1, c21);
                    av = Vector256.Create(a[3]);
                    c30 = Vector256.MultiplyAddEstimate(av, b0, c30); c31 = Vector256.MultiplyAddEstimate(av, b1, c31);
                    if (TRows.Count == GemmMicroKernels.MR)
                    {
                        av = Vector256.Create(a[4]);
                        c40 = Vector256.MultiplyAddEstimate(av, b0, c40); c41 = Vector256.MultiplyAddEstimate(av, b1, c41);
                        av = Vector256.Create(a[5]);
                        c50 = Vector256.MultiplyAddEstimate(av, b0, c50); c51 = Vector256.MultiplyAddEstimate(av, b1, c51);
                    }
                    a += TRows.Count;
                }
            }
        }
        Store(c, accumulate, c00, c01); c += ldc;
        Store(c, accumulate, c10, c11); c += ldc;
        Store(c, accumulate, c20, c21); c += ldc;
        Store(c, accumulate, c30, c31);
        if (TRows.Count == GemmMicroKernels.MR)
        {
            c += ldc;
            Store(c, accumulate, c40, c41); c += ldc;
            Store(c, accumulate, c50, c51);
        }
    }

    /// <summary>
    /// v2 of <see cref="Tile3x3{TRows}"/>: the nine taps of a channel's window written out (no inner loops), so
    /// a window row costs its 2 loads, TRows broadcasts and 2·TRows FMAs and almost no loop instructions.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile3x3Unrolled<TRows>(float* f, int wp, int channels, int plane, float* a, float* c, int ldc, bool accumulate)
        where TRows : struct, GemmMicroKernels.IPanelRows
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
                         c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector256<float> b0, b1, av;
        for (int ci = 0; ci < channels; ci++, f += plane, a += 9 * TRows.Count)
        {
            float* r1 = f + wp, r2 = f + 2 * wp;
            {
                b0 = Vector256.Load(f);
                b1 = Vector256.Load(f + 8);
                av = Vector256.Create(a[0 * TRows.Count + 0]);
                c00 = Vector256.MultiplyAddEstimate(av, b0, c00); c01 = Vector256.MultiplyAddEstimate(av, b1, c01);
                av = Vector256.Create(a[0 * TRows.Count + 1]);
                c10 = Vector256.MultiplyAddEstimate(av, b0, c10); c11 = Vector256.MultiplyAddEstimate(av, b1, c11);
                av = Vector256.Create(a[0 * TRows.Count + 2]);
                c20 = Vector256.MultiplyAddEstimate(av, b0, c20); c21 = Vector256.MultiplyAddEstimate(av, b1, c21);
                av = Vector256.Create(a[0 * TRows.Count + 3]);
                c30 = Vector256.MultiplyAddEstimate(av, b0, c30); c31 = Vector256.MultiplyAddEstimate(av, b1, c31);
                if (TRows.Count == GemmMicroKernels.MR)
                {
                    av = Vector256.Create(a[0 * TRows.Count + 4]);
                    c40 = Vector256.MultiplyAddEstimate(av, b0, c40); c41 = Vector256.MultiplyAddEstimate(av, b1, c41);
                    av = Vector256.Create(a[0 * TRows.Count + 5]);
                    c50 = Vector256.MultiplyAddEstimate(av, b0, c50); c51 = Vector256.MultiplyAddEstimate(av, b1, c51);
                }
                b0 = Vector256.Load(f + 1);
                b1 = Vector256.Load(f + 1 + 8);
                av = Vector256.Create(a[1 * TRows.Count + 0]);
                c00 = Vector256.MultiplyAddEstimate(av, b0, c00); c01 = Vector256.MultiplyAddEstimate(av, b1, c01);
                av = Vector256.Create(a[1 * TRows.Count + 1]);
                c10 = Vector256.MultiplyAddEstimate(av, b0, c10); c11 = Vector256.MultiplyAddEstimate(av, b1, c11);
                av = Vector256.Create(a[1 * TRows.Count + 2]);
                c20 = Vector256.MultiplyAddEstimate(av, b0, c20); c21 = Vector256.MultiplyAddEstimate(av, b1, c21);
                av = Vector256.Create(a[1 * TRows.Count + 3]);
                c30 = Vector256.MultiplyAddEstimate(av, b0, c30); c31 = Vector256.MultiplyAddEstimate(av, b1, c31);
                if (TRows.Count == GemmMicroKernels.MR)
                {
                    av = Vector256.Create(a[1 * TRows.Count + 4]);
                    c40 = Vector256.MultiplyAddEstimate(av, b0, c40); c41 = Vector256.MultiplyAddEstimate(av, b1, c41);
                    av = Vector256.Create(a[1 * TRows.Count + 5]);
                    c50 = Vector256.MultiplyAddEstimate(av, b0, c50); c51 = Vector256.MultiplyAddEstimate(av, b1, c51);
                }
                b0 = Vector256.Load(f + 2);
                b1 = Vector256.Load(f + 2 + 8);
                av = Vector256.Create(a[2 * TRows.Count + 0]);
                c00 = Vector256.MultiplyAddEstimate(av, b0, c00); c01 = Vector256.MultiplyAddEstimate(av, b1, c01);
                av = Vector256.Create(a[2 * TRows.Count + 1]);
                c10 = Vector256.MultiplyAddEstimate(av, b0, c10); c11 = Vector256.MultiplyAddEstimate(av, b1, c11);
                av = Vector256.Create(a[2 * TRows.Count + 2]);
                c20 = Vector256.MultiplyAddEstimate(av, b0, c20); c21 = Vector256.MultiplyAddEstimate(av, b1, c21);
                av = Vector256.Create(a[2 * TRows.Count + 3]);
                c30 = Vector256.MultiplyAddEstimate(av, b0, c30); c31 = Vector256.MultiplyAddEstimate(av, b1, c31);
                if (TRows.Count == GemmMicroKernels.MR)
                {
                    av = Vector256.Create(a[2 * TRows.Count + 4]);
                    c40 = Vector256.MultiplyAddEstimate(av, b0, c40); c41 = Vector256.MultiplyAddEstimate(av, b1, c41);
                    av = Vector256.Create(a[2 * TRows.Count + 5]);
                    c50 = Vector256.MultiplyAddEstimate(av, b0, c50); c51 = Vector256.MultiplyAddEstimate(av, b1, c51);
                }
                b0 = Vector256.Load(r1);
                b1 = Vector256.Load(r1 + 8);
                av = Vector256.Create(a[3 * TRows.Count + 0]);
                c00 = Vector256.MultiplyAddEstimate(av, b0, c00); c01 = Vector256.MultiplyAddEstimate(av, b1, c01);
                av = Vector256.Create(a[3 * TRows.Count + 1]);
                c10 = Vector256.MultiplyAddEstimate(av, b0, c10); c11 = Vector256.MultiplyAddEstimate(av, b1, c11);
                av = Vector256.Create(a[3 * TRows.Count + 2]);
                c20 = Vector256.MultiplyAddEstimate(av, b0, c20); c21 = Vector256.MultiplyAddEstimate(av, b1, c21);
                av = Vector256.Create(a[3 * TRows.Count + 3]);
                c30 = Vector256.MultiplyAddEstimate(av, b0, c30); c31 = Vector256.MultiplyAddEstimate(av, b1, c31);
                if (TRows.Count == GemmMicroKernels.MR)
                {
                    av = Vector256.Create(a[3 * TRows.Count + 4]);
                    c40 = Vector256.MultiplyAddEstimate(av, b0, c40); c41 = Vector256.MultiplyAddEstimate(av, b1, c41);
                    av = Vector256.Create(a[3 * TRows.Count + 5]);
                    c50 = Vector256.MultiplyAddEstimate(av, b0, c50); c51 = Vector256.MultiplyAddEstimate(av, b1, c51);
                }
                b0 = Vector256.Load(r1 + 1);
                b1 = Vector256.Load(r1 + 1 + 8);
                av = Vector256.Create(a[4 * TRows.Count + 0]);
                c00 = Vector256.MultiplyAddEstimate(av, b0, c00); c01 = Vector256.MultiplyAddEstimate(av, b1, c01);
                av = Vector256.Create(a[4 * TRows.Count + 1]);
                c10 = Vector256.MultiplyAddEstimate(av, b0, c10); c11 = Vector256.MultiplyAddEstimate(av, b1, c11);
                av = Vector256.Create(a[4 * TRows.Count + 2]);
                c20 = Vector256.MultiplyAddEstimate(av, b0, c20); c21 = Vector256.MultiplyAddEstimate(av, b1, c21);
                av = Vector256.Create(a[4 * TRows.Count + 3]);
                c30 = Vector256.MultiplyAddEstimate(av, b0, c30); c31 = Vector256.MultiplyAddEstimate(av, b1, c31);
                if (TRows.Count == GemmMicroKernels.MR)
                {
                    av = Vector256.Create(a[4 * TRows.Count + 4]);
                    c40 = Vector256.MultiplyAddEstimate(av, b0, c40); c41 = Vector256.MultiplyAddEstimate(av, b1, c41);
                    av = Vector256.Create(a[4 * TRows.Count + 5]);
                    c50 = Vector256.MultiplyAddEstimate(av, b0, c50); c51 = Vector256.MultiplyAddEstimate(av, b1, c51);
                }
                b0 = Vector256.Load(r1 + 2);
                b1 = Vector256.Load(r1 + 2 + 8);
                av = Vector256.Create(a[5 * TRows.Count + 0]);
                c00 = Vector256.MultiplyAddEstimate(av, b0, c00); c01 = Vector256.MultiplyAddEstimate(av, b1, c01);
                av = Vector256.Create(a[5 * TRows.Count + 1]);
                c10 = Vector256.MultiplyAddEstimate(av, b0, c10); c11 = Vector256.MultiplyAddEstimate(av, b1, c11);
                av = Vector256.Create(a[5 * TRows.Count + 2]);
                c20 = Vector256.MultiplyAddEstimate(av, b0, c20); c21 = Vector256.MultiplyAddEstimate(av, b1, c21);
                av = Vector256.Create(a[5 * TRows.Count + 3]);
                c30 = Vector256.MultiplyAddEstimate(av, b0, c30); c31 = Vector256.MultiplyAddEstimate(av, b1, c31);
                if (TRows.Count == GemmMicroKernels.MR)
                {
                    av = Vector256.Create(a[5 * TRows.Count + 4]);
                    c40 = Vector256.MultiplyAddEstimate(av, b0, c40); c41 = Vector256.MultiplyAddEstimate(av, b1, c41);
                    av = Vector256.Create(a[5 * TRows.Count + 5]);
                    c50 = Vector256.MultiplyAddEstimate(av, b0, c50); c51 = Vector256.MultiplyAddEstimate(av, b1, c51);
                }
                b0 = Vector256.Load(r2);
                b1 = Vector256.Load(r2 + 8);
                av = Vector256.Create(a[6 * TRows.Count + 0]);
                c00 = Vector256.MultiplyAddEstimate(av, b0, c00); c01 = Vector256.MultiplyAddEstimate(av, b1, c01);
                av = Vector256.Create(a[6 * TRows.Count + 1]);
                c10 = Vector256.MultiplyAddEstimate(av, b0, c10); c11 = Vector256.MultiplyAddEstimate(av, b1, c11);
                av = Vector256.Create(a[6 * TRows.Count + 2]);
                c20 = Vector256.MultiplyAddEstimate(av, b0, c20); c21 = Vector256.MultiplyAddEstimate(av, b1, c21);
                av = Vector256.Create(a[6 * TRows.Count + 3]);
                c30 = Vector256.MultiplyAddEstimate(av, b0, c30); c31 = Vector256.MultiplyAddEstimate(av, b1, c31);
                if (TRows.Count == GemmMicroKernels.MR)
                {
                    av = Vector256.Create(a[6 * TRows.Count + 4]);
                    c40 = Vector256.MultiplyAddEstimate(av, b0, c40); c41 = Vector256.MultiplyAddEstimate(av, b1, c41);
                    av = Vector256.Create(a[6 * TRows.Count + 5]);
                    c50 = Vector256.MultiplyAddEstimate(av, b0, c50); c51 = Vector256.MultiplyAddEstimate(av, b1, c51);
                }
                b0 = Vector256.Load(r2 + 1);
                b1 = Vector256.Load(r2 + 1 + 8);
                av = Vector256.Create(a[7 * TRows.Count + 0]);
                c00 = Vector256.MultiplyAddEstimate(av, b0, c00); c01 = Vector256.MultiplyAddEstimate(av, b1, c01);
                av = Vector256.Create(a[7 * TRows.Count + 1]);
                c10 = Vector256.MultiplyAddEstimate(av, b0, c10); c11 = Vector256.MultiplyAddEstimate(av, b1, c11);
                av = Vector256.Create(a[7 * TRows.Count + 2]);
                c20 = Vector256.MultiplyAddEstimate(av, b0, c20); c21 = Vector256.MultiplyAddEstimate(av, b1, c21);
                av = Vector256.Create(a[7 * TRows.Count + 3]);
                c30 = Vector256.MultiplyAddEstimate(av, b0, c30); c31 = Vector256.MultiplyAddEstimate(av, b1, c31);
                if (TRows.Count == GemmMicroKernels.MR)
                {
                    av = Vector256.Create(a[7 * TRows.Count + 4]);
                    c40 = Vector256.MultiplyAddEstimate(av, b0, c40); c41 = Vector256.MultiplyAddEstimate(av, b1, c41);
                    av = Vector256.Create(a[7 * TRows.Count + 5]);
                    c50 = Vector256.MultiplyAddEstimate(av, b0, c50); c51 = Vector256.MultiplyAddEstimate(av, b1, c51);
                }
                b0 = Vector256.Load(r2 + 2);
                b1 = Vector256.Load(r2 + 2 + 8);
                av = Vector256.Create(a[8 * TRows.Count + 0]);
                c00 = Vector256.MultiplyAddEstimate(av, b0, c00); c01 = Vector256.MultiplyAddEstimate(av, b1, c01);
                av = Vector256.Create(a[8 * TRows.Count + 1]);
                c10 = Vector256.MultiplyAddEstimate(av, b0, c10); c11 = Vector256.MultiplyAddEstimate(av, b1, c11);
                av = Vector256.Create(a[8 * TRows.Count + 2]);
                c20 = Vector256.MultiplyAddEstimate(av, b0, c20); c21 = Vector256.MultiplyAddEstimate(av, b1, c21);
                av = Vector256.Create(a[8 * TRows.Count + 3]);
                c30 = Vector256.MultiplyAddEstimate(av, b0, c30); c31 = Vector256.MultiplyAddEstimate(av, b1, c31);
                if (TRows.Count == GemmMicroKernels.MR)
                {
                    av = Vector256.Create(a[8 * TRows.Count + 4]);
                    c40 = Vector256.MultiplyAddEstimate(av, b0, c40); c41 = Vector256.MultiplyAddEstimate(av, b1, c41);
                    av = Vector256.Create(a[8 * TRows.Count + 5]);
                    c50 = Vector256.MultiplyAddEstimate(av, b0, c50); c51 = Vector256.MultiplyAddEstimate(av, b1, c51);
                }
            }
        }
        Store(c, accumulate, c00, c01); c += ldc;
        Store(c, accumulate, c10, c11); c += ldc;
        Store(c, accumulate, c20, c21); c += ldc;
        Store(c, accumulate, c30, c31);
        if (TRows.Count == GemmMicroKernels.MR)
        {
            c += ldc;
            Store(c, accumulate, c40, c41); c += ldc;
            Store(c, accumulate, c50, c51);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, bool accumulate, Vector256<float> v0, Vector256<float> v1)
    {
        if (accumulate)
        {
            v0 += Vector256.Load(c);
            v1 += Vector256.Load(c + 8);
        }
        v0.Store(c);
        v1.Store(c + 8);
    }
}
