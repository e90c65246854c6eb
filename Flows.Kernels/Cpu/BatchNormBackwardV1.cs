using System.Numerics;
using System.Runtime.InteropServices;

namespace Flows.Kernels.Cpu;

/// <summary>
/// Version 1 of BatchNorm backward (<see cref="BatchNormKernels"/> runs version 2), kept for comparison and checked
/// against it bit for bit in the tests: split over channels, each channel's N strided rows summed, then written.
/// 0.14–0.18 ms at 32×32×28×28 and 3.3 ms at 32×64×28×28 per call (2 cores, loaded; docs/PERFORMANCE.md).
/// </summary>
internal static class BatchNormBackwardV1
{
    /// <summary>The arguments of <see cref="BatchNormKernels.Backward(float[], float[], float[], float[], float[], float[], float[], float[], Ncs, bool, float[])"/>.</summary>
    public static void Backward(float[] x, float[] mean, float[] invStd, float[] gamma, float[] dy,
                                float[] dx, float[] dgamma, float[] dbeta, Ncs shape, bool batchStatistics, float[]? reluOutput = null)
    {
        if (reluOutput is null)
            Backward<BatchNormKernels.Unmasked>(x, mean, invStd, gamma, dy, dy, dx, dgamma, dbeta, shape, batchStatistics);
        else
            Backward<BatchNormKernels.PositiveOutput>(x, mean, invStd, gamma, dy, reluOutput, dx, dgamma, dbeta, shape, batchStatistics);
    }

    private static void Backward<TMask>(float[] x, float[] mean, float[] invStd, float[] gamma, float[] dy, float[] output,
                                        float[] dx, float[] dgamma, float[] dbeta, Ncs shape, bool batchStatistics)
        where TMask : struct, BatchNormKernels.IGradientMask
    {
        int s = shape.S;
        double count = (double)shape.N * s;
        CpuParallel.For(shape.C, 3L * shape.N * s, (x, mean, invStd, gamma, dy, output, dx, dgamma, dbeta, shape, batchStatistics, s, count),
            static (in state, start, end) =>
        {
            var (x, mean, invStd, gamma, dy, output, dx, dgamma, dbeta, shape, batchStatistics, s, count) = state;
            for (int c = start; c < end; c++)
            {
                float mu = mean[c], istd = invStd[c];
                double sumDy = 0, sumDyXc = 0;
                for (int n = 0; n < shape.N; n++)
                {
                    int at = (n * shape.C + c) * s;
                    var (rowDy, rowDyXc) = BatchNormKernels.SumAndDotCentered<TMask>(dy.AsSpan(at, s), x.AsSpan(at, s), output.AsSpan(at, s), mu);
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
                    var vout = MemoryMarshal.Cast<float, Vector<float>>(output.AsSpan(at, s));
                    var vx = MemoryMarshal.Cast<float, Vector<float>>(x.AsSpan(at, s));
                    var vdx = MemoryMarshal.Cast<float, Vector<float>>(dx.AsSpan(at, s));
                    for (int v = 0; v < vdx.Length; v++)
                        vdx[v] = Vector.FusedMultiplyAdd(vk, TMask.Apply(vdy[v], vout[v]), Vector.FusedMultiplyAdd(va, vx[v] - vmu, vb));
                    for (int i = vdx.Length * Vector<float>.Count; i < s; i++)
                        dx[at + i] = k * TMask.Apply(dy[at + i], output[at + i]) + a * (x[at + i] - mu) + b;
                }
            }
        });
    }
}
