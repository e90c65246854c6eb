using System.Runtime.Intrinsics;

namespace Flows.Kernels.Cpu;

/// <summary>
/// The managed CPU implementation of <see cref="IComputeBackend"/>: plain C# with SIMD and resident spinning worker threads (SpinningWorkers). This
/// class validates arguments and dispatches; each kernel family lives in its own file of this folder.
/// </summary>
public sealed class ManagedCpuBackend : IComputeBackend
{
    private readonly CpuBufferPool _pool;
    private bool _disposed;

    public ManagedCpuBackend()
    {
        _pool = new CpuBufferPool(this);
        DeviceDescription = DescribeProcessor();
    }

    public string Name => "cpu";

    public string DeviceDescription { get; }

    /// <summary>Buffers waiting in the pool (for tests and diagnostics).</summary>
    public int PooledBufferCount => _pool.FreeCount;

    public BufferPoolStatistics PoolStatistics => _pool.Statistics;

    public long PoolRetainLimitBytes
    {
        get => _pool.RetainLimitBytes;
        set => _pool.RetainLimitBytes = value;
    }

    public void TrimPool()
    {
        // The released arrays are only garbage until a full collection; an aggressive one also hands their pages
        // back to the operating system, which is what a trim between the phases of a job is for.
        if (_pool.Trim() > 0) GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    public void ResetPeakLiveBytes() => _pool.ResetPeak();

    /// <summary>Fills every rented buffer with NaN (tests: results must never depend on what the pool held).</summary>
    internal bool PoisonRentedMemory
    {
        get => _pool.PoisonRentedMemory;
        set => _pool.PoisonRentedMemory = value;
    }

    // ---- memory -------------------------------------------------------------------------------------

    public DeviceBuffer Allocate(int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _pool.Rent(length);
    }

    public void Upload(ReadOnlySpan<float> source, DeviceBuffer destination)
    {
        var d = Arr(destination, "Upload", source.Length);
        source.CopyTo(d);
    }

    public void Download(DeviceBuffer source, Span<float> destination)
    {
        var s = Arr(source, "Download", destination.Length);
        s.AsSpan(0, destination.Length).CopyTo(destination);
    }

    public void Fill(DeviceBuffer destination, float value) => Arr(destination, "Fill", 0).AsSpan(0, destination.Length).Fill(value);

    public void Copy(DeviceBuffer source, DeviceBuffer destination, int count)
    {
        NonNegative("Copy", count);
        Arr(source, "Copy", count).AsSpan(0, count).CopyTo(Arr(destination, "Copy", count));
    }

    public void Synchronize() { }

    // ---- element-wise ---------------------------------------------------------------------------------

    public void Unary(UnaryOp op, DeviceBuffer x, DeviceBuffer y, int count, float alpha = 0f)
    {
        NonNegative("Unary", count);
        UnaryKernels.Forward(op, Arr(x, "Unary", count), Arr(y, "Unary", count), count, alpha);
    }

    public void UnaryBackward(UnaryOp op, DeviceBuffer x, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx, int count, float alpha = 0f)
    {
        const string name = "UnaryBackward";
        NonNegative(name, count);
        UnaryKernels.Backward(op, Arr(x, name, count), Arr(y, name, count), Arr(dy, name, count), Arr(dx, name, count), count, alpha);
    }

    public void HighwayGate(DeviceBuffer a, DeviceBuffer t, DeviceBuffer h, DeviceBuffer y, int count)
    {
        const string name = "HighwayGate";
        NonNegative(name, count);
        HighwayGateKernels.Forward(Arr(a, name, count), Arr(t, name, count), Arr(h, name, count), Arr(y, name, count), count);
    }

    public void HighwayGateBackward(DeviceBuffer a, DeviceBuffer t, DeviceBuffer h, DeviceBuffer dy,
                                    DeviceBuffer da, DeviceBuffer dt, DeviceBuffer dh, int count)
    {
        const string name = "HighwayGateBackward";
        NonNegative(name, count);
        HighwayGateKernels.Backward(Arr(a, name, count), Arr(t, name, count), Arr(h, name, count), Arr(dy, name, count),
                                    Arr(da, name, count), Arr(dt, name, count), Arr(dh, name, count), count);
    }

    public void Binary(BinaryOp op, DeviceBuffer a, Ncs aShape, DeviceBuffer b, Ncs bShape, DeviceBuffer c)
    {
        const string name = "Binary";
        var cShape = Ncs.Broadcast(aShape, bShape, name);
        Positive(name, aShape);
        Positive(name, bShape);
        BinaryKernels.Run(op, Arr(a, name, aShape.Length), aShape, Arr(b, name, bShape.Length), bShape,
                          Arr(c, name, cShape.Length), cShape);
    }

    public void Axpy(float alpha, DeviceBuffer x, DeviceBuffer y, int count)
    {
        NonNegative("Axpy", count);
        var xs = Arr(x, "Axpy", count);
        var ys = Arr(y, "Axpy", count);
        CpuParallel.For(count, 2, (start, end) => ElementwiseHelpers.Axpy(alpha, xs.AsSpan(start, end - start), ys.AsSpan(start, end - start)));
    }

    // ---- reductions -----------------------------------------------------------------------------------

    public void SumTo(DeviceBuffer x, Ncs xShape, DeviceBuffer y, Ncs yShape)
    {
        const string name = "SumTo";
        Positive(name, xShape);
        Positive(name, yShape);
        if ((yShape.N != 1 && yShape.N != xShape.N) || (yShape.C != 1 && yShape.C != xShape.C) || (yShape.S != 1 && yShape.S != xShape.S))
            throw new ArgumentException($"{name}: cannot sum shape {xShape} to {yShape}; each target axis must be 1 or match");
        ReductionKernels.SumTo(Arr(x, name, xShape.Length), xShape, Arr(y, name, yShape.Length), yShape);
    }

    public void ChannelMoments(DeviceBuffer x, Ncs shape, DeviceBuffer mean, DeviceBuffer variance)
    {
        const string name = "ChannelMoments";
        Positive(name, shape);
        ReductionKernels.ChannelMoments(Arr(x, name, shape.Length), shape, Arr(mean, name, shape.C), Arr(variance, name, shape.C));
    }

    public double SumOfSquares(DeviceBuffer x, int count)
    {
        NonNegative("SumOfSquares", count);
        return ReductionKernels.SumOfSquares(Arr(x, "SumOfSquares", count), count);
    }

    // ---- layout ---------------------------------------------------------------------------------------

    public void CopyChannels(DeviceBuffer source, int sourceChannels, int sourceOffset,
                             DeviceBuffer destination, int destinationChannels, int destinationOffset,
                             int count, int batch, int spatial)
    {
        const string name = "CopyChannels";
        if (count < 0 || batch < 0 || spatial < 0 || sourceOffset < 0 || destinationOffset < 0
            || sourceOffset + count > sourceChannels || destinationOffset + count > destinationChannels)
            throw new ArgumentException(
                $"{name}: channels [{sourceOffset}, {sourceOffset + count}) of {sourceChannels} to [{destinationOffset}, {destinationOffset + count}) of {destinationChannels} (batch {batch}, spatial {spatial}) are out of range");
        LayoutKernels.CopyChannels(Arr(source, name, batch * sourceChannels * spatial), sourceChannels, sourceOffset,
                                   Arr(destination, name, batch * destinationChannels * spatial), destinationChannels,
                                   destinationOffset, count, batch, spatial);
    }

    public void Squeeze2x2(DeviceBuffer x, DeviceBuffer y, int batch, int channels, int height, int width)
    {
        SqueezeShape("Squeeze2x2", batch, channels, height, width);
        int length = batch * channels * height * width;
        LayoutKernels.Squeeze(Arr(x, "Squeeze2x2", length), Arr(y, "Squeeze2x2", length), batch, channels, height, width, inverse: false);
    }

    public void Unsqueeze2x2(DeviceBuffer y, DeviceBuffer x, int batch, int channels, int height, int width)
    {
        SqueezeShape("Unsqueeze2x2", batch, channels, height, width);
        int length = batch * channels * height * width;
        LayoutKernels.Squeeze(Arr(x, "Unsqueeze2x2", length), Arr(y, "Unsqueeze2x2", length), batch, channels, height, width, inverse: true);
    }

    // ---- dense linear algebra -------------------------------------------------------------------------

    public void MatMul(DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, int m, int k, int n,
                       bool transposeA = false, bool transposeB = false, bool accumulate = false)
    {
        const string name = "MatMul";
        if (m < 0 || k < 0 || n < 0) throw new ArgumentException($"{name}: sizes must be non-negative, got m={m}, k={k}, n={n}");
        var aa = Arr(a, name, m * k);
        var bb = Arr(b, name, k * n);
        var cc = Arr(c, name, m * n);
        if (m == 0 || n == 0) return;
        Gemm.MultiplyParallel(m, n, k, aa, 0, transposeA ? m : k, transposeA, bb, 0, transposeB ? k : n, transposeB,
                              cc, 0, n, accumulate);
    }

    public void Conv2dForward(DeviceBuffer x, DeviceBuffer weight, DeviceBuffer? bias, DeviceBuffer y, ConvGeometry g)
    {
        const string name = "Conv2dForward";
        g.Validate();
        ConvForward.Run(Arr(x, name, g.InputLength), Arr(weight, name, g.WeightLength),
                        bias is null ? null : Arr(bias, name, g.OutChannels), Arr(y, name, g.OutputLength), g);
    }

    public void Conv2dBackwardData(DeviceBuffer dy, DeviceBuffer weight, DeviceBuffer dx, ConvGeometry g)
    {
        const string name = "Conv2dBackwardData";
        g.Validate();
        ConvBackwardData.Run(Arr(dy, name, g.OutputLength), Arr(weight, name, g.WeightLength), Arr(dx, name, g.InputLength), g);
    }

    public void Conv2dBackwardWeight(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw, ConvGeometry g)
    {
        const string name = "Conv2dBackwardWeight";
        g.Validate();
        ConvBackwardWeight.Run(Arr(x, name, g.InputLength), Arr(dy, name, g.OutputLength), Arr(dw, name, g.WeightLength), g);
    }

    // ---- pooling --------------------------------------------------------------------------------------

    public void MaxPool2dForward(DeviceBuffer x, DeviceBuffer y, PoolGeometry g)
    {
        const string name = "MaxPool2dForward";
        g.Validate();
        MaxPoolKernels.Forward(Arr(x, name, g.InputLength), Arr(y, name, g.OutputLength), g);
    }

    public void MaxPool2dBackward(DeviceBuffer x, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx, PoolGeometry g)
    {
        const string name = "MaxPool2dBackward";
        g.Validate();
        MaxPoolKernels.Backward(Arr(x, name, g.InputLength), Arr(y, name, g.OutputLength), Arr(dy, name, g.OutputLength),
                                Arr(dx, name, g.InputLength), g);
    }

    // ---- normalization --------------------------------------------------------------------------------

    public void BatchNormApply(DeviceBuffer x, DeviceBuffer mean, DeviceBuffer invStd, DeviceBuffer gamma, DeviceBuffer beta,
                               DeviceBuffer y, Ncs shape, bool relu = false)
    {
        const string name = "BatchNormApply";
        Positive(name, shape);
        int l = shape.Length, c = shape.C;
        BatchNormKernels.Apply(Arr(x, name, l), Arr(mean, name, c), Arr(invStd, name, c), Arr(gamma, name, c),
                               Arr(beta, name, c), Arr(y, name, l), shape, relu);
    }

    public void BatchNormBackward(DeviceBuffer x, DeviceBuffer mean, DeviceBuffer invStd, DeviceBuffer gamma, DeviceBuffer dy,
                                  DeviceBuffer dx, DeviceBuffer dgamma, DeviceBuffer dbeta, Ncs shape, bool batchStatistics,
                                  DeviceBuffer? reluOutput = null)
    {
        const string name = "BatchNormBackward";
        Positive(name, shape);
        int l = shape.Length, c = shape.C;
        BatchNormKernels.Backward(Arr(x, name, l), Arr(mean, name, c), Arr(invStd, name, c), Arr(gamma, name, c),
                                  Arr(dy, name, l), Arr(dx, name, l), Arr(dgamma, name, c), Arr(dbeta, name, c),
                                  shape, batchStatistics, reluOutput is null ? null : Arr(reluOutput, name, l));
    }

    // ---- flow layers ----------------------------------------------------------------------------------

    public void CouplingForward(DeviceBuffer x, DeviceBuffer raw, DeviceBuffer t, DeviceBuffer scale, DeviceBuffer? mask,
                                DeviceBuffer y, DeviceBuffer logdet, Ncs shape)
    {
        const string name = "CouplingForward";
        Positive(name, shape);
        int l = shape.Length;
        CouplingKernels.Forward(Arr(x, name, l), Arr(raw, name, l), Arr(t, name, l), Arr(scale, name, shape.C),
                                mask is null ? null : Arr(mask, name, shape.C * shape.S), Arr(y, name, l),
                                Arr(logdet, name, shape.N), shape, inverse: false);
    }

    public void CouplingInverse(DeviceBuffer y, DeviceBuffer raw, DeviceBuffer t, DeviceBuffer scale, DeviceBuffer? mask,
                                DeviceBuffer x, DeviceBuffer logdet, Ncs shape)
    {
        const string name = "CouplingInverse";
        Positive(name, shape);
        int l = shape.Length;
        CouplingKernels.Forward(Arr(y, name, l), Arr(raw, name, l), Arr(t, name, l), Arr(scale, name, shape.C),
                                mask is null ? null : Arr(mask, name, shape.C * shape.S), Arr(x, name, l),
                                Arr(logdet, name, shape.N), shape, inverse: true);
    }

    public void CouplingBackward(DeviceBuffer x, DeviceBuffer raw, DeviceBuffer t, DeviceBuffer scale, DeviceBuffer? mask,
                                 DeviceBuffer dy, DeviceBuffer dlogdet,
                                 DeviceBuffer dx, DeviceBuffer draw, DeviceBuffer dt, DeviceBuffer dscale, Ncs shape)
    {
        const string name = "CouplingBackward";
        Positive(name, shape);
        int l = shape.Length;
        CouplingKernels.Backward(Arr(x, name, l), Arr(raw, name, l), Arr(t, name, l), Arr(scale, name, shape.C),
                                 mask is null ? null : Arr(mask, name, shape.C * shape.S), Arr(dy, name, l),
                                 Arr(dlogdet, name, shape.N), Arr(dx, name, l), Arr(draw, name, l), Arr(dt, name, l),
                                 Arr(dscale, name, shape.C), shape);
    }

    public void ActNormForward(DeviceBuffer x, DeviceBuffer bias, DeviceBuffer logScale, DeviceBuffer y, Ncs shape)
    {
        const string name = "ActNormForward";
        Positive(name, shape);
        ActNormKernels.Forward(Arr(x, name, shape.Length), Arr(bias, name, shape.C), Arr(logScale, name, shape.C),
                               Arr(y, name, shape.Length), shape, inverse: false);
    }

    public void ActNormInverse(DeviceBuffer y, DeviceBuffer bias, DeviceBuffer logScale, DeviceBuffer x, Ncs shape)
    {
        const string name = "ActNormInverse";
        Positive(name, shape);
        ActNormKernels.Forward(Arr(y, name, shape.Length), Arr(bias, name, shape.C), Arr(logScale, name, shape.C),
                               Arr(x, name, shape.Length), shape, inverse: true);
    }

    public void ActNormBackward(DeviceBuffer x, DeviceBuffer bias, DeviceBuffer logScale, DeviceBuffer dy,
                                DeviceBuffer dx, DeviceBuffer dbias, DeviceBuffer dlogScale, Ncs shape)
    {
        const string name = "ActNormBackward";
        Positive(name, shape);
        int l = shape.Length, c = shape.C;
        ActNormKernels.Backward(Arr(x, name, l), Arr(bias, name, c), Arr(logScale, name, c), Arr(dy, name, l),
                                Arr(dx, name, l), Arr(dbias, name, c), Arr(dlogScale, name, c), shape);
    }

    public void Conv1x1(DeviceBuffer x, DeviceBuffer weight, DeviceBuffer y, Ncs shape, bool transposeWeight = false)
    {
        const string name = "Conv1x1";
        Positive(name, shape);
        Conv1x1Kernel.Run(Arr(x, name, shape.Length), Arr(weight, name, shape.C * shape.C), Arr(y, name, shape.Length),
                          shape, transposeWeight);
    }

    // ---- optimizers -----------------------------------------------------------------------------------

    public void AdamStep(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer m, DeviceBuffer v, int count, AdamSettings settings)
    {
        const string name = "AdamStep";
        NonNegative(name, count);
        if (settings.Step < 1) throw new ArgumentException($"{name}: step must be 1 or more, got {settings.Step}");
        OptimizerKernels.Adam(Arr(parameter, name, count), Arr(gradient, name, count), Arr(m, name, count), Arr(v, name, count),
                              count, settings);
    }

    public void RmsPropStep(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer squareAverage, int count, RmsPropSettings settings)
    {
        const string name = "RmsPropStep";
        NonNegative(name, count);
        OptimizerKernels.RmsProp(Arr(parameter, name, count), Arr(gradient, name, count), Arr(squareAverage, name, count),
                                 count, settings);
    }

    // ---- random numbers -------------------------------------------------------------------------------

    public void FillUniform(DeviceBuffer destination, int count, ulong seed, ulong offset)
    {
        NonNegative("FillUniform", count);
        RandomKernels.Fill(Arr(destination, "FillUniform", count), count, seed, offset, normal: false);
    }

    public void FillNormal(DeviceBuffer destination, int count, ulong seed, ulong offset)
    {
        NonNegative("FillNormal", count);
        RandomKernels.Fill(Arr(destination, "FillNormal", count), count, seed, offset, normal: true);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _pool.Clear();
    }

    // ---- validation -----------------------------------------------------------------------------------

    /// <summary>The array behind a buffer of this backend holding at least <paramref name="needed"/> floats.</summary>
    private float[] Arr(DeviceBuffer buffer, string op, int needed)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (buffer is not CpuBuffer cpu || !ReferenceEquals(buffer.Backend, this))
            throw new ArgumentException($"{op}: the buffer belongs to backend '{buffer.Backend.Name}', not to this cpu backend");
        if (cpu.IsReleased)
            throw new ObjectDisposedException(nameof(CpuBuffer), $"{op}: the buffer was already disposed");
        if (cpu.Length < needed)
            throw new ArgumentException($"{op}: a buffer of {cpu.Length} elements is too small, {needed} are needed");
        return cpu.Array;
    }

    private static void NonNegative(string op, int count)
    {
        if (count < 0) throw new ArgumentException($"{op}: count must be non-negative, got {count}");
    }

    private static void Positive(string op, Ncs shape)
    {
        if (shape.N <= 0 || shape.C <= 0 || shape.S <= 0)
            throw new ArgumentException($"{op}: every axis of shape {shape} must be positive");
    }

    private static void SqueezeShape(string op, int batch, int channels, int height, int width)
    {
        if (batch <= 0 || channels <= 0 || height <= 0 || width <= 0 || height % 2 != 0 || width % 2 != 0)
            throw new ArgumentException($"{op}: needs positive sizes and even height and width, got N={batch}, C={channels}, H={height}, W={width}");
    }

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
