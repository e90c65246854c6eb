using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Flows.Kernels.Cpu;

/// <summary>Eight source vectors for one 8×8 transpose: vector i is what lands in column i of the block.</summary>
internal unsafe interface IEightVectors
{
    Vector256<float> Load(int i);
}

/// <summary>Vector i is 8 consecutive floats of a row or column given by its start pointer, from an offset on.</summary>
internal readonly unsafe struct PointerVectors(float** sources, int offset) : IEightVectors
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Load(int i) => Vector256.Load(sources[i] + offset);
}

/// <summary>
/// 8×8 register transposes for packing panels whose source runs the other way (a row of A, a column of B or a
/// run of pixels is contiguous in memory, the panel wants it spread across its rows), replacing strided scalar
/// copies.
/// </summary>
internal static unsafe class PanelTranspose
{
    public static bool IsSupported => Transpose8x8.IsSupported;

    /// <summary>
    /// dst[q·stride + i] = vector i, lane q, for q &lt; 8 and i &lt; valid (0 for valid ≤ i &lt; 8). Each q writes
    /// 8 floats: into a B panel (stride nr ≥ 8) exactly; into an A panel of h &lt; 8 rows (stride h) the last 8 − h
    /// spill into row q + 1, so callers go in increasing q (later rows overwrite the spill) and leave 8 floats
    /// of slack after the buffer.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Block<TVectors>(float* dst, int stride, TVectors vectors, int valid) where TVectors : struct, IEightVectors
    {
        var v0 = valid > 0 ? vectors.Load(0) : default;
        var v1 = valid > 1 ? vectors.Load(1) : default;
        var v2 = valid > 2 ? vectors.Load(2) : default;
        var v3 = valid > 3 ? vectors.Load(3) : default;
        var v4 = valid > 4 ? vectors.Load(4) : default;
        var v5 = valid > 5 ? vectors.Load(5) : default;
        var v6 = valid > 6 ? vectors.Load(6) : default;
        var v7 = valid > 7 ? vectors.Load(7) : default;
        Transpose8x8.Run(ref v0, ref v1, ref v2, ref v3, ref v4, ref v5, ref v6, ref v7);
        Vector256.Store(v0, dst); Vector256.Store(v1, dst + stride); Vector256.Store(v2, dst + 2 * stride);
        Vector256.Store(v3, dst + 3 * stride); Vector256.Store(v4, dst + 4 * stride); Vector256.Store(v5, dst + 5 * stride);
        Vector256.Store(v6, dst + 6 * stride); Vector256.Store(v7, dst + 7 * stride);
    }

    /// <summary>
    /// dst[q·stride + i] = sources[i][q] for q &lt; count and i &lt; width (0 for valid ≤ i &lt; width): eight q at a
    /// time through <see cref="Block{TVectors}"/>, the rest one by one. width ≤ 8 (an A panel's height, or 8
    /// columns of a B panel).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void IntoPanel(float* dst, int stride, int width, float** sources, int valid, int count)
    {
        int q = 0;
        if (IsSupported)
            for (; q + 8 <= count; q += 8) Block(dst + q * stride, stride, new PointerVectors(sources, q), valid);
        for (; q < count; q++)
        {
            float* d = dst + q * stride;
            int i = 0;
            for (; i < valid; i++) d[i] = sources[i][q];
            for (; i < width; i++) d[i] = 0f;
        }
    }
}
