using ILGPU;
using ILGPU.Runtime;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// Reductions, all on <see cref="GroupReduction"/>:
///   SumTo           y[o] = Σ x over the axes where yShape is 1 (total, per sample, per channel ...)
///   ChannelMoments  mean_c, biased var_c over (N, S), from sums shifted by x[0, c, 0] so that a large
///                   common offset does not cancel catastrophically in E[x²] − E[x]²
///   SumOfSquares    Σ x² as up to 1024 group partials, summed in double on the host
/// v1 (kept in GroupReduction): one group per output.
/// </summary>
internal sealed class ReductionKernels
{
    private const int SumOfSquaresGroups = 1024;
    private readonly GroupReduction _reduction;

    public ReductionKernels(GroupReduction reduction)
    {
        _reduction = reduction;
        reduction.Load<SumToOp>();
        reduction.Load<MomentsOp>();
        reduction.Load<SquaresOp>();
    }

    public void SumTo(ArrayView<float> x, Ncs xShape, ArrayView<float> y, Ncs yShape)
    {
        var op = new SumToOp
        {
            X = x, Y = y, XC = xShape.C, XS = xShape.S, YC = yShape.C, YS = yShape.S,
            RC = yShape.C == 1 ? xShape.C : 1, RS = yShape.S == 1 ? xShape.S : 1,
        };
        int rn = yShape.N == 1 ? xShape.N : 1;
        _reduction.Run(op, yShape.Length, rn * op.RC * op.RS);
    }

    public void ChannelMoments(ArrayView<float> x, Ncs shape, ArrayView<float> mean, ArrayView<float> variance) =>
        _reduction.Run(new MomentsOp { X = x, Mean = mean, Variance = variance, C = shape.C, S = shape.S, Count = shape.N * shape.S },
                       shape.C, shape.N * shape.S);

    public double SumOfSquares(IlgpuBufferPool pool, Accelerator accelerator, ArrayView<float> x, int count)
    {
        if (count == 0) return 0.0;
        int groupSize = GroupReduction.GroupSizeFor(count);
        int splits = Math.Clamp((count + groupSize * 4 - 1) / (groupSize * 4), 1, SumOfSquaresGroups);
        using var partials = pool.Rent(2 * splits);
        _reduction.RunPartialsOnly(new SquaresOp { X = x }, count, splits, partials.View);
        var host = new float[2 * splits];
        var counter = LaunchCounter.For(accelerator);
        partials.View.CopyToCPU(counter.Stream!, host);
        counter.Stream!.Synchronize();
        counter.CountSync();
        double total = 0.0;
        for (int p = 0; p < splits; p++) total += host[2 * p];
        return total;
    }

    /// <summary>Output o = (yn, yc, ys); element r = (rn, rc, rs) over the reduced axes; one of each pair is 0.</summary>
    internal struct SumToOp : IGroupReduction
    {
        public ArrayView<float> X, Y;
        public int XC, XS, YC, YS, RC, RS;

        public Pair Accumulate(int output, int r)
        {
            int ys = output % YS, yc = output / YS % YC, yn = output / (YS * YC);
            int rs = r % RS, rc = r / RS % RC, rn = r / (RS * RC);
            return new Pair(X[((yn + rn) * XC + yc + rc) * XS + ys + rs], 0f);
        }

        public void Finish(int output, float sum1, float sum2) => Y[output] = sum1;
    }

    internal struct MomentsOp : IGroupReduction
    {
        public ArrayView<float> X, Mean, Variance;
        public int C, S, Count;

        public Pair Accumulate(int c, int r)
        {
            float v = X[(r / S * C + c) * S + r % S] - X[c * S];
            return new Pair(v, v * v);
        }

        public void Finish(int c, float sum1, float sum2)
        {
            float m1 = sum1 / Count;
            float variance = sum2 / Count - m1 * m1;
            Mean[c] = X[c * S] + m1;
            Variance[c] = variance > 0f ? variance : 0f;
        }
    }

    internal struct SquaresOp : IGroupReduction
    {
        public ArrayView<float> X;

        public Pair Accumulate(int output, int r)
        {
            float v = X[r];
            return new Pair(v * v, 0f);
        }

        public void Finish(int output, float sum1, float sum2) { }
    }
}
