using System.Numerics;
using System.Runtime.InteropServices;

namespace Flows.Kernels.Cpu;

/// <summary>
/// BatchNorm apply and backward over (N, C, S) with per-channel statistics. Backward in training mode is the
/// usual closed form: dx = γ·invStd·(dy − mean(dy) − x̂·mean(dy·x̂)), means over the N·S elements of a channel.
/// </summary>
internal static class BatchNormKernels
{
    public static void Apply(float[] x, float[] mean, float[] invStd, float[] gamma, float[] beta, float[] y, Ncs shape)
    {
        int s = shape.S;
        CpuParallel.For(shape.N * shape.C, s, (start, end) =>
        {
            for (int row = start; row < end; row++)
            {
                int c = row % shape.C;
                var vx = MemoryMarshal.Cast<float, Vector<float>>(x.AsSpan(row * s, s));
                var dst = y.AsSpan(row * s, s);
                var vy = MemoryMarshal.Cast<float, Vector<float>>(dst);
                float mu = mean[c], k = invStd[c] * gamma[c], b = beta[c];
                Vector<float> vmu = new(mu), vk = new(k), vb = new(b);
                for (int v = 0; v < vy.Length; v++) vy[v] = Vector.FusedMultiplyAdd(vx[v] - vmu, vk, vb);
                for (int i = vy.Length * Vector<float>.Count; i < s; i++) dst[i] = (x[row * s + i] - mu) * k + b;
            }
        });
    }

    public static void Backward(float[] x, float[] mean, float[] invStd, float[] gamma, float[] dy,
                                float[] dx, float[] dgamma, float[] dbeta, Ncs shape, bool batchStatistics)
    {
        int s = shape.S;
        double count = (double)shape.N * s;
        CpuParallel.For(shape.C, 3L * shape.N * s, (start, end) =>
        {
            for (int c = start; c < end; c++)
            {
                float mu = mean[c], istd = invStd[c];
                double sumDy = 0, sumDyXc = 0;
                for (int n = 0; n < shape.N; n++)
                {
                    int at = (n * shape.C + c) * s;
                    var (rowDy, rowDyXc) = SumAndDotCentered(dy.AsSpan(at, s), x.AsSpan(at, s), mu);
                    sumDy += rowDy;
                    sumDyXc += rowDyXc;
                }
                double sumDyXhat = sumDyXc * istd;
                dbeta[c] = (float)sumDy;
                dgamma[c] = (float)sumDyXhat;
                float k = gamma[c] * istd;
                // dx = k·dy + a·(x − μ) + b, with a = −k·istd·mean(dy·x̂), b = −k·mean(dy) (zero in eval mode).
                float a = batchStatistics ? (float)(-k * istd * sumDyXhat / count) : 0f;
                float b = batchStatistics ? (float)(-k * sumDy / count) : 0f;
                Vector<float> vk = new(k), va = new(a), vb = new(b), vmu = new(mu);
                for (int n = 0; n < shape.N; n++)
                {
                    int at = (n * shape.C + c) * s;
                    var vdy = MemoryMarshal.Cast<float, Vector<float>>(dy.AsSpan(at, s));
                    var vx = MemoryMarshal.Cast<float, Vector<float>>(x.AsSpan(at, s));
                    var vdx = MemoryMarshal.Cast<float, Vector<float>>(dx.AsSpan(at, s));
                    for (int v = 0; v < vdx.Length; v++)
                        vdx[v] = Vector.FusedMultiplyAdd(vk, vdy[v], Vector.FusedMultiplyAdd(va, vx[v] - vmu, vb));
                    for (int i = vdx.Length * Vector<float>.Count; i < s; i++)
                        dx[at + i] = k * dy[at + i] + a * (x[at + i] - mu) + b;
                }
            }
        });
    }

    /// <summary>(Σ dy, Σ dy·(x − μ)) in one pass over dy, blocked: float lanes per block, double across blocks.</summary>
    private static (double SumDy, double SumDyXc) SumAndDotCentered(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, float mu)
    {
        double sum = 0, dot = 0;
        const int block = 256;
        var vmu = new Vector<float>(mu);
        for (int start = 0; start < dy.Length; start += block)
        {
            int len = Math.Min(block, dy.Length - start);
            var vdy = MemoryMarshal.Cast<float, Vector<float>>(dy.Slice(start, len));
            var vx = MemoryMarshal.Cast<float, Vector<float>>(x.Slice(start, len));
            Vector<float> accSum = Vector<float>.Zero, accDot = Vector<float>.Zero;
            for (int v = 0; v < vdy.Length; v++)
            {
                accSum += vdy[v];
                accDot = Vector.FusedMultiplyAdd(vdy[v], vx[v] - vmu, accDot);
            }
            float restSum = 0, restDot = 0;
            for (int i = start + vdy.Length * Vector<float>.Count; i < start + len; i++)
            {
                restSum += dy[i];
                restDot += dy[i] * (x[i] - mu);
            }
            sum += (double)Vector.Sum(accSum) + restSum;
            dot += (double)Vector.Sum(accDot) + restDot;
        }
        return (sum, dot);
    }
}
