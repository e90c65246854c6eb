using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Flows.Kernels.Cpu;

/// <summary>
/// 8×8 register transposes for packing panels whose source runs the other way (a row of A or a column of B is
/// contiguous in memory, the panel wants it spread across rows), replacing strided scalar copies.
/// </summary>
internal static unsafe class PanelTranspose
{
    public static bool IsSupported => Transpose8x8.IsSupported;

    /// <summary>
    /// A panel block of h ≤ 8 rows: dst[q·h + r] = rows[r][q] for q &lt; 8 and r &lt; valid (0 for valid ≤ r &lt; h).
    /// Each q writes 8 floats, so up to 8 − h floats past row q are written too: callers go in increasing q
    /// (later rows overwrite the spill) and leave 8 floats of slack after the buffer.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RowsIntoPanel(float* dst, int h, float** rows, int valid, int offset)
    {
        var v0 = valid > 0 ? Vector256.Load(rows[0] + offset) : default;
        var v1 = valid > 1 ? Vector256.Load(rows[1] + offset) : default;
        var v2 = valid > 2 ? Vector256.Load(rows[2] + offset) : default;
        var v3 = valid > 3 ? Vector256.Load(rows[3] + offset) : default;
        var v4 = valid > 4 ? Vector256.Load(rows[4] + offset) : default;
        var v5 = valid > 5 ? Vector256.Load(rows[5] + offset) : default;
        var v6 = valid > 6 ? Vector256.Load(rows[6] + offset) : default;
        var v7 = valid > 7 ? Vector256.Load(rows[7] + offset) : default;
        Transpose8x8.Run(ref v0, ref v1, ref v2, ref v3, ref v4, ref v5, ref v6, ref v7);
        Vector256.Store(v0, dst); Vector256.Store(v1, dst + h); Vector256.Store(v2, dst + 2 * h); Vector256.Store(v3, dst + 3 * h);
        Vector256.Store(v4, dst + 4 * h); Vector256.Store(v5, dst + 5 * h); Vector256.Store(v6, dst + 6 * h); Vector256.Store(v7, dst + 7 * h);
    }

    /// <summary>
    /// A B panel block of 8 rows × 8 columns: dst[q·nr + j] = columns[j][q] for j &lt; valid (0 beyond), exact
    /// 8-float stores (nr ≥ 8).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ColumnsIntoPanel(float* dst, int nr, float** columns, int valid, int offset)
    {
        var v0 = valid > 0 ? Vector256.Load(columns[0] + offset) : default;
        var v1 = valid > 1 ? Vector256.Load(columns[1] + offset) : default;
        var v2 = valid > 2 ? Vector256.Load(columns[2] + offset) : default;
        var v3 = valid > 3 ? Vector256.Load(columns[3] + offset) : default;
        var v4 = valid > 4 ? Vector256.Load(columns[4] + offset) : default;
        var v5 = valid > 5 ? Vector256.Load(columns[5] + offset) : default;
        var v6 = valid > 6 ? Vector256.Load(columns[6] + offset) : default;
        var v7 = valid > 7 ? Vector256.Load(columns[7] + offset) : default;
        Transpose8x8.Run(ref v0, ref v1, ref v2, ref v3, ref v4, ref v5, ref v6, ref v7);
        Vector256.Store(v0, dst); Vector256.Store(v1, dst + nr); Vector256.Store(v2, dst + 2 * nr); Vector256.Store(v3, dst + 3 * nr);
        Vector256.Store(v4, dst + 4 * nr); Vector256.Store(v5, dst + 5 * nr); Vector256.Store(v6, dst + 6 * nr); Vector256.Store(v7, dst + 7 * nr);
    }
}
