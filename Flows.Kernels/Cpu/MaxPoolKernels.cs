using System.Runtime.CompilerServices;

namespace Flows.Kernels.Cpu;

/// <summary>
/// 2-D max-pool on the managed CPU, parallel over the N·C planes (each plane's work is independent and
/// backward's overlapping windows then add up on one thread, race-free). Each window is clipped to the image
/// once, so the inner loops carry no padding tests: padded cells simply are not visited, which is exactly
/// "they never win". A plane is H·W floats (12.5 KB at 56×56), so the windows' re-reads stay in L1.
/// Forward: max with NaN propagation; backward: dx = 0, then each window's dy goes to its first x equal to y.
/// </summary>
internal static class MaxPoolKernels
{
    public static void Forward(float[] x, float[] y, PoolGeometry g)
    {
        int inPlane = g.Height * g.Width, outPlane = g.OutHeight * g.OutWidth;
        CpuParallel.For(g.Batch * g.Channels, (long)outPlane * g.KernelSize * g.KernelSize, (start, end) =>
        {
            for (int plane = start; plane < end; plane++)
                ForwardPlane(x.AsSpan(plane * inPlane, inPlane), y.AsSpan(plane * outPlane, outPlane), g);
        });
    }

    public static void Backward(float[] x, float[] y, float[] dy, float[] dx, PoolGeometry g)
    {
        int inPlane = g.Height * g.Width, outPlane = g.OutHeight * g.OutWidth;
        CpuParallel.For(g.Batch * g.Channels, (long)outPlane * g.KernelSize * g.KernelSize + inPlane, (start, end) =>
        {
            for (int plane = start; plane < end; plane++)
                BackwardPlane(x.AsSpan(plane * inPlane, inPlane), y.AsSpan(plane * outPlane, outPlane),
                              dy.AsSpan(plane * outPlane, outPlane), dx.AsSpan(plane * inPlane, inPlane), g);
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardPlane(ReadOnlySpan<float> x, Span<float> y, PoolGeometry g)
    {
        int w = g.Width, ow = g.OutWidth;
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            var (y0, y1) = Clip(oy, g.Height, g);
            for (int ox = 0; ox < ow; ox++)
            {
                var (x0, x1) = Clip(ox, w, g);
                float best = float.NegativeInfinity;
                for (int iy = y0; iy < y1; iy++)
                {
                    var row = x.Slice(iy * w + x0, x1 - x0);
                    foreach (float v in row)
                        if (v > best || float.IsNaN(v)) best = float.IsNaN(best) ? best : v;
                }
                y[oy * ow + ox] = best;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardPlane(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, PoolGeometry g)
    {
        int w = g.Width, ow = g.OutWidth;
        dx.Clear();
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            var (y0, y1) = Clip(oy, g.Height, g);
            for (int ox = 0; ox < ow; ox++)
            {
                var (x0, x1) = Clip(ox, w, g);
                int o = oy * ow + ox, winner = FirstEqual(x, y[o], w, y0, y1, x0, x1);
                if (winner >= 0) dx[winner] += dy[o];
            }
        }
    }

    private static int FirstEqual(ReadOnlySpan<float> x, float target, int w, int y0, int y1, int x0, int x1)
    {
        for (int iy = y0; iy < y1; iy++)
        {
            int at = x.Slice(iy * w + x0, x1 - x0).IndexOf(target);
            if (at >= 0) return iy * w + x0 + at;
        }
        return -1;
    }

    /// <summary>The window of output index o along an axis of the given size, clipped to the image: [start, end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int Start, int End) Clip(int o, int size, PoolGeometry g)
    {
        int start = o * g.Stride - g.Padding;
        return (Math.Max(0, start), Math.Min(size, start + g.KernelSize));
    }
}
