using System.Diagnostics;
using Flows.Kernels;

namespace Flows.Bench.EndToEnd;

/// <summary>
/// Wraps a backend and measures the wall time of every compute call (synchronizing around each, so GPU times
/// are real), for `step --profile 1`: where does a training step spend its time, and how far is each op from its
/// roof? Each call also records the work it did: FLOPs for convolutions and matrix products (from the geometry),
/// bytes for everything else (every buffer the call reads or writes, counted once at the size it uses: the least
/// traffic the op can have), and the managed bytes the calling thread allocated inside the call.
/// </summary>
public sealed class ProfilingBackend : IComputeBackend
{
    private const double F = sizeof(float);

    private readonly IComputeBackend _inner;
    private readonly Dictionary<string, OpTotals> _totals = new();
    private readonly Dictionary<string, OpTotals> _convShapes = new();
    private readonly Dictionary<string, OpTotals> _elementwise = new();

    public ProfilingBackend(IComputeBackend inner) => _inner = inner;

    public string Name => _inner.Name;
    public string DeviceDescription => _inner.DeviceDescription;

    /// <summary>Every op by name.</summary>
    public IReadOnlyDictionary<string, OpTotals> Totals => _totals;

    /// <summary>Convolution time per kind and geometry, with the arithmetic done, for GFLOP/s per shape.</summary>
    public IReadOnlyDictionary<string, OpTotals> ConvShapes => _convShapes;

    /// <summary>Element-wise calls by kind and size, for `--profile 2`.</summary>
    public IReadOnlyDictionary<string, OpTotals> Elementwise => _elementwise;

    /// <summary>Forgets what was recorded so far (the step benchmark calls it after the warm-up steps).</summary>
    public void Reset()
    {
        _totals.Clear();
        _convShapes.Clear();
        _elementwise.Clear();
    }

    private readonly record struct Started(long Ticks, long Allocated);

    private Started Begin()
    {
        _inner.Synchronize();
        return new Started(Stopwatch.GetTimestamp(), GC.GetAllocatedBytesForCurrentThread());
    }

    /// <summary>One call's measurements (a struct: the profiler itself should not add to the allocation it reports).</summary>
    private readonly record struct Call(double Ms, double Flops, double Bytes, long Allocated);

    private Call End(string op, Started start, double flops, double bytes)
    {
        long allocated = GC.GetAllocatedBytesForCurrentThread() - start.Allocated;
        _inner.Synchronize();
        double ms = Stopwatch.GetElapsedTime(start.Ticks).TotalMilliseconds;
        var call = new Call(ms, flops, bytes, allocated);
        Add(_totals, op, call);
        return call;
    }

    /// <summary>A memory-bound call: <paramref name="floats"/> floats read plus written.</summary>
    private void EndMemory(string op, Started start, double floats) => End(op, start, 0, floats * F);

    /// <summary>
    /// An element-wise call, also tallied by kind and size. The key is formatted here, after the allocation count
    /// was taken, so the profiler's own strings do not show up as the op's allocation.
    /// </summary>
    private void EndSized<TKind>(string op, Started start, double floats, TKind kind, long count = 0,
                                 Ncs? from = null, string separator = "", Ncs? to = null)
    {
        var call = End(op, start, 0, floats * F);
        string key = from is null ? $"{op} {kind} n={count}" : $"{op} {kind} {from}{separator}{to}";
        Add(_elementwise, key, call);
    }

    private void EndConv(string op, Started start, ConvGeometry g)
    {
        var call = End(op, start, g.Flops, 0);
        Add(_convShapes, $"{op,-20} b{g.Batch} {g.InChannels}->{g.OutChannels} k{g.KernelSize} p{g.Padding} s{g.Stride} {g.Height}x{g.Width}", call);
    }

    private static void Add(Dictionary<string, OpTotals> table, string key, Call call)
    {
        if (!table.TryGetValue(key, out var totals)) table[key] = totals = new OpTotals();
        totals.Add(call.Ms, call.Flops, call.Bytes, call.Allocated);
    }

    private static double Len(Ncs s) => s.Length;

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
    public void Unary(UnaryOp op, DeviceBuffer x, DeviceBuffer y, int count, float alpha = 0f) { var started = Begin(); _inner.Unary(op, x, y, count, alpha); EndSized("Unary", started, 2.0 * count, op, count); }
    public void UnaryBackward(UnaryOp op, DeviceBuffer x, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx, int count, float alpha = 0f) { var started = Begin(); _inner.UnaryBackward(op, x, y, dy, dx, count, alpha); EndSized("UnaryBackward", started, 3.0 * count, op, count); }
    public void HighwayGate(DeviceBuffer a, DeviceBuffer t, DeviceBuffer h, DeviceBuffer y, int count) { var started = Begin(); _inner.HighwayGate(a, t, h, y, count); EndMemory("HighwayGate", started, 4.0 * count); }
    public void HighwayGateBackward(DeviceBuffer a, DeviceBuffer t, DeviceBuffer h, DeviceBuffer dy, DeviceBuffer da, DeviceBuffer dt, DeviceBuffer dh, int count) { var started = Begin(); _inner.HighwayGateBackward(a, t, h, dy, da, dt, dh, count); EndMemory("HighwayGateBackward", started, 7.0 * count); }
    public void Binary(BinaryOp op, DeviceBuffer a, Ncs aShape, DeviceBuffer b, Ncs bShape, DeviceBuffer c) { var started = Begin(); _inner.Binary(op, a, aShape, b, bShape, c); EndSized("Binary", started, Len(aShape) + Len(bShape) + Len(Ncs.Broadcast(aShape, bShape, "Binary")), op, 0, aShape, "/", bShape); }
    public void Axpy(float alpha, DeviceBuffer x, DeviceBuffer y, int count) { var started = Begin(); _inner.Axpy(alpha, x, y, count); EndSized("Axpy", started, 3.0 * count, "", count); }
    public void SumTo(DeviceBuffer x, Ncs xShape, DeviceBuffer y, Ncs yShape) { var started = Begin(); _inner.SumTo(x, xShape, y, yShape); EndSized("SumTo", started, Len(xShape) + Len(yShape), "", 0, xShape, "->", yShape); }
    public void WeightNormForward(DeviceBuffer g, DeviceBuffer v, DeviceBuffer w, DeviceBuffer norms, int rows, int rest) { var started = Begin(); _inner.WeightNormForward(g, v, w, norms, rows, rest); EndMemory("WeightNormForward", started, 2.0 * rows * rest); }
    public void WeightNormBackward(DeviceBuffer g, DeviceBuffer v, DeviceBuffer norms, DeviceBuffer dw, DeviceBuffer dg, DeviceBuffer dv, int rows, int rest) { var started = Begin(); _inner.WeightNormBackward(g, v, norms, dw, dg, dv, rows, rest); EndMemory("WeightNormBackward", started, 3.0 * rows * rest); }
    public void BatchNormStatistics(DeviceBuffer x, Ncs shape, DeviceBuffer mean, DeviceBuffer invStd, DeviceBuffer runningMean, DeviceBuffer runningVar, float momentum, float epsilon) { var started = Begin(); _inner.BatchNormStatistics(x, shape, mean, invStd, runningMean, runningVar, momentum, epsilon); EndMemory("BatchNormStatistics", started, Len(shape) + 4.0 * shape.C); }
    public void LogAbsDeterminant(DeviceBuffer weight, int n, DeviceBuffer logAbsDet, DeviceBuffer inverseTranspose, DeviceBuffer lu) { var started = Begin(); _inner.LogAbsDeterminant(weight, n, logAbsDet, inverseTranspose, lu); EndMemory("LogAbsDeterminant", started, 3.0 * n * n); }
    public void BroadcastScaledSum(DeviceBuffer x, int count, float factor, DeviceBuffer? addend, DeviceBuffer y, int length) { var started = Begin(); _inner.BroadcastScaledSum(x, count, factor, addend, y, length); EndMemory("BroadcastScaledSum", started, count + (addend is null ? 1.0 : 2.0) * length); }
    public void ChannelCouplingForward(DeviceBuffer input, DeviceBuffer st, DeviceBuffer scale, DeviceBuffer? addend, DeviceBuffer output, DeviceBuffer logdet, Ncs shape, int changeOffset, bool inverse) { var started = Begin(); _inner.ChannelCouplingForward(input, st, scale, addend, output, logdet, shape, changeOffset, inverse); EndMemory("ChannelCouplingForward", started, 3.0 * Len(shape)); }
    public void AddChannels(DeviceBuffer source, int count, DeviceBuffer destination, int destinationChannels, int destinationOffset, int batch, int spatial) { var started = Begin(); _inner.AddChannels(source, count, destination, destinationChannels, destinationOffset, batch, spatial); EndMemory("AddChannels", started, 3.0 * batch * count * spatial); }
    public void ChannelCouplingBackward(DeviceBuffer x, DeviceBuffer st, DeviceBuffer scale, DeviceBuffer dy, DeviceBuffer dlogdet, DeviceBuffer dx, DeviceBuffer dst, DeviceBuffer dscale, Ncs shape, int changeOffset) { var started = Begin(); _inner.ChannelCouplingBackward(x, st, scale, dy, dlogdet, dx, dst, dscale, shape, changeOffset); EndMemory("ChannelCouplingBackward", started, 5.0 * Len(shape)); }
    public void ChannelMoments(DeviceBuffer x, Ncs shape, DeviceBuffer mean, DeviceBuffer variance) { var started = Begin(); _inner.ChannelMoments(x, shape, mean, variance); EndMemory("ChannelMoments", started, Len(shape) + 2.0 * shape.C); }
    public double SumOfSquares(DeviceBuffer x, int count) { var started = Begin(); var r = _inner.SumOfSquares(x, count); EndMemory("SumOfSquares", started, count); return r; }
    public void SumOfSquaresInto(DeviceBuffer x, int count, DeviceBuffer sums, int slot) { var started = Begin(); _inner.SumOfSquaresInto(x, count, sums, slot); EndMemory("SumOfSquaresInto", started, count); }
    public void ClipCoefficients(DeviceBuffer sums, DeviceBuffer maxNorms, int groups, DeviceBuffer coefficients, DeviceBuffer flag) { var started = Begin(); _inner.ClipCoefficients(sums, maxNorms, groups, coefficients, flag); EndMemory("ClipCoefficients", started, 3.0 * groups); }
    public void FlagNonFinite(DeviceBuffer x, int count, DeviceBuffer flag) { var started = Begin(); _inner.FlagNonFinite(x, count, flag); EndMemory("FlagNonFinite", started, count); }
    public void CopyChannels(DeviceBuffer source, int sourceChannels, int sourceOffset, DeviceBuffer destination, int destinationChannels, int destinationOffset, int count, int batch, int spatial) { var started = Begin(); _inner.CopyChannels(source, sourceChannels, sourceOffset, destination, destinationChannels, destinationOffset, count, batch, spatial); EndMemory("CopyChannels", started, 2.0 * count * batch * spatial); }
    public void Squeeze2x2(DeviceBuffer x, DeviceBuffer y, int batch, int channels, int height, int width) { var started = Begin(); _inner.Squeeze2x2(x, y, batch, channels, height, width); EndMemory("Squeeze2x2", started, 2.0 * batch * channels * height * width); }
    public void Unsqueeze2x2(DeviceBuffer y, DeviceBuffer x, int batch, int channels, int height, int width) { var started = Begin(); _inner.Unsqueeze2x2(y, x, batch, channels, height, width); EndMemory("Unsqueeze2x2", started, 2.0 * batch * channels * height * width); }
    public void MatMul(DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, int m, int k, int n, bool transposeA = false, bool transposeB = false, bool accumulate = false) { var started = Begin(); _inner.MatMul(a, b, c, m, k, n, transposeA, transposeB, accumulate); End("MatMul", started, 2.0 * m * k * n, 0); }
    public void Conv2dForward(DeviceBuffer x, DeviceBuffer weight, DeviceBuffer? bias, DeviceBuffer y, ConvGeometry g) { var started = Begin(); _inner.Conv2dForward(x, weight, bias, y, g); EndConv("Conv2dForward", started, g); }
    public void Conv2dBackwardData(DeviceBuffer dy, DeviceBuffer weight, DeviceBuffer dx, ConvGeometry g) { var started = Begin(); _inner.Conv2dBackwardData(dy, weight, dx, g); EndConv("Conv2dBackwardData", started, g); }
    public void Conv2dBackwardWeight(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw, ConvGeometry g) { var started = Begin(); _inner.Conv2dBackwardWeight(x, dy, dw, g); EndConv("Conv2dBackwardWeight", started, g); }
    public void Conv2dBackwardWeightAndBias(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw, DeviceBuffer db, ConvGeometry g) { var started = Begin(); _inner.Conv2dBackwardWeightAndBias(x, dy, dw, db, g); EndConv("Conv2dBackwardWeightAndBias", started, g); }
    public void MaxPool2dForward(DeviceBuffer x, DeviceBuffer y, PoolGeometry g) { var started = Begin(); _inner.MaxPool2dForward(x, y, g); EndMemory("MaxPool2dForward", started, PoolFloats(g, 1, 1)); }
    public void MaxPool2dBackward(DeviceBuffer x, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx, PoolGeometry g) { var started = Begin(); _inner.MaxPool2dBackward(x, y, dy, dx, g); EndMemory("MaxPool2dBackward", started, PoolFloats(g, 2, 2)); }
    public void BatchNormApply(DeviceBuffer x, DeviceBuffer mean, DeviceBuffer invStd, DeviceBuffer gamma, DeviceBuffer beta, DeviceBuffer y, Ncs shape, bool relu = false) { var started = Begin(); _inner.BatchNormApply(x, mean, invStd, gamma, beta, y, shape, relu); EndMemory(relu ? "BatchNormReluApply" : "BatchNormApply", started, 2.0 * Len(shape)); }
    public void BatchNormBackward(DeviceBuffer x, DeviceBuffer mean, DeviceBuffer invStd, DeviceBuffer gamma, DeviceBuffer dy, DeviceBuffer dx, DeviceBuffer dgamma, DeviceBuffer dbeta, Ncs shape, bool batchStatistics, DeviceBuffer? reluOutput = null) { var started = Begin(); _inner.BatchNormBackward(x, mean, invStd, gamma, dy, dx, dgamma, dbeta, shape, batchStatistics, reluOutput); EndMemory(reluOutput is null ? "BatchNormBackward" : "BatchNormReluBackward", started, (reluOutput is null ? 3.0 : 4.0) * Len(shape)); }
    public void CouplingForward(DeviceBuffer x, DeviceBuffer raw, DeviceBuffer t, DeviceBuffer scale, DeviceBuffer? mask, DeviceBuffer y, DeviceBuffer logdet, Ncs shape) { var started = Begin(); _inner.CouplingForward(x, raw, t, scale, mask, y, logdet, shape); EndMemory("CouplingForward", started, 4.0 * Len(shape)); }
    public void CouplingInverse(DeviceBuffer y, DeviceBuffer raw, DeviceBuffer t, DeviceBuffer scale, DeviceBuffer? mask, DeviceBuffer x, DeviceBuffer logdet, Ncs shape) { var started = Begin(); _inner.CouplingInverse(y, raw, t, scale, mask, x, logdet, shape); EndMemory("CouplingInverse", started, 4.0 * Len(shape)); }
    public void CouplingBackward(DeviceBuffer x, DeviceBuffer raw, DeviceBuffer t, DeviceBuffer scale, DeviceBuffer? mask, DeviceBuffer dy, DeviceBuffer dlogdet, DeviceBuffer dx, DeviceBuffer draw, DeviceBuffer dt, DeviceBuffer dscale, Ncs shape) { var started = Begin(); _inner.CouplingBackward(x, raw, t, scale, mask, dy, dlogdet, dx, draw, dt, dscale, shape); EndMemory("CouplingBackward", started, 7.0 * Len(shape)); }
    public void ActNormForward(DeviceBuffer x, DeviceBuffer bias, DeviceBuffer logScale, DeviceBuffer y, Ncs shape) { var started = Begin(); _inner.ActNormForward(x, bias, logScale, y, shape); EndMemory("ActNormForward", started, 2.0 * Len(shape)); }
    public void ActNormInverse(DeviceBuffer y, DeviceBuffer bias, DeviceBuffer logScale, DeviceBuffer x, Ncs shape) { var started = Begin(); _inner.ActNormInverse(y, bias, logScale, x, shape); EndMemory("ActNormInverse", started, 2.0 * Len(shape)); }
    public void ActNormBackward(DeviceBuffer x, DeviceBuffer bias, DeviceBuffer logScale, DeviceBuffer dy, DeviceBuffer dx, DeviceBuffer dbias, DeviceBuffer dlogScale, Ncs shape) { var started = Begin(); _inner.ActNormBackward(x, bias, logScale, dy, dx, dbias, dlogScale, shape); EndMemory("ActNormBackward", started, 3.0 * Len(shape)); }
    public void Conv1x1(DeviceBuffer x, DeviceBuffer weight, DeviceBuffer y, Ncs shape, bool transposeWeight = false) { var started = Begin(); _inner.Conv1x1(x, weight, y, shape, transposeWeight); End("Conv1x1", started, 2.0 * shape.C * Len(shape), 0); }
    public void AdamStep(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer m, DeviceBuffer v, int count, AdamSettings settings) { var started = Begin(); _inner.AdamStep(parameter, gradient, m, v, count, settings); EndMemory("AdamStep", started, 7.0 * count); }
    public void RmsPropStep(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer squareAverage, int count, RmsPropSettings settings) { var started = Begin(); _inner.RmsPropStep(parameter, gradient, squareAverage, count, settings); EndMemory("RmsPropStep", started, 5.0 * count); }
    public void AdamStepGuarded(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer m, DeviceBuffer v, int count, AdamSettings settings, float decay, StepGuard guard) { var started = Begin(); _inner.AdamStepGuarded(parameter, gradient, m, v, count, settings, decay, guard); EndMemory("AdamStepGuarded", started, 7.0 * count); }
    public void RmsPropStepGuarded(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer squareAverage, int count, RmsPropSettings settings, StepGuard guard) { var started = Begin(); _inner.RmsPropStepGuarded(parameter, gradient, squareAverage, count, settings, guard); EndMemory("RmsPropStepGuarded", started, 5.0 * count); }
    public void FillUniform(DeviceBuffer destination, int count, ulong seed, ulong offset) { var started = Begin(); _inner.FillUniform(destination, count, seed, offset); EndMemory("FillUniform", started, count); }
    public PackedBuffers AllocatePacked(ReadOnlySpan<int> lengths) => _inner.AllocatePacked(lengths);
    public void SumOfSquaresMulti(ReadOnlySpan<DeviceBuffer> x, ReadOnlySpan<int> counts, ReadOnlySpan<int> groupOf, int groups, DeviceBuffer sums) { var started = Begin(); _inner.SumOfSquaresMulti(x, counts, groupOf, groups, sums); EndMemory("SumOfSquaresMulti", started, Total(counts)); }
    public void AdamStepMulti(ReadOnlySpan<DeviceBuffer> parameters, ReadOnlySpan<DeviceBuffer> gradients, ReadOnlySpan<DeviceBuffer> m, ReadOnlySpan<DeviceBuffer> v, ReadOnlySpan<int> counts, ReadOnlySpan<int> groupOf, int groups, float beta1, float beta2, float epsilon, MultiStepGuard guard) { var started = Begin(); _inner.AdamStepMulti(parameters, gradients, m, v, counts, groupOf, groups, beta1, beta2, epsilon, guard); EndMemory("AdamStepMulti", started, 7.0 * Total(counts)); }
    public void RmsPropStepMulti(ReadOnlySpan<DeviceBuffer> parameters, ReadOnlySpan<DeviceBuffer> gradients, ReadOnlySpan<DeviceBuffer> squareAverage, ReadOnlySpan<int> counts, ReadOnlySpan<int> groupOf, int groups, float alpha, float epsilon, MultiStepGuard guard) { var started = Begin(); _inner.RmsPropStepMulti(parameters, gradients, squareAverage, counts, groupOf, groups, alpha, epsilon, guard); EndMemory("RmsPropStepMulti", started, 5.0 * Total(counts)); }
    public void FillUniformCounted(DeviceBuffer destination, int count, ulong seed, DeviceBuffer counter) { var started = Begin(); _inner.FillUniformCounted(destination, count, seed, counter); EndMemory("FillUniformCounted", started, count); }
    public void FillNormal(DeviceBuffer destination, int count, ulong seed, ulong offset) { var started = Begin(); _inner.FillNormal(destination, count, seed, offset); EndMemory("FillNormal", started, count); }

    /// <summary>Floats a pooling pass touches: <paramref name="inputs"/> input-sized and <paramref name="outputs"/> output-sized buffers.</summary>
    private static double PoolFloats(PoolGeometry g, int inputs, int outputs) =>
        (double)g.Batch * g.Channels * (inputs * g.Height * g.Width + outputs * g.OutHeight * g.OutWidth);

    /// <summary>Floats over all members of a multi-tensor call.</summary>
    private static double Total(ReadOnlySpan<int> counts)
    {
        double sum = 0;
        foreach (int c in counts) sum += c;
        return sum;
    }
}
