using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Flows.Kernels.Cpu;

/// <summary>
/// BatchNorm apply and backward over (N, C, S) with per-channel statistics. Backward in training mode is the
/// usual closed form: dx = γ·invStd·(dy − mean(dy) − x̂·mean(dy·x̂)), means over the N·S elements of a channel.
/// A ReLU after the normalization can be fused: apply clamps in the same pass, and backward takes the fused
/// output and lets dy through only where it is positive, instead of a separate ReLU pass each way.
/// </summary>
internal static class BatchNormKernels
{
    public static void Apply(float[] x, float[] mean, float[] invStd, float[] gamma, float[] beta, float[] y, Ncs shape,
                             bool relu = false)
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
                if (relu)
                {
                    for (int v = 0; v < vy.Length; v++) vy[v] = LeakyReluOp.Apply(Vector.FusedMultiplyAdd(vx[v] - vmu, vk, vb), Vector<float>.Zero);
                    for (int i = vy.Length * Vector<float>.Count; i < s; i++) dst[i] = LeakyReluOp.Apply((x[row * s + i] - mu) * k + b, 0f);
                }
                else
                {
                    for (int v = 0; v < vy.Length; v++) vy[v] = Vector.FusedMultiplyAdd(vx[v] - vmu, vk, vb);
                    for (int i = vy.Length * Vector<float>.Count; i < s; i++) dst[i] = (x[row * s + i] - mu) * k + b;
                }
            }
        });
    }

    public static void Backward(float[] x, float[] mean, float[] invStd, float[] gamma, float[] dy,
                                float[] dx, float[] dgamma, float[] dbeta, Ncs shape, bool batchStatistics,
                                float[]? reluOutput = null)
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
                    var (rowDy, rowDyXc) = reluOutput is null
                        ? SumAndDotCentered<Unmasked>(dy.AsSpan(at, s), x.AsSpan(at, s), default, mu)
                        : SumAndDotCentered<PositiveOutput>(dy.AsSpan(at, s), x.AsSpan(at, s), reluOutput.AsSpan(at, s), mu);
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
                    if (reluOutput is null)
                    {
                        for (int v = 0; v < vdx.Length; v++)
                            vdx[v] = Vector.FusedMultiplyAdd(vk, vdy[v], Vector.FusedMultiplyAdd(va, vx[v] - vmu, vb));
                        for (int i = vdx.Length * Vector<float>.Count; i < s; i++)
                            dx[at + i] = k * dy[at + i] + a * (x[at + i] - mu) + b;
                    }
                    else
                    {
                        var vout = MemoryMarshal.Cast<float, Vector<float>>(reluOutput.AsSpan(at, s));
                        for (int v = 0; v < vdx.Length; v++)
                            vdx[v] = Vector.FusedMultiplyAdd(vk, PositiveOutput.Mask(vdy[v], vout[v]), Vector.FusedMultiplyAdd(va, vx[v] - vmu, vb));
                        for (int i = vdx.Length * Vector<float>.Count; i < s; i++)
                            dx[at + i] = k * PositiveOutput.Mask(dy[at + i], reluOutput[at + i]) + a * (x[at + i] - mu) + b;
                    }
                }
            }
        });
    }

    /// <summary>(Σ dy, Σ dy·(x − μ)) in one pass over dy, blocked: float lanes per block, double across blocks.</summary>
    private static (double SumDy, double SumDyXc) SumAndDotCentered<TMask>(ReadOnlySpan<float> dy, ReadOnlySpan<float> x,
                                                                          ReadOnlySpan<float> output, float mu)
        where TMask : struct, IGradientMask
    {
        double sum = 0, dot = 0;
        const int block = 256;
        var vmu = new Vector<float>(mu);
        for (int start = 0; start < dy.Length; start += block)
        {
            int len = Math.Min(block, dy.Length - start);
            var vdy = MemoryMarshal.Cast<float, Vector<float>>(dy.Slice(start, len));
            var vx = MemoryMarshal.Cast<float, Vector<float>>(x.Slice(start, len));
            var vout = TMask.Masks ? MemoryMarshal.Cast<float, Vector<float>>(output.Slice(start, len)) : default;
            Vector<float> accSum = Vector<float>.Zero, accDot = Vector<float>.Zero;
            for (int v = 0; v < vdy.Length; v++)
            {
                var g = TMask.Masks ? PositiveOutput.Mask(vdy[v], vout[v]) : vdy[v];
                accSum += g;
                accDot = Vector.FusedMultiplyAdd(g, vx[v] - vmu, accDot);
            }
            float restSum = 0, restDot = 0;
            for (int i = start + vdy.Length * Vector<float>.Count; i < start + len; i++)
            {
                float g = TMask.Masks ? PositiveOutput.Mask(dy[i], output[i]) : dy[i];
                restSum += g;
                restDot += g * (x[i] - mu);
            }
            sum += (double)Vector.Sum(accSum) + restSum;
            dot += (double)Vector.Sum(accDot) + restDot;
        }
        return (sum, dot);
    }

    private interface IGradientMask
    {
        static abstract bool Masks { get; }
    }

    private struct Unmasked : IGradientMask
    {
        public static bool Masks => false;
    }

    /// <summary>The gradient of a fused ReLU: dy where its output is positive, else 0.</summary>
    private struct PositiveOutput : IGradientMask
    {
        public static bool Masks => true;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<float> Mask(Vector<float> dy, Vector<float> output) =>
            Vector.ConditionalSelect(Vector.GreaterThan(output, Vector<float>.Zero), dy, Vector<float>.Zero);

        public static float Mask(float dy, float output) => output > 0f ? dy : 0f;
    }
}
