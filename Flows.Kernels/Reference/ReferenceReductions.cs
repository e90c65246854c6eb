namespace Flows.Kernels.Reference;

/// <summary>Sums, moments, channel copies and the 2×2 squeeze and its inverse, as plain loops with double sums.</summary>
internal static class ReferenceReductions
{
    public static double[] SumTo(float[] x, Ncs xs, Ncs ys)
    {
        var y = new double[ys.Length];
        for (int n = 0; n < xs.N; n++)
            for (int c = 0; c < xs.C; c++)
                for (int s = 0; s < xs.S; s++)
                    y[ReferenceElementwise.Index(ys, n, c, s)] += x[(n * xs.C + c) * xs.S + s];
        return y;
    }

    public static (double[] Mean, double[] Variance) ChannelMoments(float[] x, Ncs shape)
    {
        var mean = new double[shape.C];
        var variance = new double[shape.C];
        double count = (double)shape.N * shape.S;
        for (int c = 0; c < shape.C; c++)
        {
            double sum = 0;
            for (int n = 0; n < shape.N; n++)
                for (int s = 0; s < shape.S; s++) sum += x[(n * shape.C + c) * shape.S + s];
            mean[c] = sum / count;
            double sq = 0;
            for (int n = 0; n < shape.N; n++)
                for (int s = 0; s < shape.S; s++)
                {
                    double d = x[(n * shape.C + c) * shape.S + s] - mean[c];
                    sq += d * d;
                }
            variance[c] = sq / count;
        }
        return (mean, variance);
    }

    public static double SumOfSquares(float[] x, int count)
    {
        double sum = 0;
        for (int i = 0; i < count; i++) sum += (double)x[i] * x[i];
        return sum;
    }

    public static float[] CopyChannels(float[] src, int srcChannels, int srcOffset, float[] dstBefore, int dstChannels,
                                       int dstOffset, int count, int batch, int spatial)
    {
        var dst = (float[])dstBefore.Clone();
        for (int n = 0; n < batch; n++)
            for (int k = 0; k < count; k++)
                for (int s = 0; s < spatial; s++)
                    dst[(n * dstChannels + dstOffset + k) * spatial + s] = src[(n * srcChannels + srcOffset + k) * spatial + s];
        return dst;
    }

    /// <summary>y[n, 4c + 2dy + dx, i, j] = x[n, c, 2i + dy, 2j + dx].</summary>
    public static float[] Squeeze(float[] x, int batch, int channels, int height, int width)
    {
        var y = new float[x.Length];
        int h2 = height / 2, w2 = width / 2;
        for (int n = 0; n < batch; n++)
            for (int c = 0; c < channels; c++)
                for (int dy = 0; dy < 2; dy++)
                    for (int dx = 0; dx < 2; dx++)
                        for (int i = 0; i < h2; i++)
                            for (int j = 0; j < w2; j++)
                                y[((n * 4 * channels + 4 * c + 2 * dy + dx) * h2 + i) * w2 + j] =
                                    x[((n * channels + c) * height + 2 * i + dy) * width + 2 * j + dx];
        return y;
    }

    /// <summary>The inverse of Squeeze: x[n, c, 2i + dy, 2j + dx] = y[n, 4c + 2dy + dx, i, j].</summary>
    public static float[] Unsqueeze(float[] y, int batch, int channels, int height, int width)
    {
        var x = new float[y.Length];
        int h2 = height / 2, w2 = width / 2;
        for (int n = 0; n < batch; n++)
            for (int c = 0; c < channels; c++)
                for (int dy = 0; dy < 2; dy++)
                    for (int dx = 0; dx < 2; dx++)
                        for (int i = 0; i < h2; i++)
                            for (int j = 0; j < w2; j++)
                                x[((n * channels + c) * height + 2 * i + dy) * width + 2 * j + dx] =
                                    y[((n * 4 * channels + 4 * c + 2 * dy + dx) * h2 + i) * w2 + j];
        return x;
    }
}
