namespace Flows.Kernels.Reference;

/// <summary>2-D max-pool forward and backward as plain loops over padded coordinates (padding is −∞).</summary>
internal static class ReferencePooling
{
    public static double[] MaxPoolForward(float[] x, PoolGeometry g)
    {
        var y = new double[g.OutputLength];
        for (int plane = 0; plane < g.Batch * g.Channels; plane++)
            for (int oy = 0; oy < g.OutHeight; oy++)
                for (int ox = 0; ox < g.OutWidth; ox++)
                    y[(plane * g.OutHeight + oy) * g.OutWidth + ox] = x[Winner(x, g, plane, oy, ox)];
        return y;
    }

    /// <summary>dx: each window's dy added at its first maximum in row-major window order.</summary>
    public static double[] MaxPoolBackward(float[] x, float[] dy, PoolGeometry g)
    {
        var dx = new double[g.InputLength];
        for (int plane = 0; plane < g.Batch * g.Channels; plane++)
            for (int oy = 0; oy < g.OutHeight; oy++)
                for (int ox = 0; ox < g.OutWidth; ox++)
                    dx[Winner(x, g, plane, oy, ox)] += dy[(plane * g.OutHeight + oy) * g.OutWidth + ox];
        return dx;
    }

    /// <summary>Index into x of the first strict maximum of the window of (oy, ox); padded cells are skipped.</summary>
    private static int Winner(float[] x, PoolGeometry g, int plane, int oy, int ox)
    {
        int best = -1;
        for (int ky = 0; ky < g.KernelSize; ky++)
            for (int kx = 0; kx < g.KernelSize; kx++)
            {
                int iy = oy * g.Stride + ky - g.Padding, ix = ox * g.Stride + kx - g.Padding;
                if (iy < 0 || iy >= g.Height || ix < 0 || ix >= g.Width) continue;
                int i = (plane * g.Height + iy) * g.Width + ix;
                if (best < 0 || x[i] > x[best]) best = i;
            }
        return best;
    }
}
