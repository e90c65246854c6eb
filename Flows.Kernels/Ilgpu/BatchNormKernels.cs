using ILGPU;
using ILGPU.Runtime;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// BatchNorm with given statistics (Statistics computes them in training, with invStd and the running update, in one
/// reduction launch; v1 was ChannelMoments then six element-wise launches on C values):
///   Apply     y = (x − mean_c)·invStd_c·gamma_c + beta_c, then ReLU if asked     one launch, element-wise
///   Backward  dbeta_c = Σ dy, dgamma_c = Σ dy·x̂ (x̂ = (x − mean_c)·invStd_c)     launch 1, per channel
///             dx = gamma·invStd/M · (M·dy − dbeta − x̂·dgamma), M = N·S          launch 2, element-wise
///             (with batch statistics; otherwise dx = dy·gamma·invStd); after a fused ReLU, dy counts only
///             where its output is positive
/// </summary>
internal sealed class BatchNormKernels
{
    private readonly GroupReduction _reduction;
    private readonly Action<Index1D, NormArgs> _apply;
    private readonly Action<Index1D, GradientSumsOp> _backwardData;

    public BatchNormKernels(Accelerator accelerator, GroupReduction reduction)
    {
        _reduction = reduction;
        reduction.Load<GradientSumsOp>();
        reduction.Load<StatisticsOp>();
        _apply = LaunchCounter.For(accelerator).Counted(accelerator.LoadAutoGroupedKernel<Index1D, NormArgs>(ApplyKernel));
        _backwardData = LaunchCounter.For(accelerator).Counted(accelerator.LoadAutoGroupedKernel<Index1D, GradientSumsOp>(BackwardDataKernel));
    }

    internal struct NormArgs
    {
        public ArrayView<float> X, Mean, InvStd, Gamma, Beta, Y;
        public int C, S, Relu;
    }

    public void Apply(NormArgs args, int length)
    {
        if (length > 0) _apply(length, args);
    }

    /// <summary>BatchNormStatistics: ChannelMoments' shifted sums, finished per channel with invStd and the running update.</summary>
    public void Statistics(StatisticsOp op, Ncs shape) => _reduction.Run(op, shape.C, shape.N * shape.S);

    public void Backward(GradientSumsOp args, Ncs shape, bool batchStatistics)
    {
        args.Count = batchStatistics ? shape.N * shape.S : 0;
        _reduction.Run(args, shape.C, shape.N * shape.S);
        if (shape.Length > 0) _backwardData(shape.Length, args);
    }

    private static void ApplyKernel(Index1D index, NormArgs p)
    {
        int i = index;
        int c = i / p.S % p.C;
        float y = (p.X[i] - p.Mean[c]) * p.InvStd[c] * p.Gamma[c] + p.Beta[c];
        p.Y[i] = p.Relu != 0 && !(y > 0f) ? y * 0f : y; // as Relu: NaN stays NaN
    }

    /// <summary>Count = M with batch statistics, 0 without (then the statistics are constants).</summary>
    private static void BackwardDataKernel(Index1D index, GradientSumsOp p)
    {
        int i = index;
        int c = i / p.S % p.C;
        float scale = p.Gamma[c] * p.InvStd[c], dy = p.Gradient(i);
        if (p.Count == 0)
        {
            p.Dx[i] = dy * scale;
            return;
        }
        float xhat = (p.X[i] - p.Mean[c]) * p.InvStd[c];
        p.Dx[i] = scale / p.Count * (p.Count * dy - p.DBeta[c] - xhat * p.DGamma[c]);
    }

    internal struct GradientSumsOp : IGroupReduction
    {
        public ArrayView<float> X, Mean, InvStd, Gamma, Dy, Dx, DGamma, DBeta, ReluOutput;
        public int C, S, Count, Relu;

        /// <summary>dy, or 0 where a fused ReLU's output is not positive.</summary>
        public readonly float Gradient(int i) => Relu != 0 && !(ReluOutput[i] > 0f) ? 0f : Dy[i];

        public Pair Accumulate(int c, int r)
        {
            int i = (r / S * C + c) * S + r % S;
            float g = Gradient(i);
            return new Pair(g, g * (X[i] - Mean[c]) * InvStd[c]);
        }

        public void Finish(int c, float sum1, float sum2)
        {
            DBeta[c] = sum1;
            DGamma[c] = sum2;
        }
    }

    internal struct StatisticsOp : IGroupReduction
    {
        public ArrayView<float> X, Mean, InvStd, RunningMean, RunningVar;
        public int C, S, Count;
        public float Momentum, Epsilon;

        public Pair Accumulate(int c, int r)
        {
            float v = X[(r / S * C + c) * S + r % S] - X[c * S];
            return new Pair(v, v * v);
        }

        public void Finish(int c, float sum1, float sum2)
        {
            float m1 = sum1 / Count;
            float variance = sum2 / Count - m1 * m1;
            if (variance < 0f) variance = 0f; // rounding; a NaN stays NaN
            float mean = X[c * S] + m1;
            Mean[c] = mean;
            InvStd[c] = 1f / DeviceMath.Sqrt(variance + Epsilon);
            RunningMean[c] = RunningMean[c] * (1f - Momentum) + Momentum * mean;
            RunningVar[c] = RunningVar[c] * (1f - Momentum) + Momentum * Count / (Count - 1f) * variance;
        }
    }
}
