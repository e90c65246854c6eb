namespace Flows.Kernels.Reference;

/// <summary>Matrix multiply, direct 2-D convolution (any stride and padding) and its two gradients, and the 1×1 convolution, as loops.</summary>
internal static class ReferenceLinear
{
    public static double[] MatMul(float[] a, float[] b, float[]? cBefore, int m, int k, int n, bool ta, bool tb)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = cBefore is null ? 0 : cBefore[i * n + j];
                for (int p = 0; p < k; p++)
                    sum += (double)(ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
                c[i * n + j] = sum;
            }
        return c;
    }

    public static double[] ConvForward(float[] x, float[] w, float[]? bias, ConvGeometry g)
    {
        var y = new double[g.OutputLength];
        int k = g.KernelSize, oh = g.OutHeight, ow = g.OutWidth;
        for (int n = 0; n < g.Batch; n++)
            for (int co = 0; co < g.OutChannels; co++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                    {
                        double sum = bias is null ? 0 : bias[co];
                        for (int ci = 0; ci < g.InChannels; ci++)
                            for (int ky = 0; ky < k; ky++)
                                for (int kx = 0; kx < k; kx++)
                                {
                                    int iy = oy * g.Stride + ky - g.Padding, ix = ox * g.Stride + kx - g.Padding;
                                    if (iy < 0 || iy >= g.Height || ix < 0 || ix >= g.Width) continue;
                                    sum += (double)x[((n * g.InChannels + ci) * g.Height + iy) * g.Width + ix] * w[((co * g.InChannels + ci) * k + ky) * k + kx];
                                }
                        y[((n * g.OutChannels + co) * oh + oy) * ow + ox] = sum;
                    }
        return y;
    }

    /// <summary>dx[pixel] = Σ over every output that read the pixel of dy·w.</summary>
    public static double[] ConvBackwardData(float[] dy, float[] w, ConvGeometry g)
    {
        var dx = new double[g.InputLength];
        int k = g.KernelSize, oh = g.OutHeight, ow = g.OutWidth;
        for (int n = 0; n < g.Batch; n++)
            for (int co = 0; co < g.OutChannels; co++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                    {
                        double d = dy[((n * g.OutChannels + co) * oh + oy) * ow + ox];
                        for (int ci = 0; ci < g.InChannels; ci++)
                            for (int ky = 0; ky < k; ky++)
                                for (int kx = 0; kx < k; kx++)
                                {
                                    int iy = oy * g.Stride + ky - g.Padding, ix = ox * g.Stride + kx - g.Padding;
                                    if (iy < 0 || iy >= g.Height || ix < 0 || ix >= g.Width) continue;
                                    dx[((n * g.InChannels + ci) * g.Height + iy) * g.Width + ix] += d * w[((co * g.InChannels + ci) * k + ky) * k + kx];
                                }
                    }
        return dx;
    }

    public static double[] ConvBackwardWeight(float[] x, float[] dy, ConvGeometry g)
    {
        var dw = new double[g.WeightLength];
        int k = g.KernelSize, oh = g.OutHeight, ow = g.OutWidth;
        for (int n = 0; n < g.Batch; n++)
            for (int co = 0; co < g.OutChannels; co++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                    {
                        double d = dy[((n * g.OutChannels + co) * oh + oy) * ow + ox];
                        for (int ci = 0; ci < g.InChannels; ci++)
                            for (int ky = 0; ky < k; ky++)
                                for (int kx = 0; kx < k; kx++)
                                {
                                    int iy = oy * g.Stride + ky - g.Padding, ix = ox * g.Stride + kx - g.Padding;
                                    if (iy < 0 || iy >= g.Height || ix < 0 || ix >= g.Width) continue;
                                    dw[((co * g.InChannels + ci) * k + ky) * k + kx] += d * x[((n * g.InChannels + ci) * g.Height + iy) * g.Width + ix];
                                }
                    }
        return dw;
    }

    /// <summary>The bias gradient of a convolution: db[c] = Σ over (n, oy, ox) of dy[n, c, oy, ox].</summary>
    public static double[] ConvBiasGradient(float[] dy, ConvGeometry g)
    {
        var db = new double[g.OutChannels];
        int spatial = g.OutHeight * g.OutWidth;
        for (int n = 0; n < g.Batch; n++)
            for (int c = 0; c < g.OutChannels; c++)
                for (int s = 0; s < spatial; s++)
                    db[c] += dy[(n * g.OutChannels + c) * spatial + s];
        return db;
    }

    public static double[] Conv1x1(float[] x, float[] w, Ncs shape, bool transpose)
    {
        var y = new double[shape.Length];
        int c = shape.C;
        for (int n = 0; n < shape.N; n++)
            for (int o = 0; o < c; o++)
                for (int s = 0; s < shape.S; s++)
                {
                    double sum = 0;
                    for (int i = 0; i < c; i++)
                        sum += (double)(transpose ? w[i * c + o] : w[o * c + i]) * x[(n * c + i) * shape.S + s];
                    y[(n * c + o) * shape.S + s] = sum;
                }
        return y;
    }
}
