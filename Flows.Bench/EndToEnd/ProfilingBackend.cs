using System.Diagnostics;
using Flows.Kernels;

namespace Flows.Bench.EndToEnd;

/// <summary>
/// Wraps a backend and measures the wall time of every compute call (synchronizing around each, so GPU times
/// are real), for `step --profile 1`: where does a training step spend its time?
/// </summary>
public sealed class ProfilingBackend : IComputeBackend
{
    private readonly IComputeBackend _inner;
    private readonly Dictionary<string, (double Ms, long Calls)> _totals = new();
    private readonly Dictionary<string, (double Ms, long Calls, double Flops)> _convShapes = new();

    public ProfilingBackend(IComputeBackend inner) => _inner = inner;

    public string Name => _inner.Name;
    public string DeviceDescription => _inner.DeviceDescription;

    public IReadOnlyDictionary<string, (double Ms, long Calls)> Totals => _totals;

    /// <summary>Convolution time per kind and geometry, with the arithmetic done, for GFLOP/s per shape.</summary>
    public IReadOnlyDictionary<string, (double Ms, long Calls, double Flops)> ConvShapes => _convShapes;

    private long Begin()
    {
        _inner.Synchronize();
        return Stopwatch.GetTimestamp();
    }

    private double End(string op, long start)
    {
        _inner.Synchronize();
        double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        var (total, calls) = _totals.GetValueOrDefault(op);
        _totals[op] = (total + ms, calls + 1);
        return ms;
    }

    /// <summary>Element-wise calls by kind and size, for `--profile 2`.</summary>
    public IReadOnlyDictionary<string, (double Ms, long Calls)> Elementwise => _elementwise;

    private readonly Dictionary<string, (double Ms, long Calls)> _elementwise = new();

    private void EndSized(string op, string kind, long count, long start)
    {
        double ms = End(op, start);
        string key = $"{op} {kind} n={count}";
        var (total, calls) = _elementwise.GetValueOrDefault(key);
        _elementwise[key] = (total + ms, calls + 1);
    }

    private void EndConv(string op, long start, ConvGeometry g)
    {
        double ms = End(op, start);
        string key = $"{op,-20} b{g.Batch} {g.InChannels}->{g.OutChannels} k{g.KernelSize} p{g.Padding} s{g.Stride} {g.Height}x{g.Width}";
        var (total, calls, flops) = _convShapes.GetValueOrDefault(key);
        _convShapes[key] = (total + ms, calls + 1, flops + g.Flops);
    }

    public void Dispose() => _inner.Dispose();

    public DeviceBuffer Allocate(int length) => _inner.Allocate(length);
    public BufferPoolStatistics PoolStatistics => _inner.PoolStatistics;
    public long PoolRetainLimitBytes { get => _inner.PoolRetainLimitBytes; set => _inner.PoolRetainLimitBytes = value; }
    public void TrimPool() => _inner.TrimPool();
    public void ResetPeakLiveBytes() => _inner.ResetPeakLiveBytes();
    public void Upload(ReadOnlySpan<float> source, DeviceBuffer destination) => _inner.Upload(source, destination);
    public void Download(DeviceBuffer source, Span<float> destination) => _inner.Download(source, destination);
    public void Fill(DeviceBuffer destination, float value) => _inner.Fill(destination, value);
    public void Copy(DeviceBuffer source, DeviceBuffer destination, int count) => _inner.Copy(source, destination, count);
    public void Synchronize() => _inner.Synchronize();
    public void Unary(UnaryOp op, DeviceBuffer x, DeviceBuffer y, int count, float alpha = 0f) { var started = Begin(); _inner.Unary(op, x, y, count, alpha); EndSized("Unary", op.ToString(), count, started); }
    public void UnaryBackward(UnaryOp op, DeviceBuffer x, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx, int count, float alpha = 0f) { var started = Begin(); _inner.UnaryBackward(op, x, y, dy, dx, count, alpha); EndSized("UnaryBackward", op.ToString(), count, started); }
    public void HighwayGate(DeviceBuffer a, DeviceBuffer t, DeviceBuffer h, DeviceBuffer y, int count) { var started = Begin(); _inner.HighwayGate(a, t, h, y, count); End("HighwayGate", started); }
    public void HighwayGateBackward(DeviceBuffer a, DeviceBuffer t, DeviceBuffer h, DeviceBuffer dy, DeviceBuffer da, DeviceBuffer dt, DeviceBuffer dh, int count) { var started = Begin(); _inner.HighwayGateBackward(a, t, h, dy, da, dt, dh, count); End("HighwayGateBackward", started); }
    public void Binary(BinaryOp op, DeviceBuffer a, Ncs aShape, DeviceBuffer b, Ncs bShape, DeviceBuffer c) { var started = Begin(); _inner.Binary(op, a, aShape, b, bShape, c); EndSized("Binary", $"{op} {aShape}/{bShape}", 0, started); }
    public void Axpy(float alpha, DeviceBuffer x, DeviceBuffer y, int count) { var started = Begin(); _inner.Axpy(alpha, x, y, count); EndSized("Axpy", "", count, started); }
    public void SumTo(DeviceBuffer x, Ncs xShape, DeviceBuffer y, Ncs yShape) { var started = Begin(); _inner.SumTo(x, xShape, y, yShape); EndSized("SumTo", $"{xShape}->{yShape}", 0, started); }
    public void WeightNormForward(DeviceBuffer g, DeviceBuffer v, DeviceBuffer w, DeviceBuffer norms, int rows, int rest) { var started = Begin(); _inner.WeightNormForward(g, v, w, norms, rows, rest); End("WeightNormForward", started); }
    public void WeightNormBackward(DeviceBuffer g, DeviceBuffer v, DeviceBuffer norms, DeviceBuffer dw, DeviceBuffer dg, DeviceBuffer dv, int rows, int rest) { var started = Begin(); _inner.WeightNormBackward(g, v, norms, dw, dg, dv, rows, rest); End("WeightNormBackward", started); }
    public void BatchNormStatistics(DeviceBuffer x, Ncs shape, DeviceBuffer mean, DeviceBuffer invStd, DeviceBuffer runningMean, DeviceBuffer runningVar, float momentum, float epsilon) { var started = Begin(); _inner.BatchNormStatistics(x, shape, mean, invStd, runningMean, runningVar, momentum, epsilon); End("BatchNormStatistics", started); }
    public void LogAbsDeterminant(DeviceBuffer weight, int n, DeviceBuffer logAbsDet, DeviceBuffer inverseTranspose, DeviceBuffer lu) { var started = Begin(); _inner.LogAbsDeterminant(weight, n, logAbsDet, inverseTranspose, lu); End("LogAbsDeterminant", started); }
    public void ChannelMoments(DeviceBuffer x, Ncs shape, DeviceBuffer mean, DeviceBuffer variance) { var started = Begin(); _inner.ChannelMoments(x, shape, mean, variance); End("ChannelMoments", started); }
    public double SumOfSquares(DeviceBuffer x, int count) { var started = Begin(); var r = _inner.SumOfSquares(x, count); End("SumOfSquares", started); return r; }
    public void SumOfSquaresInto(DeviceBuffer x, int count, DeviceBuffer sums, int slot) { var started = Begin(); _inner.SumOfSquaresInto(x, count, sums, slot); End("SumOfSquaresInto", started); }
    public void ClipCoefficients(DeviceBuffer sums, DeviceBuffer maxNorms, int groups, DeviceBuffer coefficients, DeviceBuffer flag) { var started = Begin(); _inner.ClipCoefficients(sums, maxNorms, groups, coefficients, flag); End("ClipCoefficients", started); }
    public void FlagNonFinite(DeviceBuffer x, int count, DeviceBuffer flag) { var started = Begin(); _inner.FlagNonFinite(x, count, flag); End("FlagNonFinite", started); }
    public void CopyChannels(DeviceBuffer source, int sourceChannels, int sourceOffset, DeviceBuffer destination, int destinationChannels, int destinationOffset, int count, int batch, int spatial) { var started = Begin(); _inner.CopyChannels(source, sourceChannels, sourceOffset, destination, destinationChannels, destinationOffset, count, batch, spatial); End("CopyChannels", started); }
    public void Squeeze2x2(DeviceBuffer x, DeviceBuffer y, int batch, int channels, int height, int width) { var started = Begin(); _inner.Squeeze2x2(x, y, batch, channels, height, width); End("Squeeze2x2", started); }
    public void Unsqueeze2x2(DeviceBuffer y, DeviceBuffer x, int batch, int channels, int height, int width) { var started = Begin(); _inner.Unsqueeze2x2(y, x, batch, channels, height, width); End("Unsqueeze2x2", started); }
    public void MatMul(DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, int m, int k, int n, bool transposeA = false, bool transposeB = false, bool accumulate = false) { var started = Begin(); _inner.MatMul(a, b, c, m, k, n, transposeA, transposeB, accumulate); End("MatMul", started); }
    public void Conv2dForward(DeviceBuffer x, DeviceBuffer weight, DeviceBuffer? bias, DeviceBuffer y, ConvGeometry g) { var started = Begin(); _inner.Conv2dForward(x, weight, bias, y, g); EndConv("Conv2dForward", started, g); }
    public void Conv2dBackwardData(DeviceBuffer dy, DeviceBuffer weight, DeviceBuffer dx, ConvGeometry g) { var started = Begin(); _inner.Conv2dBackwardData(dy, weight, dx, g); EndConv("Conv2dBackwardData", started, g); }
    public void Conv2dBackwardWeight(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw, ConvGeometry g) { var started = Begin(); _inner.Conv2dBackwardWeight(x, dy, dw, g); EndConv("Conv2dBackwardWeight", started, g); }
    public void MaxPool2dForward(DeviceBuffer x, DeviceBuffer y, PoolGeometry g) { var started = Begin(); _inner.MaxPool2dForward(x, y, g); End("MaxPool2dForward", started); }
    public void MaxPool2dBackward(DeviceBuffer x, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx, PoolGeometry g) { var started = Begin(); _inner.MaxPool2dBackward(x, y, dy, dx, g); End("MaxPool2dBackward", started); }
    public void BatchNormApply(DeviceBuffer x, DeviceBuffer mean, DeviceBuffer invStd, DeviceBuffer gamma, DeviceBuffer beta, DeviceBuffer y, Ncs shape, bool relu = false) { var started = Begin(); _inner.BatchNormApply(x, mean, invStd, gamma, beta, y, shape, relu); End(relu ? "BatchNormReluApply" : "BatchNormApply", started); }
    public void BatchNormBackward(DeviceBuffer x, DeviceBuffer mean, DeviceBuffer invStd, DeviceBuffer gamma, DeviceBuffer dy, DeviceBuffer dx, DeviceBuffer dgamma, DeviceBuffer dbeta, Ncs shape, bool batchStatistics, DeviceBuffer? reluOutput = null) { var started = Begin(); _inner.BatchNormBackward(x, mean, invStd, gamma, dy, dx, dgamma, dbeta, shape, batchStatistics, reluOutput); End(reluOutput is null ? "BatchNormBackward" : "BatchNormReluBackward", started); }
    public void CouplingForward(DeviceBuffer x, DeviceBuffer raw, DeviceBuffer t, DeviceBuffer scale, DeviceBuffer? mask, DeviceBuffer y, DeviceBuffer logdet, Ncs shape) { var started = Begin(); _inner.CouplingForward(x, raw, t, scale, mask, y, logdet, shape); End("CouplingForward", started); }
    public void CouplingInverse(DeviceBuffer y, DeviceBuffer raw, DeviceBuffer t, DeviceBuffer scale, DeviceBuffer? mask, DeviceBuffer x, DeviceBuffer logdet, Ncs shape) { var started = Begin(); _inner.CouplingInverse(y, raw, t, scale, mask, x, logdet, shape); End("CouplingInverse", started); }
    public void CouplingBackward(DeviceBuffer x, DeviceBuffer raw, DeviceBuffer t, DeviceBuffer scale, DeviceBuffer? mask, DeviceBuffer dy, DeviceBuffer dlogdet, DeviceBuffer dx, DeviceBuffer draw, DeviceBuffer dt, DeviceBuffer dscale, Ncs shape) { var started = Begin(); _inner.CouplingBackward(x, raw, t, scale, mask, dy, dlogdet, dx, draw, dt, dscale, shape); End("CouplingBackward", started); }
    public void ActNormForward(DeviceBuffer x, DeviceBuffer bias, DeviceBuffer logScale, DeviceBuffer y, Ncs shape) { var started = Begin(); _inner.ActNormForward(x, bias, logScale, y, shape); End("ActNormForward", started); }
    public void ActNormInverse(DeviceBuffer y, DeviceBuffer bias, DeviceBuffer logScale, DeviceBuffer x, Ncs shape) { var started = Begin(); _inner.ActNormInverse(y, bias, logScale, x, shape); End("ActNormInverse", started); }
    public void ActNormBackward(DeviceBuffer x, DeviceBuffer bias, DeviceBuffer logScale, DeviceBuffer dy, DeviceBuffer dx, DeviceBuffer dbias, DeviceBuffer dlogScale, Ncs shape) { var started = Begin(); _inner.ActNormBackward(x, bias, logScale, dy, dx, dbias, dlogScale, shape); End("ActNormBackward", started); }
    public void Conv1x1(DeviceBuffer x, DeviceBuffer weight, DeviceBuffer y, Ncs shape, bool transposeWeight = false) { var started = Begin(); _inner.Conv1x1(x, weight, y, shape, transposeWeight); End("Conv1x1", started); }
    public void AdamStep(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer m, DeviceBuffer v, int count, AdamSettings settings) { var started = Begin(); _inner.AdamStep(parameter, gradient, m, v, count, settings); End("AdamStep", started); }
    public void RmsPropStep(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer squareAverage, int count, RmsPropSettings settings) { var started = Begin(); _inner.RmsPropStep(parameter, gradient, squareAverage, count, settings); End("RmsPropStep", started); }
    public void AdamStepGuarded(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer m, DeviceBuffer v, int count, AdamSettings settings, float decay, StepGuard guard) { var started = Begin(); _inner.AdamStepGuarded(parameter, gradient, m, v, count, settings, decay, guard); End("AdamStepGuarded", started); }
    public void RmsPropStepGuarded(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer squareAverage, int count, RmsPropSettings settings, StepGuard guard) { var started = Begin(); _inner.RmsPropStepGuarded(parameter, gradient, squareAverage, count, settings, guard); End("RmsPropStepGuarded", started); }
    public void FillUniform(DeviceBuffer destination, int count, ulong seed, ulong offset) { var started = Begin(); _inner.FillUniform(destination, count, seed, offset); End("FillUniform", started); }
    public void FillNormal(DeviceBuffer destination, int count, ulong seed, ulong offset) { var started = Begin(); _inner.FillNormal(destination, count, seed, offset); End("FillNormal", started); }
}
