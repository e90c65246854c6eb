using ILGPU;
using ILGPU.Runtime;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// Glow's ActNorm, per channel c:
///   Forward   y = (x + bias_c)·exp(logScale_c)                        one launch, element-wise
///   Inverse   x = y·exp(−logScale_c) − bias_c                         one launch, element-wise
///   Backward  dx = dy·e^ls, dbias_c = Σ dy·e^ls, dlogScale_c = Σ dy·(x + bias_c)·e^ls
///             one launch: a group (or split) per channel writes dx for the elements it reduces.
/// </summary>
internal sealed class ActNormKernels
{
    private readonly GroupReduction _reduction;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int> _map;

    public ActNormKernels(Accelerator accelerator, GroupReduction reduction)
    {
        _reduction = reduction;
        reduction.Load<BackwardOp>();
        _map = LaunchCounter.For(accelerator).Counted(accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(MapKernel));
    }

    public void Map(ArrayView<float> input, ArrayView<float> bias, ArrayView<float> logScale, ArrayView<float> output, Ncs shape, bool inverse)
    {
        if (shape.Length > 0) _map(shape.Length, input, bias, logScale, output, shape.C, shape.S, inverse ? 1 : 0);
    }

    public void Backward(BackwardOp op, Ncs shape) => _reduction.Run(op, shape.C, shape.N * shape.S);

    private static void MapKernel(Index1D index, ArrayView<float> input, ArrayView<float> bias, ArrayView<float> logScale,
                                  ArrayView<float> output, int channels, int spatial, int inverse)
    {
        int i = index;
        int c = i / spatial % channels;
        output[i] = inverse == 0
            ? (input[i] + bias[c]) * DeviceMath.Exp(logScale[c])
            : input[i] * DeviceMath.Exp(-logScale[c]) - bias[c];
    }

    internal struct BackwardOp : IGroupReduction
    {
        public ArrayView<float> X, Bias, LogScale, Dy, Dx, DBias, DLogScale;
        public int C, S;

        public Pair Accumulate(int c, int r)
        {
            int i = (r / S * C + c) * S + r % S;
            float ge = Dy[i] * DeviceMath.Exp(LogScale[c]);
            Dx[i] = ge;
            return new Pair(ge, ge * (X[i] + Bias[c]));
        }

        public void Finish(int c, float sum1, float sum2)
        {
            DBias[c] = sum1;
            DLogScale[c] = sum2;
        }
    }
}
