namespace Flows.Kernels.Reference;

/// <summary>
/// BatchNorm, affine coupling and ActNorm, forward and backward, element by element with the chain rule
/// written out term by term (BatchNorm's backward goes through the mean and the variance explicitly).
/// </summary>
internal static class ReferenceFlowLayers
{
    public static double[] BatchNormApply(float[] x, float[] mean, float[] invStd, float[] gamma, float[] beta, Ncs shape)
    {
        var y = new double[shape.Length];
        for (int n = 0; n < shape.N; n++)
            for (int c = 0; c < shape.C; c++)
                for (int s = 0; s < shape.S; s++)
                {
                    int i = (n * shape.C + c) * shape.S + s;
                    y[i] = ((double)x[i] - mean[c]) * invStd[c] * gamma[c] + beta[c];
                }
        return y;
    }

    public static (double[] Dx, double[] Dgamma, double[] Dbeta) BatchNormBackward(
        float[] x, float[] mean, float[] invStd, float[] gamma, float[] dy, Ncs shape, bool batchStatistics)
    {
        var dx = new double[shape.Length];
        var dgamma = new double[shape.C];
        var dbeta = new double[shape.C];
        double m = (double)shape.N * shape.S;
        for (int c = 0; c < shape.C; c++)
        {
            double mu = mean[c], istd = invStd[c];
            double dvar = 0, dmean = 0, sumCentered = 0;
            foreach (int i in Channel(shape, c))
            {
                double xhat = (x[i] - mu) * istd;
                dgamma[c] += dy[i] * xhat;
                dbeta[c] += dy[i];
                double dxhat = dy[i] * gamma[c];
                // invStd = (var + eps)^(-1/2): d invStd / d var = -invStd³/2.
                dvar += dxhat * (x[i] - mu) * -0.5 * istd * istd * istd;
                dmean += -dxhat * istd;
                sumCentered += x[i] - mu;
            }
            // var = mean((x − μ)²) also depends on μ.
            dmean += dvar * -2.0 * sumCentered / m;
            foreach (int i in Channel(shape, c))
            {
                double dxhat = dy[i] * gamma[c];
                dx[i] = batchStatistics ? dxhat * istd + dvar * 2.0 * (x[i] - mu) / m + dmean / m : dxhat * istd;
            }
        }
        return (dx, dgamma, dbeta);
    }

    private static IEnumerable<int> Channel(Ncs shape, int c)
    {
        for (int n = 0; n < shape.N; n++)
            for (int s = 0; s < shape.S; s++) yield return (n * shape.C + c) * shape.S + s;
    }

    /// <summary>Forward (or inverse) coupling; returns (output, logdet).</summary>
    public static (double[] Output, double[] LogDet) Coupling(float[] input, float[] raw, float[] t, float[] scale, float[]? mask,
                                                              Ncs shape, bool inverse)
    {
        var output = new double[shape.Length];
        var logdet = new double[shape.N];
        for (int n = 0; n < shape.N; n++)
            for (int c = 0; c < shape.C; c++)
                for (int s = 0; s < shape.S; s++)
                {
                    int i = (n * shape.C + c) * shape.S + s;
                    double m = mask is null ? 1 : mask[c * shape.S + s];
                    double sv = m * scale[c] * Math.Tanh(raw[i]);
                    double tv = m * t[i];
                    output[i] = inverse ? input[i] * Math.Exp(-sv) - tv : (input[i] + tv) * Math.Exp(sv);
                    logdet[n] += inverse ? -sv : sv;
                }
        return (output, logdet);
    }

    public static (double[] Dx, double[] Draw, double[] Dt, double[] Dscale) CouplingBackward(
        float[] x, float[] raw, float[] t, float[] scale, float[]? mask, float[] dy, float[] dlogdet, Ncs shape)
    {
        var dx = new double[shape.Length];
        var draw = new double[shape.Length];
        var dt = new double[shape.Length];
        var dscale = new double[shape.C];
        for (int n = 0; n < shape.N; n++)
            for (int c = 0; c < shape.C; c++)
                for (int s = 0; s < shape.S; s++)
                {
                    int i = (n * shape.C + c) * shape.S + s;
                    double m = mask is null ? 1 : mask[c * shape.S + s];
                    double th = Math.Tanh(raw[i]);
                    double sv = m * scale[c] * th;
                    double e = Math.Exp(sv);
                    double y = (x[i] + m * t[i]) * e;
                    // L = Σ dy·y + Σ dlogdet·s: ∂L/∂s = dy·y + dlogdet[n].
                    double ds = dy[i] * y + dlogdet[n];
                    dx[i] = dy[i] * e;
                    dt[i] = dy[i] * e * m;
                    draw[i] = ds * m * scale[c] * (1 - th * th);
                    dscale[c] += ds * m * th;
                }
        return (dx, draw, dt, dscale);
    }

    public static double[] ActNorm(float[] input, float[] bias, float[] logScale, Ncs shape, bool inverse)
    {
        var output = new double[shape.Length];
        for (int n = 0; n < shape.N; n++)
            for (int c = 0; c < shape.C; c++)
                for (int s = 0; s < shape.S; s++)
                {
                    int i = (n * shape.C + c) * shape.S + s;
                    output[i] = inverse ? input[i] * Math.Exp(-logScale[c]) - bias[c] : (input[i] + bias[c]) * Math.Exp(logScale[c]);
                }
        return output;
    }

    public static (double[] Dx, double[] Dbias, double[] DlogScale) ActNormBackward(
        float[] x, float[] bias, float[] logScale, float[] dy, Ncs shape)
    {
        var dx = new double[shape.Length];
        var dbias = new double[shape.C];
        var dls = new double[shape.C];
        for (int n = 0; n < shape.N; n++)
            for (int c = 0; c < shape.C; c++)
                for (int s = 0; s < shape.S; s++)
                {
                    int i = (n * shape.C + c) * shape.S + s;
                    double e = Math.Exp(logScale[c]);
                    dx[i] = dy[i] * e;
                    dbias[c] += dy[i] * e;
                    dls[c] += dy[i] * (x[i] + bias[c]) * e;
                }
        return (dx, dbias, dls);
    }
}
