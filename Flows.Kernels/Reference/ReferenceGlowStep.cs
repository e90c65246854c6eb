namespace Flows.Kernels.Reference;

/// <summary>Plain loops in double for Glow's fused step ops (the broadcast log-determinant, the channel-wise coupling).</summary>
public static class ReferenceGlowStep
{
    /// <summary>y[i] = addend[i] (0 without one) + factor·Σ_j x[j].</summary>
    public static double[] BroadcastScaledSum(float[] x, int count, float factor, float[]? addend, int length)
    {
        double sum = 0;
        for (int j = 0; j < count; j++) sum += x[j];
        var y = new double[length];
        for (int i = 0; i < length; i++) y[i] = (addend is null ? 0 : addend[i]) + factor * sum;
        return y;
    }

    /// <summary>destination with source[n, c, s] added at channel destinationOffset + c.</summary>
    public static double[] AddChannels(float[] source, int count, float[] destination, int destinationChannels, int destinationOffset,
                                       int batch, int spatial)
    {
        var y = destination.Select(v => (double)v).ToArray();
        for (int n = 0; n < batch; n++)
            for (int c = 0; c < count; c++)
                for (int s = 0; s < spatial; s++)
                    y[(n * destinationChannels + destinationOffset + c) * spatial + s] += source[(n * count + c) * spatial + s];
        return y;
    }

    /// <summary>
    /// Channels [off, off + C/2) transformed with raw = st channel c, t = st channel C/2 + c and s = scale_c·tanh(raw),
    /// the other half copied; returns (output, logdet), logdet starting from addend (0 without one).
    /// </summary>
    public static (double[] Output, double[] LogDet) ChannelCoupling(float[] input, float[] st, float[] scale, float[]? addend, Ncs shape,
                                                                     int changeOffset, bool inverse)
    {
        int half = shape.C / 2;
        var output = new double[shape.Length];
        var logdet = new double[shape.N];
        for (int n = 0; n < shape.N; n++) logdet[n] = addend is null ? 0 : addend[n];
        for (int n = 0; n < shape.N; n++)
            for (int c = 0; c < shape.C; c++)
                for (int p = 0; p < shape.S; p++)
                {
                    int i = (n * shape.C + c) * shape.S + p;
                    int k = c - changeOffset;
                    if (k < 0 || k >= half)
                    {
                        output[i] = input[i];
                        continue;
                    }
                    double s = scale[k] * Math.Tanh(st[(n * shape.C + k) * shape.S + p]);
                    double t = st[(n * shape.C + half + k) * shape.S + p];
                    output[i] = inverse ? input[i] * Math.Exp(-s) - t : (input[i] + t) * Math.Exp(s);
                    logdet[n] += inverse ? -s : s;
                }
        return (output, logdet);
    }

    /// <summary>Gradients of the forward direction: (dx, dst, dscale).</summary>
    public static (double[] Dx, double[] Dst, double[] Dscale) ChannelCouplingBackward(
        float[] x, float[] st, float[] scale, float[] dy, float[] dlogdet, Ncs shape, int changeOffset)
    {
        int half = shape.C / 2;
        var dx = new double[shape.Length];
        var dst = new double[shape.Length];
        var dscale = new double[half];
        for (int n = 0; n < shape.N; n++)
            for (int c = 0; c < shape.C; c++)
                for (int p = 0; p < shape.S; p++)
                {
                    int i = (n * shape.C + c) * shape.S + p;
                    int k = c - changeOffset;
                    if (k < 0 || k >= half)
                    {
                        dx[i] = dy[i];
                        continue;
                    }
                    int rawAt = (n * shape.C + k) * shape.S + p, tAt = (n * shape.C + half + k) * shape.S + p;
                    double th = Math.Tanh(st[rawAt]);
                    double e = Math.Exp(scale[k] * th);
                    double y = (x[i] + st[tAt]) * e;
                    // L = Σ dy·y + Σ dlogdet·s: ∂L/∂s = dy·y + dlogdet[n].
                    double ds = dy[i] * y + dlogdet[n];
                    dx[i] = dy[i] * e;
                    dst[tAt] = dy[i] * e;
                    dst[rawAt] = ds * scale[k] * (1 - th * th);
                    dscale[k] += ds * th;
                }
        return (dx, dst, dscale);
    }
}
