namespace Flows.Kernels.Reference;

/// <summary>
/// The fused layer passes as plain loops in double: weight_norm forward and backward, BatchNorm's training statistics
/// with the running update, and log|det W| with W⁻ᵀ (docs/PERFORMANCE.md, "Launches and host synchronisations per step").
/// </summary>
internal static class ReferenceFused
{
    public static (double[] W, double[] Norms) WeightNorm(float[] g, float[] v, int rows, int rest)
    {
        var w = new double[rows * rest];
        var norms = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double sq = 0;
            for (int i = 0; i < rest; i++) sq += (double)v[r * rest + i] * v[r * rest + i];
            norms[r] = Math.Sqrt(sq);
            for (int i = 0; i < rest; i++) w[r * rest + i] = g[r] * v[r * rest + i] / norms[r];
        }
        return (w, norms);
    }

    /// <summary>dg and dv of w = g·v/‖v‖ (the norms recomputed from v).</summary>
    public static (double[] Dg, double[] Dv) WeightNormBackward(float[] g, float[] v, float[] dw, int rows, int rest)
    {
        var (_, norms) = WeightNorm(g, v, rows, rest);
        var dg = new double[rows];
        var dv = new double[rows * rest];
        for (int r = 0; r < rows; r++)
        {
            double dot = 0, n = norms[r];
            for (int i = 0; i < rest; i++) dot += (double)v[r * rest + i] * dw[r * rest + i];
            dg[r] = dot / n;
            for (int i = 0; i < rest; i++)
                dv[r * rest + i] = g[r] / n * (dw[r * rest + i] - v[r * rest + i] * dot / (n * n));
        }
        return (dg, dv);
    }

    public static (double[] Mean, double[] InvStd, double[] RunningMean, double[] RunningVar) BatchNormStatistics(
        float[] x, Ncs shape, float[] runningMean, float[] runningVar, float momentum, float epsilon)
    {
        var (mean, variance) = ReferenceReductions.ChannelMoments(x, shape);
        double m = shape.N * shape.S;
        var invStd = new double[shape.C];
        var rm = new double[shape.C];
        var rv = new double[shape.C];
        for (int c = 0; c < shape.C; c++)
        {
            invStd[c] = 1.0 / Math.Sqrt(variance[c] + epsilon);
            rm[c] = (1.0 - momentum) * runningMean[c] + momentum * mean[c];
            rv[c] = (1.0 - momentum) * runningVar[c] + momentum * variance[c] * m / (m - 1.0);
        }
        return (mean, invStd, rm, rv);
    }

    /// <summary>log|det W| by cofactor-free LU (partial pivoting) and W⁻ᵀ by solving W·X = I column by column.</summary>
    public static (double LogAbsDet, double[] InverseTranspose) LogAbsDeterminant(float[] weight, int n)
    {
        var lu = Array.ConvertAll(weight, v => (double)v);
        var perm = Enumerable.Range(0, n).ToArray();
        double logDet = 0;
        for (int k = 0; k < n; k++)
        {
            int p = k;
            for (int r = k + 1; r < n; r++)
                if (Math.Abs(lu[r * n + k]) > Math.Abs(lu[p * n + k])) p = r;
            if (p != k)
            {
                for (int j = 0; j < n; j++) (lu[k * n + j], lu[p * n + j]) = (lu[p * n + j], lu[k * n + j]);
                (perm[k], perm[p]) = (perm[p], perm[k]);
            }
            logDet += Math.Log(Math.Abs(lu[k * n + k]));
            for (int r = k + 1; r < n; r++)
            {
                lu[r * n + k] /= lu[k * n + k];
                for (int j = k + 1; j < n; j++) lu[r * n + j] -= lu[r * n + k] * lu[k * n + j];
            }
        }
        var inverseTranspose = new double[n * n];
        for (int col = 0; col < n; col++)
        {
            var y = new double[n];
            for (int i = 0; i < n; i++)
            {
                double s = perm[i] == col ? 1 : 0;
                for (int j = 0; j < i; j++) s -= lu[i * n + j] * y[j];
                y[i] = s;
            }
            for (int i = n - 1; i >= 0; i--)
            {
                double s = y[i];
                for (int j = i + 1; j < n; j++) s -= lu[i * n + j] * y[j];
                y[i] = s / lu[i * n + i];
            }
            // y is column col of W⁻¹, so row col of W⁻ᵀ.
            for (int i = 0; i < n; i++) inverseTranspose[col * n + i] = y[i];
        }
        return (logDet, inverseTranspose);
    }
}
