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
        CpuParallel.For(g.Batch * g.Channels, (long)outPlane * g.KernelSize * g.KernelSize, (x, y, g, inPlane, outPlane),
            static (in state, start, end) =>
        {
            var (x, y, g, inPlane, outPlane) = state;
            var rows = ThreadScratch.Get(ScratchSlot.PoolRows, g.Height * g.OutWidth);
            for (int plane = start; plane < end; plane++)
                ForwardPlane(x.AsSpan(plane * inPlane, inPlane), y.AsSpan(plane * outPlane, outPlane), rows, g);
        });
    }

    public static void Backward(float[] x, float[] y, float[] dy, float[] dx, PoolGeometry g)
    {
        int inPlane = g.Height * g.Width, outPlane = g.OutHeight * g.OutWidth;
        CpuParallel.For(g.Batch * g.Channels, (long)outPlane * g.KernelSize * g.KernelSize + inPlane, (x, y, dy, dx, g, inPlane, outPlane),
            static (in state, start, end) =>
        {
            var (x, y, dy, dx, g, inPlane, outPlane) = state;
            for (int plane = start; plane < end; plane++)
                BackwardPlane(x.AsSpan(plane * inPlane, inPlane), y.AsSpan(plane * outPlane, outPlane),
                              dy.AsSpan(plane * outPlane, outPlane), dx.AsSpan(plane * inPlane, inPlane), g);
        });
    }

    /// <summary>
    /// v2: separable, a window's max is the max over its rows of each row's max over the window's columns. Pass 1
    /// takes every input row's max over each output column's clipped span (into rows, H × OW), pass 2 the max of
    /// the window's rows. v1 sliced a span per window row: its per-window overhead made a 3×3/2 pool of ResNet-18
    /// at 32×32 (b32, 64 channels, 16×16) cost 16 ms, 15 % of the extractor; v2 reads each row once per column span.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardPlane(ReadOnlySpan<float> x, Span<float> y, float[] rows, PoolGeometry g)
    {
        int h = g.Height, w = g.Width, ow = g.OutWidth;
        for (int iy = 0; iy < h; iy++)
        {
            var row = x.Slice(iy * w, w);
            for (int ox = 0; ox < ow; ox++)
            {
                var (x0, x1) = Clip(ox, w, g);
                float best = float.NegativeInfinity;
                for (int ix = x0; ix < x1; ix++) best = MaxPropagatingNaN(best, row[ix]);
                rows[iy * ow + ox] = best;
            }
        }
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            var (y0, y1) = Clip(oy, h, g);
            var output = y.Slice(oy * ow, ow);
            output.Fill(float.NegativeInfinity);
            for (int iy = y0; iy < y1; iy++)
            {
                var source = rows.AsSpan(iy * ow, ow);
                for (int ox = 0; ox < ow; ox++) output[ox] = MaxPropagatingNaN(output[ox], source[ox]);
            }
        }
    }

    /// <summary>max(a, b), NaN when either is NaN (the forward's NaN propagation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float MaxPropagatingNaN(float a, float b) => a > b || float.IsNaN(a) ? a : b;

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
