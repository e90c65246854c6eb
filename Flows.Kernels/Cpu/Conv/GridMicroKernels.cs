using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Flows.Kernels.Cpu;

/// <summary>
/// The micro-kernels of <see cref="ConvForwardGrid"/>: C[TRows (6 or 4) out-channels × 16 grid columns] =
/// Σ_r Wp[r][row] · frame[tap(r) + q … q + 15], with B read straight from the zero-bordered frame (two unaligned
/// 8-float loads per window row) instead of a packed panel, and W packed in panel order (TRows floats per window
/// row, broadcast). Per window row: 2 loads, TRows broadcasts, 2·TRows FMAs in 2·TRows accumulators (12 of the 16
/// ymm registers at 6 rows), as in <see cref="GemmMicroKernels.Kernel256{TRows}"/>. The three kernels differ only
/// in how they walk the window rows; one window row's step is <see cref="Accumulators{TRows}.Add"/>.
/// </summary>
internal static unsafe class GridMicroKernels
{
    public const int Columns = 16;

    /// <summary>
    /// Window rows in the order (ci, ky, kx) with the taps of a K×K window at frame offsets ci·plane + ky·Wp + kx:
    /// each input channel's window is <paramref name="plane"/> further on, and its K² taps are at the offsets
    /// <paramref name="tapOffset"/>; f points at frame + q. Stores (or with <paramref name="accumulate"/>
    /// adds) 16 columns of TRows rows at c, c + ldc, ….
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile<TRows>(float* f, int* tapOffset, int taps, int channels, int plane, float* a, float* c, int ldc, bool accumulate)
        where TRows : struct, GemmMicroKernels.IPanelRows
    {
        var acc = new Accumulators<TRows>();
        for (int ci = 0; ci < channels; ci++, f += plane)
            for (int t = 0; t < taps; t++, a += TRows.Count)
                acc.Add(f + tapOffset[t], a);
        acc.Store(c, ldc, accumulate);
    }

    /// <summary>
    /// The 3×3 kernel with the window's taps at constant offsets from the three window rows (no offset table
    /// loads); otherwise as <see cref="Tile{TRows}"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile3x3<TRows>(float* f, int wp, int channels, int plane, float* a, float* c, int ldc, bool accumulate)
        where TRows : struct, GemmMicroKernels.IPanelRows
    {
        var acc = new Accumulators<TRows>();
        for (int ci = 0; ci < channels; ci++, f += plane)
        {
            float* row = f;
            for (int ky = 0; ky < 3; ky++, row += wp)
                for (int kx = 0; kx < 3; kx++, a += TRows.Count)
                    acc.Add(row + kx, a);
        }
        acc.Store(c, ldc, accumulate);
    }

    /// <summary>
    /// v2 of <see cref="Tile3x3{TRows}"/>: the nine taps of a channel's window written out (no inner loops), so
    /// a window row costs its 2 loads, TRows broadcasts and 2·TRows FMAs and almost no loop instructions.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile3x3Unrolled<TRows>(float* f, int wp, int channels, int plane, float* a, float* c, int ldc, bool accumulate)
        where TRows : struct, GemmMicroKernels.IPanelRows
    {
        var acc = new Accumulators<TRows>();
        int n = TRows.Count;
        for (int ci = 0; ci < channels; ci++, f += plane, a += 9 * n)
        {
            float* r1 = f + wp, r2 = f + 2 * wp;
            acc.Add(f, a); acc.Add(f + 1, a + n); acc.Add(f + 2, a + 2 * n);
            acc.Add(r1, a + 3 * n); acc.Add(r1 + 1, a + 4 * n); acc.Add(r1 + 2, a + 5 * n);
            acc.Add(r2, a + 6 * n); acc.Add(r2 + 1, a + 7 * n); acc.Add(r2 + 2, a + 8 * n);
        }
        acc.Store(c, ldc, accumulate);
    }

    /// <summary>
    /// The 2·TRows accumulators of a 16-column tile. A local of this type is promoted to registers once
    /// <see cref="Add"/> and <see cref="Store"/> are inlined (the rows a 4-row panel lacks are never touched).
    /// </summary>
    private struct Accumulators<TRows> where TRows : struct, GemmMicroKernels.IPanelRows
    {
        private Vector256<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;

        /// <summary>One window row: 16 frame floats at b times the TRows weights at a.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(float* b, float* a)
        {
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
        }

        /// <summary>Stores (or with <paramref name="accumulate"/> adds) the TRows rows at c, c + ldc, ….</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Store(float* c, int ldc, bool accumulate)
        {
            StoreRow(c, accumulate, c00, c01); c += ldc;
            StoreRow(c, accumulate, c10, c11); c += ldc;
            StoreRow(c, accumulate, c20, c21); c += ldc;
            StoreRow(c, accumulate, c30, c31);
            if (TRows.Count == GemmMicroKernels.MR)
            {
                c += ldc;
                StoreRow(c, accumulate, c40, c41); c += ldc;
                StoreRow(c, accumulate, c50, c51);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreRow(float* c, bool accumulate, Vector256<float> v0, Vector256<float> v1)
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
}
