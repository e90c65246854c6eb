namespace Flows.Kernels;

/// <summary>
/// What a backend implements: one <c>…Core</c> method per contract method, called only after every argument has
/// passed <see cref="ContractChecks"/> and only when there is work to do, so a backend computes and checks nothing.
/// </summary>
public abstract partial class CheckedComputeBackend
{
    protected abstract DeviceBuffer AllocateCore(int length);
    protected abstract void UploadCore(ReadOnlySpan<float> source, DeviceBuffer destination);
    protected abstract void DownloadCore(DeviceBuffer source, Span<float> destination);
    protected abstract void FillCore(DeviceBuffer destination, float value);
    protected abstract void CopyCore(DeviceBuffer source, DeviceBuffer destination, int count);
    protected abstract void SynchronizeCore();
    protected abstract void UnaryCore(UnaryOp op, DeviceBuffer x, DeviceBuffer y, int count, float alpha);
    protected abstract void UnaryBackwardCore(UnaryOp op, DeviceBuffer x, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx, int count, float alpha);
    protected abstract void HighwayGateCore(DeviceBuffer a, DeviceBuffer t, DeviceBuffer h, DeviceBuffer y, int count);
    protected abstract void HighwayGateBackwardCore(DeviceBuffer a, DeviceBuffer t, DeviceBuffer h, DeviceBuffer dy,
                                                    DeviceBuffer da, DeviceBuffer dt, DeviceBuffer dh, int count);
    protected abstract void BinaryCore(BinaryOp op, DeviceBuffer a, Ncs aShape, DeviceBuffer b, Ncs bShape, DeviceBuffer c, Ncs cShape);
    protected abstract void AxpyCore(float alpha, DeviceBuffer x, DeviceBuffer y, int count);
    protected abstract void SumToCore(DeviceBuffer x, Ncs xShape, DeviceBuffer y, Ncs yShape);
    protected abstract void ChannelMomentsCore(DeviceBuffer x, Ncs shape, DeviceBuffer mean, DeviceBuffer variance);
    protected abstract double SumOfSquaresCore(DeviceBuffer x, int count);
    protected abstract void SumOfSquaresIntoCore(DeviceBuffer x, int count, DeviceBuffer sums, int slot);
    protected abstract void ClipCoefficientsCore(DeviceBuffer sums, DeviceBuffer maxNorms, int groups, DeviceBuffer coefficients, DeviceBuffer flag);
    protected abstract void FlagNonFiniteCore(DeviceBuffer x, int count, DeviceBuffer flag);
    protected abstract void CopyChannelsCore(DeviceBuffer source, int sourceChannels, int sourceOffset,
                                             DeviceBuffer destination, int destinationChannels, int destinationOffset,
                                             int count, int batch, int spatial);
    protected abstract void Squeeze2x2Core(DeviceBuffer x, DeviceBuffer y, int batch, int channels, int height, int width);
    protected abstract void Unsqueeze2x2Core(DeviceBuffer y, DeviceBuffer x, int batch, int channels, int height, int width);
    protected abstract void MatMulCore(DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, int m, int k, int n,
                                       bool transposeA, bool transposeB, bool accumulate);
    protected abstract void Conv2dForwardCore(DeviceBuffer x, DeviceBuffer weight, DeviceBuffer? bias, DeviceBuffer y, ConvGeometry g);
    protected abstract void Conv2dBackwardDataCore(DeviceBuffer dy, DeviceBuffer weight, DeviceBuffer dx, ConvGeometry g);
    protected abstract void Conv2dBackwardWeightCore(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw, ConvGeometry g);
    protected abstract void Conv2dBackwardWeightAndBiasCore(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw, DeviceBuffer db, ConvGeometry g);
    protected abstract void MaxPool2dForwardCore(DeviceBuffer x, DeviceBuffer y, PoolGeometry g);
    protected abstract void MaxPool2dBackwardCore(DeviceBuffer x, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx, PoolGeometry g);
    protected abstract void BatchNormApplyCore(DeviceBuffer x, DeviceBuffer mean, DeviceBuffer invStd, DeviceBuffer gamma, DeviceBuffer beta,
                                               DeviceBuffer y, Ncs shape, bool relu);
    protected abstract void BatchNormBackwardCore(DeviceBuffer x, DeviceBuffer mean, DeviceBuffer invStd, DeviceBuffer gamma, DeviceBuffer dy,
                                                  DeviceBuffer dx, DeviceBuffer dgamma, DeviceBuffer dbeta, Ncs shape, bool batchStatistics,
                                                  DeviceBuffer? reluOutput);
    protected abstract void CouplingForwardCore(DeviceBuffer x, DeviceBuffer raw, DeviceBuffer t, DeviceBuffer scale, DeviceBuffer? mask,
                                                DeviceBuffer y, DeviceBuffer logdet, Ncs shape);
    protected abstract void CouplingInverseCore(DeviceBuffer y, DeviceBuffer raw, DeviceBuffer t, DeviceBuffer scale, DeviceBuffer? mask,
                                                DeviceBuffer x, DeviceBuffer logdet, Ncs shape);
    protected abstract void CouplingBackwardCore(DeviceBuffer x, DeviceBuffer raw, DeviceBuffer t, DeviceBuffer scale, DeviceBuffer? mask,
                                                 DeviceBuffer dy, DeviceBuffer dlogdet,
                                                 DeviceBuffer dx, DeviceBuffer draw, DeviceBuffer dt, DeviceBuffer dscale, Ncs shape);
    protected abstract void ActNormForwardCore(DeviceBuffer x, DeviceBuffer bias, DeviceBuffer logScale, DeviceBuffer y, Ncs shape);
    protected abstract void ActNormInverseCore(DeviceBuffer y, DeviceBuffer bias, DeviceBuffer logScale, DeviceBuffer x, Ncs shape);
    protected abstract void ActNormBackwardCore(DeviceBuffer x, DeviceBuffer bias, DeviceBuffer logScale, DeviceBuffer dy,
                                                DeviceBuffer dx, DeviceBuffer dbias, DeviceBuffer dlogScale, Ncs shape);
    protected abstract void Conv1x1Core(DeviceBuffer x, DeviceBuffer weight, DeviceBuffer y, Ncs shape, bool transposeWeight);
    protected abstract void AdamStepCore(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer m, DeviceBuffer v, int count, AdamSettings settings);
    protected abstract void RmsPropStepCore(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer squareAverage, int count, RmsPropSettings settings);
    protected abstract void AdamStepGuardedCore(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer m, DeviceBuffer v, int count,
                                                AdamSettings settings, float decay, StepGuard guard);
    protected abstract void RmsPropStepGuardedCore(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer squareAverage, int count,
                                                   RmsPropSettings settings, StepGuard guard);
    protected abstract void FillUniformCore(DeviceBuffer destination, int count, ulong seed, ulong offset);
    protected abstract void FillUniformCountedCore(DeviceBuffer destination, int count, ulong seed, DeviceBuffer counter);
    protected abstract void FillNormalCore(DeviceBuffer destination, int count, ulong seed, ulong offset);

    /// <summary>Releases the backend's memory and device; called once.</summary>
    protected abstract void DisposeCore();
}
