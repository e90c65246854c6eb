using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Flows.Kernels.Cpu;

/// <summary>
/// Register-tiled GEMM micro-kernels: C[6 × NR] (+)= Ap (kc × 6, packed) · Bp (kc × NR, packed), with the
/// 12 accumulators kept in vector registers for the whole k loop (NR = 2 vectors). Per k step: two B loads,
/// six broadcasts of A, twelve FMAs — enough independent FMAs to hide their latency on two FMA pipes.
/// Blocks whose height is not a multiple of 6 end in 4-row panels (<see cref="PanelHeight"/>). AVX-512 has 32
/// vector registers and takes 8-row panels (<see cref="MR8"/>), 16 accumulators.
/// A partial tile (fewer rows or columns than the kernel's) is computed into a stack tile and merged.
/// The kernels are compiled fully optimised at once (AggressiveOptimization): the partial path calls them
/// through a function pointer, which otherwise stayed on the unoptimised tier-0 code (1.6% of a Glow step).
/// </summary>
internal static unsafe class GemmMicroKernels
{
    public const int MR = 6;

    /// <summary>The short panel height: a block of 32 rows is 4 panels of 6 and 2 of 4 instead of 6 panels of 6
    /// with 4 wasted rows in the last (12.5% of the arithmetic at 32 channels).</summary>
    public const int MR4 = 4;

    /// <summary>The tall panel height of the AVX-512 kernel: 8 rows × 32 columns is 16 accumulators of the 32
    /// vector registers, 16 FMAs per 2 loads of B and 8 broadcasts (6 × 32: 12 per 2 + 6), and 32 and 64
    /// channels are whole panels (with 6: 6,6,6,6,4,4 and ten 6s and a 4, the 4-row panels at 8 FMAs per step
    /// only just covering the FMA latency).</summary>
    public const int MR8 = 8;

    /// <summary>The most rows one panel has at the current kernel width.</summary>
    public static int MaxRows => GemmV2Packed.KernelWidth == 512 ? MR8 : MR;

    /// <summary>Height of the panel that starts with <paramref name="rowsLeft"/> rows of its block still to
    /// pack. AVX-512: 8 while 8 or more are left, then 6 or 4. Narrower: 6, except 4 when that leaves no ragged
    /// remainder (≤ 4 or exactly 8 rows left).</summary>
    public static int PanelHeight(int rowsLeft)
    {
        if (GemmV2Packed.KernelWidth == 512) return rowsLeft >= MR8 ? MR8 : rowsLeft <= MR4 ? MR4 : MR;
        return rowsLeft <= MR4 || rowsLeft == 2 * MR4 ? MR4 : MR;
    }

    /// <summary>A kernel's panel height as a type, so each height gets its own compiled kernel with the rows
    /// it does not have removed (the JIT folds TRows.Count to a constant).</summary>
    public interface IPanelRows
    {
        static abstract int Count { get; }
    }

    public struct SixRows : IPanelRows
    {
        public static int Count => MR;
    }

    public struct FourRows : IPanelRows
    {
        public static int Count => MR4;
    }

    public struct EightRows : IPanelRows
    {
        public static int Count => MR8;
    }

    /// <summary>AVX-512 width: TRows.Count (8, 6 or 4) × 32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel512<TRows>(int kc, float* a, float* b, float* c, int ldc, bool load, int mr, int nr)
        where TRows : struct, IPanelRows
    {
        const int nrFull = 32;
        if (mr != TRows.Count || nr != nrFull)
        {
            Partial(kc, a, b, c, ldc, load, mr, nr, TRows.Count, nrFull, &Kernel512<TRows>);
            return;
        }
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
                         c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default,
                         c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var av = Vector512.Create(a[0]);
            c00 = Vector512.MultiplyAddEstimate(av, b0, c00); c01 = Vector512.MultiplyAddEstimate(av, b1, c01);
            av = Vector512.Create(a[1]);
            c10 = Vector512.MultiplyAddEstimate(av, b0, c10); c11 = Vector512.MultiplyAddEstimate(av, b1, c11);
            av = Vector512.Create(a[2]);
            c20 = Vector512.MultiplyAddEstimate(av, b0, c20); c21 = Vector512.MultiplyAddEstimate(av, b1, c21);
            av = Vector512.Create(a[3]);
            c30 = Vector512.MultiplyAddEstimate(av, b0, c30); c31 = Vector512.MultiplyAddEstimate(av, b1, c31);
            if (TRows.Count >= MR)
            {
                av = Vector512.Create(a[4]);
                c40 = Vector512.MultiplyAddEstimate(av, b0, c40); c41 = Vector512.MultiplyAddEstimate(av, b1, c41);
                av = Vector512.Create(a[5]);
                c50 = Vector512.MultiplyAddEstimate(av, b0, c50); c51 = Vector512.MultiplyAddEstimate(av, b1, c51);
            }
            if (TRows.Count == MR8)
            {
                av = Vector512.Create(a[6]);
                c60 = Vector512.MultiplyAddEstimate(av, b0, c60); c61 = Vector512.MultiplyAddEstimate(av, b1, c61);
                av = Vector512.Create(a[7]);
                c70 = Vector512.MultiplyAddEstimate(av, b0, c70); c71 = Vector512.MultiplyAddEstimate(av, b1, c71);
            }
            a += TRows.Count;
            b += nrFull;
        }
        Store512(c, load, c00, c01); c += ldc;
        Store512(c, load, c10, c11); c += ldc;
        Store512(c, load, c20, c21); c += ldc;
        Store512(c, load, c30, c31);
        if (TRows.Count >= MR)
        {
            c += ldc;
            Store512(c, load, c40, c41); c += ldc;
            Store512(c, load, c50, c51);
        }
        if (TRows.Count == MR8)
        {
            c += ldc;
            Store512(c, load, c60, c61); c += ldc;
            Store512(c, load, c70, c71);
        }
    }

    /// <summary>AVX2 width: TRows.Count (6 or 4) × 16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel256<TRows>(int kc, float* a, float* b, float* c, int ldc, bool load, int mr, int nr)
        where TRows : struct, IPanelRows
    {
        const int nrFull = 16;
        if (mr != TRows.Count || nr != nrFull)
        {
            Partial(kc, a, b, c, ldc, load, mr, nr, TRows.Count, nrFull, &Kernel256<TRows>);
            return;
        }
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
                         c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
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
            if (TRows.Count == MR)
            {
                av = Vector256.Create(a[4]);
                c40 = Vector256.MultiplyAddEstimate(av, b0, c40); c41 = Vector256.MultiplyAddEstimate(av, b1, c41);
                av = Vector256.Create(a[5]);
                c50 = Vector256.MultiplyAddEstimate(av, b0, c50); c51 = Vector256.MultiplyAddEstimate(av, b1, c51);
            }
            a += TRows.Count;
            b += nrFull;
        }
        Store256(c, load, c00, c01); c += ldc;
        Store256(c, load, c10, c11); c += ldc;
        Store256(c, load, c20, c21); c += ldc;
        Store256(c, load, c30, c31);
        if (TRows.Count == MR)
        {
            c += ldc;
            Store256(c, load, c40, c41); c += ldc;
            Store256(c, load, c50, c51);
        }
    }

    /// <summary>Portable 128-bit width (SSE, NEON, or software): TRows.Count (6 or 4) × 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Kernel128<TRows>(int kc, float* a, float* b, float* c, int ldc, bool load, int mr, int nr)
        where TRows : struct, IPanelRows
    {
        const int nrFull = 8;
        if (mr != TRows.Count || nr != nrFull)
        {
            Partial(kc, a, b, c, ldc, load, mr, nr, TRows.Count, nrFull, &Kernel128<TRows>);
            return;
        }
        Vector128<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
                         c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector128.Load(b);
            var b1 = Vector128.Load(b + 4);
            var av = Vector128.Create(a[0]);
            c00 = Vector128.MultiplyAddEstimate(av, b0, c00); c01 = Vector128.MultiplyAddEstimate(av, b1, c01);
            av = Vector128.Create(a[1]);
            c10 = Vector128.MultiplyAddEstimate(av, b0, c10); c11 = Vector128.MultiplyAddEstimate(av, b1, c11);
            av = Vector128.Create(a[2]);
            c20 = Vector128.MultiplyAddEstimate(av, b0, c20); c21 = Vector128.MultiplyAddEstimate(av, b1, c21);
            av = Vector128.Create(a[3]);
            c30 = Vector128.MultiplyAddEstimate(av, b0, c30); c31 = Vector128.MultiplyAddEstimate(av, b1, c31);
            if (TRows.Count == MR)
            {
                av = Vector128.Create(a[4]);
                c40 = Vector128.MultiplyAddEstimate(av, b0, c40); c41 = Vector128.MultiplyAddEstimate(av, b1, c41);
                av = Vector128.Create(a[5]);
                c50 = Vector128.MultiplyAddEstimate(av, b0, c50); c51 = Vector128.MultiplyAddEstimate(av, b1, c51);
            }
            a += TRows.Count;
            b += nrFull;
        }
        Store128(c, load, c00, c01); c += ldc;
        Store128(c, load, c10, c11); c += ldc;
        Store128(c, load, c20, c21); c += ldc;
        Store128(c, load, c30, c31);
        if (TRows.Count == MR)
        {
            c += ldc;
            Store128(c, load, c40, c41); c += ldc;
            Store128(c, load, c50, c51);
        }
    }

    /// <summary>Edge tiles: the full kernel writes a stack tile, then only the valid mr × nr part is merged.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Partial(int kc, float* a, float* b, float* c, int ldc, bool load, int mr, int nr, int mrFull,
                                int nrFull, delegate*<int, float*, float*, float*, int, bool, int, int, void> kernel)
    {
        float* tile = stackalloc float[MR8 * 32];
        kernel(kc, a, b, tile, nrFull, false, mrFull, nrFull);
        for (int i = 0; i < mr; i++)
        {
            float* src = tile + i * nrFull;
            float* dst = c + i * ldc;
            if (load)
                for (int j = 0; j < nr; j++) dst[j] += src[j];
            else
                for (int j = 0; j < nr; j++) dst[j] = src[j];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store512(float* c, bool load, Vector512<float> v0, Vector512<float> v1)
    {
        if (load)
        {
            v0 += Vector512.Load(c);
            v1 += Vector512.Load(c + 16);
        }
        v0.Store(c);
        v1.Store(c + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store256(float* c, bool load, Vector256<float> v0, Vector256<float> v1)
    {
        if (load)
        {
            v0 += Vector256.Load(c);
            v1 += Vector256.Load(c + 8);
        }
        v0.Store(c);
        v1.Store(c + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store128(float* c, bool load, Vector128<float> v0, Vector128<float> v1)
    {
        if (load)
        {
            v0 += Vector128.Load(c);
            v1 += Vector128.Load(c + 4);
        }
        v0.Store(c);
        v1.Store(c + 4);
    }
}
