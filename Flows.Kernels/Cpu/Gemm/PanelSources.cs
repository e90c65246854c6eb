using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Flows.Kernels.Cpu;

/// <summary>
/// Where the packed GEMM reads op(A) (m×k) from. Pack writes rows [ic, ic+mc) × columns [pc, pc+kc) as
/// micro-panels of h = <see cref="GemmMicroKernels.PanelHeight"/> rows: the panel of rows [i0, i0+h) at
/// dst[i0·kc + p·h + r], zero-padded.
/// Structs, so the GEMM is specialised per source and the calls inline.
/// </summary>
internal unsafe interface IPackA
{
    void Pack(float* dst, int ic, int mc, int pc, int kc);

    /// <summary>The block already packed elsewhere (see <see cref="PrepackedA"/>), or null to call Pack.</summary>
    float* Prepacked(int ic, int pc, int kc);
}

/// <summary>
/// Where the packed GEMM reads op(B) (k×n) from. Pack writes rows [pc, pc+kc) × columns [jc, jc+nc) as
/// micro-panels of nr columns: dst[(panel·kc + p)·nr + j], zero-padded to a whole panel.
/// </summary>
internal unsafe interface IPackB
{
    void Pack(float* dst, int pc, int kc, int jc, int nc, int nr);
}

/// <summary>A dense row-major matrix, or the transpose of one (then stored k×m).</summary>
internal readonly unsafe struct DenseA(float* data, int ld, bool transposed) : IPackA
{
    public float* Prepacked(int ic, int pc, int kc) => null;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(float* dst, int ic, int mc, int pc, int kc)
    {
        float** rowStarts = stackalloc float*[8];
        for (int i0 = 0, mr; i0 < mc; i0 += mr)
        {
            mr = GemmMicroKernels.PanelHeight(mc - i0);
            int rows = Math.Min(mr, mc - i0);
            float* panel = dst + i0 * kc;
            if (transposed)
            {
                // op(A)[i, p] = data[p·ld + i]: MR consecutive floats per p.
                for (int p = 0; p < kc; p++)
                {
                    float* src = data + (long)(pc + p) * ld + ic + i0;
                    float* d = panel + p * mr;
                    int r = 0;
                    for (; r < rows; r++) d[r] = src[r];
                    for (; r < mr; r++) d[r] = 0f;
                }
            }
            else
            {
                // op(A)[i, p] = data[i·ld + p]: rows are contiguous; 8 columns at a time go through a transpose.
                for (int r = 0; r < rows; r++) rowStarts[r] = data + (long)(ic + i0 + r) * ld + pc;
                PanelTranspose.IntoPanel(panel, mr, mr, rowStarts, rows, kc);
            }
        }
    }
}

/// <summary>A dense row-major matrix, or the transpose of one (then stored n×k).</summary>
internal readonly unsafe struct DenseB(float* data, int ld, bool transposed) : IPackB
{
    /// <summary>Copies cols floats and zero-fills the panel row up to nr; whole rows go as vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CopyPanelRow(float* src, float* dst, int cols, int nr)
    {
        if (cols == nr)
        {
            PanelCopy.Contiguous(src, dst, nr);
            return;
        }
        int i = 0;
        for (; i < cols; i++) dst[i] = src[i];
        for (; i < nr; i++) dst[i] = 0f;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(float* dst, int pc, int kc, int jc, int nc, int nr)
    {
        float** sources = stackalloc float*[8];
        if (!transposed)
        {
            // Row by row: each source row is read once, sequentially (walking down a column strip instead
            // touches a new page every row and measured 5× slower once B outgrows L2).
            for (int p = 0; p < kc; p++)
            {
                float* src = data + (long)(pc + p) * ld + jc;
                for (int j0 = 0; j0 < nc; j0 += nr)
                    CopyPanelRow(src + j0, dst + j0 * kc + p * nr, Math.Min(nr, nc - j0), nr);
            }
            return;
        }
        for (int j0 = 0; j0 < nc; j0 += nr)
        {
            int cols = Math.Min(nr, nc - j0);
            float* panel = dst + j0 * kc;
            if (nr % 8 == 0 && PanelTranspose.IsSupported)
            {
                // op(B)[p, j] = data[j·ld + p]: 8 source rows at a time, transposed in registers.
                for (int half = 0; half < nr; half += 8)
                {
                    int valid = Math.Clamp(cols - half, 0, 8);
                    for (int j = 0; j < valid; j++) sources[j] = data + (long)(jc + j0 + half + j) * ld + pc;
                    PanelTranspose.IntoPanel(panel + half, nr, 8, sources, valid, kc);
                }
                continue;
            }
            // op(B)[p, j] = data[j·ld + p]: walk each source row (fixed j) contiguously.
            for (int j = 0; j < nr; j++)
            {
                if (j < cols)
                {
                    float* src = data + (long)(jc + j0 + j) * ld + pc;
                    for (int p = 0; p < kc; p++) panel[p * nr + j] = src[p];
                }
                else
                {
                    for (int p = 0; p < kc; p++) panel[p * nr + j] = 0f;
                }
            }
        }
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
