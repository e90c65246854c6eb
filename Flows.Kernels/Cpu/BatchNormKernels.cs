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
        CpuParallel.For(shape.N * shape.C, s, (x, mean, invStd, gamma, beta, y, shape, relu, s), static (in state, start, end) =>
        {
            var (x, mean, invStd, gamma, beta, y, shape, relu, s) = state;
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
        // Without a fused ReLU the mask is the identity and never reads its array; dy stands in for it.
        if (reluOutput is null)
            Backward<Unmasked>(x, mean, invStd, gamma, dy, dy, dx, dgamma, dbeta, shape, batchStatistics);
        else
            Backward<PositiveOutput>(x, mean, invStd, gamma, dy, reluOutput, dx, dgamma, dbeta, shape, batchStatistics);
    }

    /// <summary>
    /// Version 2 (v1: <see cref="BatchNormBackwardV1"/>): both passes walk the rows (n, c) in memory order, split over
    /// rows, instead of one channel's N strided rows at a time; the per-row sums wait in a per-thread array and are
    /// added per channel in row order, so results are the same floats as v1's. Same traffic, but every pass is one
    /// sequential stream per array: at 32×64×28×28 (the paper RealNVP's first scale) 3.3 → 1.7 ms per call, level at
    /// the small RealNVP's shapes (docs/PERFORMANCE.md, "Fewer passes and allocations on the CPU").
    /// </summary>
    private static void Backward<TMask>(float[] x, float[] mean, float[] invStd, float[] gamma, float[] dy, float[] output,
                                        float[] dx, float[] dgamma, float[] dbeta, Ncs shape, bool batchStatistics)
        where TMask : struct, IGradientMask
    {
        int s = shape.S, rows = shape.N * shape.C;
        var rowSums = ThreadScratch.GetZeroedDoubles(DoubleSlot.BatchNormRowSums, 2 * rows);
        CpuParallel.For(rows, 3L * s, (x, mean, dy, output, rowSums, shape.C, s), static (in state, start, end) =>
        {
            var (x, mean, dy, output, rowSums, channels, s) = state;
            for (int row = start; row < end; row++)
            {
                int at = row * s;
                (rowSums[2 * row], rowSums[2 * row + 1]) = SumAndDotCentered<TMask>(dy.AsSpan(at, s), x.AsSpan(at, s), output.AsSpan(at, s),
                                                                                    mean[row % channels]);
            }
        });
        // Per channel: dx = k·dy + a·(x − μ) + b, with a = −k·istd·mean(dy·x̂), b = −k·mean(dy) (zero in eval mode).
        var coefficients = ThreadScratch.Get(ScratchSlot.BatchNormCoefficients, 3 * shape.C);
        double count = (double)shape.N * s;
        for (int c = 0; c < shape.C; c++)
        {
            double sumDy = 0, sumDyXc = 0;
            for (int n = 0; n < shape.N; n++)
            {
                sumDy += rowSums[2 * (n * shape.C + c)];
                sumDyXc += rowSums[2 * (n * shape.C + c) + 1];
            }
            float istd = invStd[c];
            double sumDyXhat = sumDyXc * istd;
            dbeta[c] = (float)sumDy;
            dgamma[c] = (float)sumDyXhat;
            float k = gamma[c] * istd;
            coefficients[3 * c] = k;
            coefficients[3 * c + 1] = batchStatistics ? (float)(-k * istd * sumDyXhat / count) : 0f;
            coefficients[3 * c + 2] = batchStatistics ? (float)(-k * sumDy / count) : 0f;
        }
        CpuParallel.For(rows, 4L * s, (x, mean, dy, output, dx, coefficients, shape.C, s), static (in state, start, end) =>
        {
            var (x, mean, dy, output, dx, coefficients, channels, s) = state;
            for (int row = start; row < end; row++)
            {
                int c = row % channels, at = row * s;
                float k = coefficients[3 * c], a = coefficients[3 * c + 1], b = coefficients[3 * c + 2], mu = mean[c];
                Vector<float> vk = new(k), va = new(a), vb = new(b), vmu = new(mu);
                var vdy = MemoryMarshal.Cast<float, Vector<float>>(dy.AsSpan(at, s));
                var vout = MemoryMarshal.Cast<float, Vector<float>>(output.AsSpan(at, s));
                var vx = MemoryMarshal.Cast<float, Vector<float>>(x.AsSpan(at, s));
                var vdx = MemoryMarshal.Cast<float, Vector<float>>(dx.AsSpan(at, s));
                for (int v = 0; v < vdx.Length; v++)
                    vdx[v] = Vector.FusedMultiplyAdd(vk, TMask.Apply(vdy[v], vout[v]), Vector.FusedMultiplyAdd(va, vx[v] - vmu, vb));
                for (int i = vdx.Length * Vector<float>.Count; i < s; i++)
                    dx[at + i] = k * TMask.Apply(dy[at + i], output[at + i]) + a * (x[at + i] - mu) + b;
            }
        });
    }

    /// <summary>(Σ dy, Σ dy·(x − μ)) in one pass over dy, blocked: float lanes per block, double across blocks.</summary>
    internal static (double SumDy, double SumDyXc) SumAndDotCentered<TMask>(ReadOnlySpan<float> dy, ReadOnlySpan<float> x,
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
            var vout = MemoryMarshal.Cast<float, Vector<float>>(output.Slice(start, len));
            var vx = MemoryMarshal.Cast<float, Vector<float>>(x.Slice(start, len));
            Vector<float> accSum = Vector<float>.Zero, accDot = Vector<float>.Zero;
            for (int v = 0; v < vdy.Length; v++)
            {
                var g = TMask.Apply(vdy[v], vout[v]);
                accSum += g;
                accDot = Vector.FusedMultiplyAdd(g, vx[v] - vmu, accDot);
            }
            float restSum = 0, restDot = 0;
            for (int i = start + vdy.Length * Vector<float>.Count; i < start + len; i++)
            {
                float g = TMask.Apply(dy[i], output[i]);
                restSum += g;
                restDot += g * (x[i] - mu);
            }
            sum += (double)Vector.Sum(accSum) + restSum;
            dot += (double)Vector.Sum(accDot) + restDot;
        }
        return (sum, dot);
    }

    /// <summary>The gradient that reaches the normalization: dy, or dy masked by a fused ReLU's output.</summary>
    internal interface IGradientMask
    {
        static abstract Vector<float> Apply(Vector<float> dy, Vector<float> output);
        static abstract float Apply(float dy, float output);
    }

    internal struct Unmasked : IGradientMask
    {
        public static Vector<float> Apply(Vector<float> dy, Vector<float> output) => dy;
        public static float Apply(float dy, float output) => dy;
    }

    /// <summary>The gradient of a fused ReLU: dy where its output is positive, else 0.</summary>
    internal struct PositiveOutput : IGradientMask
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<float> Apply(Vector<float> dy, Vector<float> output) =>
            Vector.ConditionalSelect(Vector.GreaterThan(output, Vector<float>.Zero), dy, Vector<float>.Zero);

        public static float Apply(float dy, float output) => output > 0f ? dy : 0f;
    }

    /// <summary>
    /// The training statistics and the running update in one call (the contract's BatchNormStatistics): the moments,
    /// then the same float operations the separate ops did (scale, axpy, +ε, √, 1/x), so results are unchanged.
    /// invStd holds the variance until the running variance has read it.
    /// </summary>
    public static void Statistics(float[] x, Ncs shape, float[] mean, float[] invStd, float[] runningMean, float[] runningVar,
                                  float momentum, float epsilon)
    {
        int c = shape.C, perChannel = shape.N * shape.S;
        ReductionKernels.ChannelMoments(x, shape, mean, invStd);
        for (int k = 0; k < c; k++)
        {
            runningMean[k] *= 1f - momentum;
            runningVar[k] *= 1f - momentum;
        }
        ElementwiseHelpers.Axpy(momentum, mean.AsSpan(0, c), runningMean.AsSpan(0, c));
        ElementwiseHelpers.Axpy(momentum * perChannel / (perChannel - 1f), invStd.AsSpan(0, c), runningVar.AsSpan(0, c));
        for (int k = 0; k < c; k++) invStd[k] = 1f / MathF.Sqrt(invStd[k] + epsilon);
    }
}
