using System.Runtime.Intrinsics;

namespace Flows.Kernels.Cpu;

/// <summary>
/// The managed CPU implementation of <see cref="IComputeBackend"/>: plain C# with SIMD and resident spinning worker
/// threads (SpinningWorkers). This class only dispatches: <see cref="CheckedComputeBackend"/> has validated every
/// argument before a <c>…Core</c> method runs; each kernel family lives in its own file of this folder.
/// </summary>
public sealed partial class ManagedCpuBackend : CheckedComputeBackend
{
    private readonly CpuBufferPool _pool;

    public ManagedCpuBackend()
    {
        _pool = new CpuBufferPool(this);
        DeviceDescription = DescribeProcessor();
    }

    public override string Name => "cpu";

    public override string DeviceDescription { get; }

    /// <summary>Buffers waiting in the pool (for tests and diagnostics).</summary>
    public int PooledBufferCount => _pool.FreeCount;

    internal override bool Owns(DeviceBuffer buffer) => buffer is CpuBuffer && ReferenceEquals(buffer.Backend, this);

    /// <summary>The array behind a buffer already checked by the contract.</summary>
    private static float[] A(DeviceBuffer buffer) => ((CpuBuffer)buffer).Array;

    private static float[]? OptionalA(DeviceBuffer? buffer) => buffer is null ? null : A(buffer);

    public override BufferPoolStatistics PoolStatistics => _pool.Statistics;

    public override long PoolRetainLimitBytes
    {
        get => _pool.RetainLimitBytes;
        set => _pool.RetainLimitBytes = value;
    }

    public override void TrimPool()
    {
        // The released arrays are only garbage until a full collection; an aggressive one also hands their pages
        // back to the operating system, which is what a trim between the phases of a job is for.
        if (_pool.Trim() > 0) GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    public override void ResetPeakLiveBytes() => _pool.ResetPeak();

    /// <summary>Fills every rented buffer with NaN (tests: results must never depend on what the pool held).</summary>
    internal bool PoisonRentedMemory
    {
        get => _pool.PoisonRentedMemory;
        set => _pool.PoisonRentedMemory = value;
    }

    // ---- memory -------------------------------------------------------------------------------------

    protected override DeviceBuffer AllocateCore(int length) => _pool.Rent(length);

    protected override void UploadCore(ReadOnlySpan<float> source, DeviceBuffer destination) => source.CopyTo(A(destination));

    protected override void DownloadCore(DeviceBuffer source, Span<float> destination) =>
        A(source).AsSpan(0, destination.Length).CopyTo(destination);

    protected override void FillCore(DeviceBuffer destination, float value) => A(destination).AsSpan(0, destination.Length).Fill(value);

    protected override void CopyCore(DeviceBuffer source, DeviceBuffer destination, int count) =>
        A(source).AsSpan(0, count).CopyTo(A(destination));

    protected override void SynchronizeCore() { }

    // ---- element-wise ---------------------------------------------------------------------------------

    protected override void UnaryCore(UnaryOp op, DeviceBuffer x, DeviceBuffer y, int count, float alpha) =>
        UnaryKernels.Forward(op, A(x), A(y), count, alpha);

    protected override void UnaryBackwardCore(UnaryOp op, DeviceBuffer x, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx, int count, float alpha) =>
        UnaryKernels.Backward(op, A(x), A(y), A(dy), A(dx), count, alpha);

    protected override void HighwayGateCore(DeviceBuffer a, DeviceBuffer t, DeviceBuffer h, DeviceBuffer y, int count) =>
        HighwayGateKernels.Forward(A(a), A(t), A(h), A(y), count);

    protected override void HighwayGateBackwardCore(DeviceBuffer a, DeviceBuffer t, DeviceBuffer h, DeviceBuffer dy,
                                                    DeviceBuffer da, DeviceBuffer dt, DeviceBuffer dh, int count) =>
        HighwayGateKernels.Backward(A(a), A(t), A(h), A(dy), A(da), A(dt), A(dh), count);

    protected override void BinaryCore(BinaryOp op, DeviceBuffer a, Ncs aShape, DeviceBuffer b, Ncs bShape, DeviceBuffer c, Ncs cShape) =>
        BinaryKernels.Run(op, A(a), aShape, A(b), bShape, A(c), cShape);

    protected override void AxpyCore(float alpha, DeviceBuffer x, DeviceBuffer y, int count)
    {
        var xs = A(x);
        var ys = A(y);
        CpuParallel.For(count, 2, (alpha, xs, ys), static (in s, start, end) =>
            ElementwiseHelpers.Axpy(s.alpha, s.xs.AsSpan(start, end - start), s.ys.AsSpan(start, end - start)));
    }

    // ---- reductions -----------------------------------------------------------------------------------

    protected override void SumToCore(DeviceBuffer x, Ncs xShape, DeviceBuffer y, Ncs yShape) =>
        ReductionKernels.SumTo(A(x), xShape, A(y), yShape);

    protected override void ChannelMomentsCore(DeviceBuffer x, Ncs shape, DeviceBuffer mean, DeviceBuffer variance) =>
        ReductionKernels.ChannelMoments(A(x), shape, A(mean), A(variance));

    protected override void WeightNormForwardCore(DeviceBuffer g, DeviceBuffer v, DeviceBuffer w, DeviceBuffer norms, int rows, int rest) =>
        WeightNormKernels.Forward(A(g), A(v), A(w), A(norms), rows, rest);

    protected override void WeightNormBackwardCore(DeviceBuffer g, DeviceBuffer v, DeviceBuffer norms, DeviceBuffer dw, DeviceBuffer dg,
                                                   DeviceBuffer dv, int rows, int rest) =>
        WeightNormKernels.Backward(A(g), A(v), A(norms), A(dw), A(dg), A(dv), rows, rest);

    protected override void BatchNormStatisticsCore(DeviceBuffer x, Ncs shape, DeviceBuffer mean, DeviceBuffer invStd,
                                                    DeviceBuffer runningMean, DeviceBuffer runningVar, float momentum, float epsilon) =>
        BatchNormKernels.Statistics(A(x), shape, A(mean), A(invStd), A(runningMean), A(runningVar), momentum, epsilon);

    protected override void LogAbsDeterminantCore(DeviceBuffer weight, int n, DeviceBuffer logAbsDet, DeviceBuffer inverseTranspose, DeviceBuffer lu) =>
        DeterminantKernels.LogAbsDeterminant(A(weight), n, A(logAbsDet), A(inverseTranspose));

    protected override double SumOfSquaresCore(DeviceBuffer x, int count) => ReductionKernels.SumOfSquares(A(x), count);

    protected override void SumOfSquaresIntoCore(DeviceBuffer x, int count, DeviceBuffer sums, int slot) =>
        StepGuardKernels.SumOfSquaresInto(A(x), count, A(sums), slot);

    protected override void ClipCoefficientsCore(DeviceBuffer sums, DeviceBuffer maxNorms, int groups, DeviceBuffer coefficients, DeviceBuffer flag) =>
        StepGuardKernels.ClipCoefficients(A(sums), A(maxNorms), groups, A(coefficients), A(flag));

    protected override void FlagNonFiniteCore(DeviceBuffer x, int count, DeviceBuffer flag) =>
        StepGuardKernels.FlagNonFinite(A(x), count, A(flag));

    // ---- layout ---------------------------------------------------------------------------------------

    protected override void CopyChannelsCore(DeviceBuffer source, int sourceChannels, int sourceOffset,
                                             DeviceBuffer destination, int destinationChannels, int destinationOffset,
                                             int count, int batch, int spatial) =>
        LayoutKernels.CopyChannels(A(source), sourceChannels, sourceOffset, A(destination), destinationChannels,
                                   destinationOffset, count, batch, spatial);

    protected override void Squeeze2x2Core(DeviceBuffer x, DeviceBuffer y, int batch, int channels, int height, int width) =>
        LayoutKernels.Squeeze(A(x), A(y), batch, channels, height, width, inverse: false);

    protected override void Unsqueeze2x2Core(DeviceBuffer y, DeviceBuffer x, int batch, int channels, int height, int width) =>
        LayoutKernels.Squeeze(A(x), A(y), batch, channels, height, width, inverse: true);

    // ---- dense linear algebra -------------------------------------------------------------------------

    protected override void MatMulCore(DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, int m, int k, int n,
                                       bool transposeA, bool transposeB, bool accumulate) =>
        Gemm.MultiplyParallel(m, n, k, A(a), 0, transposeA ? m : k, transposeA, A(b), 0, transposeB ? k : n, transposeB,
                              A(c), 0, n, accumulate);

    /// <summary>Direct GEMM or Winograd for the 3×3 passes (<see cref="WinogradSelection"/>); Auto picks per shape.</summary>
    public CpuConvAlgorithm ConvAlgorithm { get; set; } = CpuConvAlgorithm.Auto;

    protected override void Conv2dForwardCore(DeviceBuffer x, DeviceBuffer weight, DeviceBuffer? bias, DeviceBuffer y, ConvGeometry g)
    {
        if (WinogradSelection.TryForward(ConvAlgorithm, A(x), A(weight), OptionalA(bias), A(y), g)) return;
        ConvForward.Run(A(x), A(weight), OptionalA(bias), A(y), g);
    }

    protected override void Conv2dBackwardDataCore(DeviceBuffer dy, DeviceBuffer weight, DeviceBuffer dx, ConvGeometry g)
    {
        if (WinogradSelection.TryBackwardData(ConvAlgorithm, A(dy), A(weight), A(dx), g)) return;
        ConvBackwardData.Run(A(dy), A(weight), A(dx), g);
    }

    protected override void Conv2dBackwardWeightCore(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw, ConvGeometry g) =>
        ConvBackwardWeight.Run(A(x), A(dy), A(dw), g);

    protected override void Conv2dBackwardWeightAndBiasCore(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw, DeviceBuffer db, ConvGeometry g)
    {
        // The weight pass and the per-channel sums of dy: folded into one pass where the AVX2 dot kernel runs, else
        // the weight pass, then the same reduction as SumTo.
        ConvBackwardWeight.Run(A(x), A(dy), A(dw), A(db), g);
    }

    // ---- pooling --------------------------------------------------------------------------------------

    protected override void MaxPool2dForwardCore(DeviceBuffer x, DeviceBuffer y, PoolGeometry g) =>
        MaxPoolKernels.Forward(A(x), A(y), g);

    protected override void MaxPool2dBackwardCore(DeviceBuffer x, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx, PoolGeometry g) =>
        MaxPoolKernels.Backward(A(x), A(y), A(dy), A(dx), g);

    // ---- normalization --------------------------------------------------------------------------------

    protected override void BatchNormApplyCore(DeviceBuffer x, DeviceBuffer mean, DeviceBuffer invStd, DeviceBuffer gamma, DeviceBuffer beta,
                                               DeviceBuffer y, Ncs shape, bool relu) =>
        BatchNormKernels.Apply(A(x), A(mean), A(invStd), A(gamma), A(beta), A(y), shape, relu);

    protected override void BatchNormBackwardCore(DeviceBuffer x, DeviceBuffer mean, DeviceBuffer invStd, DeviceBuffer gamma, DeviceBuffer dy,
                                                  DeviceBuffer dx, DeviceBuffer dgamma, DeviceBuffer dbeta, Ncs shape, bool batchStatistics,
                                                  DeviceBuffer? reluOutput) =>
        BatchNormKernels.Backward(A(x), A(mean), A(invStd), A(gamma), A(dy), A(dx), A(dgamma), A(dbeta),
                                  shape, batchStatistics, OptionalA(reluOutput));

    // ---- flow layers ----------------------------------------------------------------------------------

    protected override void CouplingForwardCore(DeviceBuffer x, DeviceBuffer raw, DeviceBuffer t, DeviceBuffer scale, DeviceBuffer? mask,
                                                DeviceBuffer y, DeviceBuffer logdet, Ncs shape) =>
        CouplingKernels.Forward(A(x), A(raw), A(t), A(scale), OptionalA(mask), A(y), A(logdet), shape, inverse: false);

    protected override void CouplingInverseCore(DeviceBuffer y, DeviceBuffer raw, DeviceBuffer t, DeviceBuffer scale, DeviceBuffer? mask,
                                                DeviceBuffer x, DeviceBuffer logdet, Ncs shape) =>
        CouplingKernels.Forward(A(y), A(raw), A(t), A(scale), OptionalA(mask), A(x), A(logdet), shape, inverse: true);

    protected override void CouplingBackwardCore(DeviceBuffer x, DeviceBuffer raw, DeviceBuffer t, DeviceBuffer scale, DeviceBuffer? mask,
                                                 DeviceBuffer dy, DeviceBuffer dlogdet,
                                                 DeviceBuffer dx, DeviceBuffer draw, DeviceBuffer dt, DeviceBuffer dscale, Ncs shape) =>
        CouplingKernels.Backward(A(x), A(raw), A(t), A(scale), OptionalA(mask), A(dy), A(dlogdet), A(dx), A(draw), A(dt),
                                 A(dscale), shape);

    protected override void ActNormForwardCore(DeviceBuffer x, DeviceBuffer bias, DeviceBuffer logScale, DeviceBuffer y, Ncs shape) =>
        ActNormKernels.Forward(A(x), A(bias), A(logScale), A(y), shape, inverse: false);

    protected override void ActNormInverseCore(DeviceBuffer y, DeviceBuffer bias, DeviceBuffer logScale, DeviceBuffer x, Ncs shape) =>
        ActNormKernels.Forward(A(y), A(bias), A(logScale), A(x), shape, inverse: true);

    protected override void ActNormBackwardCore(DeviceBuffer x, DeviceBuffer bias, DeviceBuffer logScale, DeviceBuffer dy,
                                                DeviceBuffer dx, DeviceBuffer dbias, DeviceBuffer dlogScale, Ncs shape) =>
        ActNormKernels.Backward(A(x), A(bias), A(logScale), A(dy), A(dx), A(dbias), A(dlogScale), shape);

    protected override void Conv1x1Core(DeviceBuffer x, DeviceBuffer weight, DeviceBuffer y, Ncs shape, bool transposeWeight) =>
        Conv1x1Kernel.Run(A(x), A(weight), A(y), shape, transposeWeight);

    // ---- optimizers -----------------------------------------------------------------------------------

    protected override void AdamStepCore(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer m, DeviceBuffer v, int count, AdamSettings settings) =>
        OptimizerKernels.Adam(A(parameter), A(gradient), A(m), A(v), count, settings);

    protected override void RmsPropStepCore(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer squareAverage, int count, RmsPropSettings settings) =>
        OptimizerKernels.RmsProp(A(parameter), A(gradient), A(squareAverage), count, settings);

    // The guard lives in host memory here, so reading it is no synchronisation.
    protected override void AdamStepGuardedCore(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer m, DeviceBuffer v, int count,
                                                AdamSettings settings, float decay, StepGuard guard)
    {
        if (A(guard.Flag)[0] != 0f) return;
        if (decay != 1f) UnaryCore(UnaryOp.Scale, parameter, parameter, count, decay);
        OptimizerKernels.Adam(A(parameter), A(gradient), A(m), A(v), count, settings, A(guard.Coefficients)[guard.Group]);
    }

    protected override void RmsPropStepGuardedCore(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer squareAverage, int count,
                                                   RmsPropSettings settings, StepGuard guard)
    {
        if (A(guard.Flag)[0] != 0f) return;
        OptimizerKernels.RmsProp(A(parameter), A(gradient), A(squareAverage), count, settings, A(guard.Coefficients)[guard.Group]);
    }

    // ---- multi-tensor optimizers: one parallel pass over every member --------------------------------

    protected override PackedBuffers AllocatePackedCore(int[] lengths) =>
        new CpuPackedBuffers(Array.ConvertAll(lengths, length => AllocateCore(length)));

    protected override void SumOfSquaresMultiCore(DeviceBuffer[] x, int[] counts, int[] groupOf, int groups, DeviceBuffer sums)
    {
        try
        {
            StepGuardKernels.SumOfSquaresMulti(Arrays(0, x), counts, groupOf, groups, A(sums));
        }
        finally
        {
            ReleaseArrays(1);
        }
    }

    protected override void AdamStepMultiCore(DeviceBuffer[] parameters, DeviceBuffer[] gradients, DeviceBuffer[] m, DeviceBuffer[] v,
                                              int[] counts, int[] groupOf, int groups, float beta1, float beta2, float epsilon, MultiStepGuard guard)
    {
        if (A(guard.Flag)[0] != 0f) return;
        try
        {
            OptimizerKernels.AdamMulti(Arrays(0, parameters), Arrays(1, gradients), Arrays(2, m), Arrays(3, v), counts, groupOf, groups,
                                       beta1, beta2, epsilon, A(guard.Scalars), A(guard.Coefficients));
        }
        finally
        {
            ReleaseArrays(4);
        }
    }

    protected override void RmsPropStepMultiCore(DeviceBuffer[] parameters, DeviceBuffer[] gradients, DeviceBuffer[] squareAverage,
                                                 int[] counts, int[] groupOf, int groups, float alpha, float epsilon, MultiStepGuard guard)
    {
        if (A(guard.Flag)[0] != 0f) return;
        try
        {
            OptimizerKernels.RmsPropMulti(Arrays(0, parameters), Arrays(1, gradients), Arrays(2, squareAverage), counts, groupOf, groups,
                                          alpha, epsilon, A(guard.Scalars), A(guard.Coefficients));
        }
        finally
        {
            ReleaseArrays(3);
        }
    }

    // The members' arrays in reused per-thread lists (CallArrays), dropped again after the call.
    private static float[][] Arrays(int slot, DeviceBuffer[] buffers)
    {
        var arrays = CallArrays<float[]>.Get(slot, buffers.Length);
        for (int i = 0; i < buffers.Length; i++) arrays[i] = A(buffers[i]);
        return arrays;
    }

    private static void ReleaseArrays(int slots)
    {
        for (int slot = 0; slot < slots; slot++) CallArrays<float[]>.Clear(slot);
    }

    // ---- random numbers -------------------------------------------------------------------------------

    protected override void FillUniformCore(DeviceBuffer destination, int count, ulong seed, ulong offset) =>
        RandomKernels.Fill(A(destination), count, seed, offset, normal: false);

    protected override void FillUniformCountedCore(DeviceBuffer destination, int count, ulong seed, DeviceBuffer counter)
    {
        var c = A(counter);
        ulong offset = DeviceCounter.Decode(c);
        RandomKernels.Fill(A(destination), count, seed, offset, normal: false);
        DeviceCounter.Encode(offset + (ulong)count, c);
    }

    protected override void FillNormalCore(DeviceBuffer destination, int count, ulong seed, ulong offset) =>
        RandomKernels.Fill(A(destination), count, seed, offset, normal: true);

    protected override void DisposeCore() => _pool.Clear();

    private static string DescribeProcessor()
    {
        string model = "unknown processor";
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
                if (line is not null) model = line[(line.IndexOf(':') + 1)..].Trim();
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        string simd = Vector512.IsHardwareAccelerated ? "AVX-512" : Vector256.IsHardwareAccelerated ? "AVX2" :
                      Vector128.IsHardwareAccelerated ? "128-bit SIMD" : "no SIMD";
        return $"{model}, {Environment.ProcessorCount} threads, {simd}";
    }
}
