using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Flows.Kernels.Cpu;

/// <summary>
/// 8×8 register transposes for packing panels whose source runs the other way (a row of A or a column of B is
/// contiguous in memory, the panel wants it spread across its rows), replacing strided scalar copies.
/// </summary>
internal static unsafe class PanelTranspose
{
    public static bool IsSupported => Transpose8x8.IsSupported;

    /// <summary>
    /// dst[q·stride + i] = sources[i][offset + q] for q &lt; 8 and i &lt; valid (0 for valid ≤ i &lt; 8). Each q writes
    /// 8 floats: into a B panel (stride nr ≥ 8) exactly; into an A panel of h &lt; 8 rows (stride h) the last 8 − h
    /// spill into row q + 1, so callers go in increasing q (later rows overwrite the spill) and leave 8 floats
    /// of slack after the buffer.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Block(float* dst, int stride, float** sources, int valid, int offset)
    {
        var v0 = valid > 0 ? Vector256.Load(sources[0] + offset) : default;
        var v1 = valid > 1 ? Vector256.Load(sources[1] + offset) : default;
        var v2 = valid > 2 ? Vector256.Load(sources[2] + offset) : default;
        var v3 = valid > 3 ? Vector256.Load(sources[3] + offset) : default;
        var v4 = valid > 4 ? Vector256.Load(sources[4] + offset) : default;
        var v5 = valid > 5 ? Vector256.Load(sources[5] + offset) : default;
        var v6 = valid > 6 ? Vector256.Load(sources[6] + offset) : default;
        var v7 = valid > 7 ? Vector256.Load(sources[7] + offset) : default;
        Transpose8x8.Run(ref v0, ref v1, ref v2, ref v3, ref v4, ref v5, ref v6, ref v7);
        Vector256.Store(v0, dst); Vector256.Store(v1, dst + stride); Vector256.Store(v2, dst + 2 * stride);
        Vector256.Store(v3, dst + 3 * stride); Vector256.Store(v4, dst + 4 * stride); Vector256.Store(v5, dst + 5 * stride);
        Vector256.Store(v6, dst + 6 * stride); Vector256.Store(v7, dst + 7 * stride);
    }
}
