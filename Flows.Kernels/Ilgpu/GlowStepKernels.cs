using ILGPU;
using ILGPU.Runtime;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// Glow's fused step ops (docs/PERFORMANCE.md, "Launches and host synchronisations per step"):
///   BroadcastScaledSum  y[i] = addend[i] + factor·Σ_j x[j]        one launch; every thread sums the few x in order,
///                       so all outputs are equal. It replaced Sum → Scale → Zeros → broadcast Add (4 launches).
///   AddChannels         destination[n, off + c, s] += source[n, c, s]   one launch: a narrow's gradient added into the
///                       gradient its input already has, where zero-fill, copy and axpy took three.
///   ChannelCoupling     the affine coupling of channels [off, off + C/2) on the whole tensor, raw = st[:, :C/2],
///                       t = st[:, C/2:], the other half copied: one launch each way (a group per sample reduces
///                       the log-det; backward, a group per channel reduces dscale), where split + coupling +
///                       concatenate took 7 forward and about 13 backward. An optional addend (the log-det of the
///                       layers before) is added as the sample finishes, so a Glow step needs no log-det adds.
/// </summary>
internal sealed class GlowStepKernels
{
    private readonly GroupReduction _reduction;
    private readonly Action<Index1D, ArrayView<float>, int, float, ArrayView<float>, int, ArrayView<float>> _broadcastScaledSum;
    private readonly Action<Index1D, ArrayView<float>, int, int, ArrayView<float>, int, int> _addChannels;

    public GlowStepKernels(Accelerator accelerator, GroupReduction reduction)
    {
        _reduction = reduction;
        reduction.Load<CouplingForwardOp>();
        reduction.Load<CouplingBackwardOp>();
        _broadcastScaledSum = LaunchCounter.For(accelerator).Counted(
            accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, int, float, ArrayView<float>, int, ArrayView<float>>(BroadcastScaledSumKernel));
        _addChannels = LaunchCounter.For(accelerator).Counted(
            accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, int, int, ArrayView<float>, int, int>(AddChannelsKernel));
    }

    public void AddChannels(ArrayView<float> source, int count, ArrayView<float> destination, int destinationChannels, int destinationOffset,
                            int batch, int spatial) =>
        _addChannels(batch * count * spatial, source, count, spatial, destination, destinationChannels, destinationOffset);

    /// <summary>One thread per source element: destination[n, off + c, s] += source[n, c, s].</summary>
    private static void AddChannelsKernel(Index1D index, ArrayView<float> source, int count, int spatial, ArrayView<float> destination,
                                          int destinationChannels, int destinationOffset)
    {
        int i = index;
        int rows = count * spatial;
        int n = i / rows, r = i - n * rows;
        destination[(n * destinationChannels + destinationOffset) * spatial + r] += source[i];
    }

    public void BroadcastScaledSum(ArrayView<float> x, int count, float factor, ArrayView<float> addend, bool hasAddend, ArrayView<float> y, int length) =>
        _broadcastScaledSum(length, x, count, factor, addend, hasAddend ? 1 : 0, y);

    public void CouplingForward(CouplingForwardOp op, Ncs shape) => _reduction.Run(op, shape.N, shape.C / 2 * shape.S);

    public void CouplingBackward(CouplingBackwardOp op, Ncs shape) => _reduction.Run(op, shape.C / 2, shape.N * shape.S);

    private static void BroadcastScaledSumKernel(Index1D index, ArrayView<float> x, int count, float factor, ArrayView<float> addend, int hasAddend,
                                                 ArrayView<float> y)
    {
        float sum = 0f;
        for (int j = 0; j < count; j++) sum += x[j];
        float value = factor * sum;
        y[index] = hasAddend != 0 ? addend[index] + value : value;
    }

    /// <summary>Output o is the sample; element r = (c, s) of the transformed half, which also copies its identity twin.</summary>
    internal struct CouplingForwardOp : IGroupReduction
    {
        public ArrayView<float> In, St, Scale, Addend, Out, LogDet;
        public int Inverse, HasAddend, Half, S, ChangeOffset;

        public Pair Accumulate(int n, int r)
        {
            int c = r / S, sp = r - c * S;
            int sample = n * 2 * Half * S;
            int i = sample + (ChangeOffset + c) * S + sp;
            int copied = sample + (Half - ChangeOffset + c) * S + sp;
            Out[copied] = In[copied];
            float s = Scale[c] * DeviceMath.Tanh(St[sample + c * S + sp]);
            float t = St[sample + (Half + c) * S + sp];
            Out[i] = Inverse == 0 ? (In[i] + t) * DeviceMath.Exp(s) : In[i] * DeviceMath.Exp(-s) - t;
            return new Pair(s, 0f);
        }

        public void Finish(int n, float sum1, float sum2)
        {
            float own = Inverse == 0 ? sum1 : -sum1;
            LogDet[n] = HasAddend != 0 ? Addend[n] + own : own;
        }
    }

    /// <summary>Output o is the transformed channel c; element r = (n, s).</summary>
    internal struct CouplingBackwardOp : IGroupReduction
    {
        public ArrayView<float> X, St, Scale, Dy, DLogDet, Dx, DSt, DScale;
        public int Half, S, ChangeOffset;

        public Pair Accumulate(int c, int r)
        {
            int n = r / S, sp = r - n * S;
            int sample = n * 2 * Half * S;
            int i = sample + (ChangeOffset + c) * S + sp;
            int copied = sample + (Half - ChangeOffset + c) * S + sp;
            int rawAt = sample + c * S + sp, tAt = sample + (Half + c) * S + sp;
            Dx[copied] = Dy[copied];
            float scale = Scale[c];
            float th = DeviceMath.Tanh(St[rawAt]);
            float ge = Dy[i] * DeviceMath.Exp(scale * th);
            Dx[i] = ge;
            DSt[tAt] = ge;
            float ds = ge * (X[i] + St[tAt]) + DLogDet[n];
            DSt[rawAt] = ds * scale * (1f - th * th);
            return new Pair(ds * th, 0f);
        }

        public void Finish(int c, float sum1, float sum2) => DScale[c] = sum1;
    }
}
