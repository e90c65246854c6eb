using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// The compute contract on ILGPU kernels: CUDA on an NVIDIA GPU ("cuda"), or the same kernels on ILGPU's CPU
/// accelerator ("ilgpu-cpu"), which simulates GPU threads so the kernels can be tested without a GPU (slowly).
/// Every kernel is loaded (compiled) once, here; every op queues its launches on the default stream and
/// returns, so only SumOfSquares, Download and Synchronize wait for the device.
/// </summary>
public sealed class IlgpuBackend : IComputeBackend
{
    private readonly Context _context;
    private readonly Accelerator _accelerator;
    private readonly IlgpuBufferPool _pool;
    private readonly ElementwiseKernels _elementwise;
    private readonly GroupReduction _reduction;
    private readonly ReductionKernels _reductions;
    private readonly LayoutKernels _layout;
    private readonly GemmKernels _gemm;
    private readonly ConvKernels _conv;
    private readonly MaxPoolKernels _maxPool;
    private readonly BatchNormKernels _batchNorm;
    private readonly CouplingKernels _coupling;
    private readonly ActNormKernels _actNorm;
    private readonly OptimizerKernels _optimizers;
    private readonly RandomKernels _random;
    private bool _disposed;

    private IlgpuBackend(Context context, Accelerator accelerator, string name)
    {
        _context = context;
        _accelerator = accelerator;
        Name = name;
        DeviceDescription = Describe(accelerator);
        _pool = new IlgpuBufferPool(this, accelerator);
        _elementwise = new ElementwiseKernels(accelerator);
        _reduction = new GroupReduction(accelerator, _pool);
        _reductions = new ReductionKernels(_reduction);
        _layout = new LayoutKernels(accelerator);
        _gemm = new GemmKernels(accelerator);
        _gemm.Load<MatrixA, MatrixB, MatrixStore>();
        _conv = new ConvKernels(accelerator, _gemm, _pool);
        _maxPool = new MaxPoolKernels(accelerator);
        _batchNorm = new BatchNormKernels(accelerator, _reduction);
        _coupling = new CouplingKernels(_reduction);
        _actNorm = new ActNormKernels(accelerator, _reduction);
        _optimizers = new OptimizerKernels(accelerator);
        _random = new RandomKernels(accelerator);
    }

    /// <summary>
    /// The kernels on ILGPU's CPU accelerator, configured like a GPU multiprocessor (warps of 32, groups of up
    /// to 256 threads) so that the grouped kernels run with the same group shapes as on CUDA.
    /// </summary>
    public static IlgpuBackend CreateCpuSimulator()
    {
        var device = new CPUDevice(numThreadsPerWarp: 32, numWarpsPerMultiprocessor: 8, numMultiprocessors: 1);
        var context = Context.Create(builder => builder.CPU(device).EnableAlgorithms());
        try
        {
            return new IlgpuBackend(context, context.CreateCPUAccelerator(0, CPUAcceleratorMode.Parallel), "ilgpu-cpu");
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The kernels on CUDA device <paramref name="deviceIndex"/>. Callers normally go through
    /// Flows.Kernels.Devices.ComputeDevices, which resolves the driver library and explains failures.
    /// </summary>
    public static IlgpuBackend CreateCuda(int deviceIndex = 0)
    {
        var context = Context.Create(builder => builder.Cuda().EnableAlgorithms());
        try
        {
            var devices = context.GetCudaDevices();
            if (deviceIndex >= devices.Count)
                throw new InvalidOperationException($"CUDA device {deviceIndex} requested but {devices.Count} found");
            return new IlgpuBackend(context, devices[deviceIndex].CreateAccelerator(context), "cuda");
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    public string Name { get; }

    public string DeviceDescription { get; }

    /// <summary>Which GEMM/convolution kernel runs: 1 = one thread per output, 2 = shared-memory tiles (default).</summary>
    public int GemmVersion { get; set; } = 2;

    /// <summary>
    /// How many groups reductions and conv backward-weight aim for before splitting one output (or K) across
    /// groups: 2 per multiprocessor by default. Tests raise it to cover the split paths with small shapes.
    /// </summary>
    internal int SplitTargetGroups
    {
        get => _reduction.TargetGroups;
        set
        {
            _reduction.TargetGroups = value;
            _conv.TargetGroups = value;
        }
    }

    /// <summary>Device allocations made so far; constant once training reaches its steady state.</summary>
    public int AllocationCount => _pool.AllocationCount;

    public BufferPoolStatistics PoolStatistics => _pool.Statistics;

    public long PoolRetainLimitBytes
    {
        get => _pool.RetainLimitBytes;
        set => _pool.RetainLimitBytes = value;
    }

    public void TrimPool() => _pool.Trim();

    public void ResetPeakLiveBytes() => _pool.ResetPeak();

    /// <summary>Every kernel this backend loads, for <see cref="PtxCompileCheck"/>.</summary>
    internal IEnumerable<KernelEntry> KernelEntries() =>
        PtxCompileCheck.NonGenericKernels().Concat(_reduction.Loaded).Concat(_gemm.Loaded);

    private static string Describe(Accelerator accelerator) => accelerator switch
    {
        CudaAccelerator cuda => $"{cuda.Name} ({cuda.Architecture}, {cuda.NumMultiprocessors} SMs, {cuda.MemorySize / (1024.0 * 1024 * 1024):F0} GiB)",
        _ => $"ILGPU CPU accelerator (simulated GPU threads, warp {accelerator.WarpSize}, {Environment.ProcessorCount} host cores)",
    };

    // ---- memory -------------------------------------------------------------------------------------

    public DeviceBuffer Allocate(int length)
    {
        ThrowIfDisposed();
        return _pool.Rent(length);
    }

    public void Upload(ReadOnlySpan<float> source, DeviceBuffer destination)
    {
        var d = Own(destination, "upload", "destination");
        if (source.Length > d.Length)
            throw new ArgumentException($"upload: source has {source.Length} elements but the destination buffer {d.Length}");
        if (source.Length > 0) d.View.SubView(0, source.Length).CopyFromCPU(_accelerator.DefaultStream, source);
    }

    public void Download(DeviceBuffer source, Span<float> destination)
    {
        var s = Own(source, "download", "source");
        if (destination.Length > s.Length)
            throw new ArgumentException($"download: destination has {destination.Length} elements but the source buffer {s.Length}");
        if (destination.Length > 0) s.View.SubView(0, destination.Length).CopyToCPU(_accelerator.DefaultStream, destination);
        _accelerator.DefaultStream.Synchronize();
    }

    public void Fill(DeviceBuffer destination, float value)
    {
        var d = Own(destination, "fill", "destination");
        _elementwise.Fill(d.View, d.Length, value);
    }

    public void Copy(DeviceBuffer source, DeviceBuffer destination, int count)
    {
        var s = Need(source, count, "copy", "source");
        var d = Need(destination, count, "copy", "destination");
        if (count > 0) _elementwise.Unary(UnaryOp.Copy, s.View, d.View, count, 0f);
    }

    public void Synchronize()
    {
        ThrowIfDisposed();
        _accelerator.Synchronize();
    }

    // ---- element-wise ---------------------------------------------------------------------------------

    public void Unary(UnaryOp op, DeviceBuffer x, DeviceBuffer y, int count, float alpha = 0f)
    {
        var xs = Need(x, count, $"unary {op}", "x");
        var ys = Need(y, count, $"unary {op}", "y");
        _elementwise.Unary(op, xs.View, ys.View, count, alpha);
    }

    public void UnaryBackward(UnaryOp op, DeviceBuffer x, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx, int count, float alpha = 0f)
    {
        string name = $"unary backward {op}";
        _elementwise.UnaryBackward(op, Need(x, count, name, "x").View, Need(y, count, name, "y").View,
                                   Need(dy, count, name, "dy").View, Need(dx, count, name, "dx").View, count, alpha);
    }

    public void HighwayGate(DeviceBuffer a, DeviceBuffer t, DeviceBuffer h, DeviceBuffer y, int count)
    {
        const string name = "highway gate";
        _elementwise.HighwayGate(Need(a, count, name, "a").View, Need(t, count, name, "t").View, Need(h, count, name, "h").View,
                                 Need(y, count, name, "y").View, count);
    }

    public void HighwayGateBackward(DeviceBuffer a, DeviceBuffer t, DeviceBuffer h, DeviceBuffer dy,
                                    DeviceBuffer da, DeviceBuffer dt, DeviceBuffer dh, int count)
    {
        const string name = "highway gate backward";
        _elementwise.HighwayGateBackward(Need(a, count, name, "a").View, Need(t, count, name, "t").View, Need(h, count, name, "h").View,
                                         Need(dy, count, name, "dy").View, Need(da, count, name, "da").View,
                                         Need(dt, count, name, "dt").View, Need(dh, count, name, "dh").View, count);
    }

    public void Binary(BinaryOp op, DeviceBuffer a, Ncs aShape, DeviceBuffer b, Ncs bShape, DeviceBuffer c)
    {
        string name = $"binary {op}";
        var cShape = Ncs.Broadcast(aShape, bShape, name);
        var av = Need(a, aShape.Length, name, "a").View;
        var bv = Need(b, bShape.Length, name, "b").View;
        var cv = Need(c, cShape.Length, name, "c").View;
        _elementwise.Binary(op, av, aShape, bv, bShape, cv, cShape);
    }

    public void Axpy(float alpha, DeviceBuffer x, DeviceBuffer y, int count) =>
        _elementwise.Axpy(alpha, Need(x, count, "axpy", "x").View, Need(y, count, "axpy", "y").View, count);

    // ---- reductions -----------------------------------------------------------------------------------

    public void SumTo(DeviceBuffer x, Ncs xShape, DeviceBuffer y, Ncs yShape)
    {
        if (!Reducible(xShape.N, yShape.N) || !Reducible(xShape.C, yShape.C) || !Reducible(xShape.S, yShape.S))
            throw new ArgumentException($"sumTo: cannot reduce {xShape} to {yShape}: each target axis must be 1 or equal to the source's");
        var xv = Need(x, xShape.Length, "sumTo", "x").View;
        var yv = Need(y, yShape.Length, "sumTo", "y").View;
        if (yShape == xShape) _elementwise.Unary(UnaryOp.Copy, xv, yv, xShape.Length, 0f);
        else _reductions.SumTo(xv, xShape, yv, yShape);

        static bool Reducible(int from, int to) => to == from || to == 1;
    }

    public void ChannelMoments(DeviceBuffer x, Ncs shape, DeviceBuffer mean, DeviceBuffer variance) =>
        _reductions.ChannelMoments(Need(x, shape.Length, "channelMoments", "x").View, shape,
                                   Need(mean, shape.C, "channelMoments", "mean").View,
                                   Need(variance, shape.C, "channelMoments", "variance").View);

    public double SumOfSquares(DeviceBuffer x, int count) =>
        _reductions.SumOfSquares(_pool, _accelerator, Need(x, count, "sumOfSquares", "x").View, count);

    // ---- layout ---------------------------------------------------------------------------------------

    public void CopyChannels(DeviceBuffer source, int sourceChannels, int sourceOffset,
                             DeviceBuffer destination, int destinationChannels, int destinationOffset,
                             int count, int batch, int spatial)
    {
        if (count < 0 || sourceOffset < 0 || destinationOffset < 0
            || sourceOffset + count > sourceChannels || destinationOffset + count > destinationChannels)
            throw new ArgumentException($"copyChannels: channels [{sourceOffset}, {sourceOffset + count}) of {sourceChannels} " +
                                        $"to [{destinationOffset}, {destinationOffset + count}) of {destinationChannels} are out of range");
        var s = Need(source, batch * sourceChannels * spatial, "copyChannels", "source");
        var d = Need(destination, batch * destinationChannels * spatial, "copyChannels", "destination");
        _layout.CopyChannels(s.View, sourceChannels, sourceOffset, d.View, destinationChannels, destinationOffset, count, batch, spatial);
    }

    public void Squeeze2x2(DeviceBuffer x, DeviceBuffer y, int batch, int channels, int height, int width)
    {
        int length = CheckSqueeze("squeeze2x2", batch, channels, height, width);
        _layout.Squeeze(Need(x, length, "squeeze2x2", "x").View, Need(y, length, "squeeze2x2", "y").View,
                        batch, channels, height, width, inverse: false);
    }

    public void Unsqueeze2x2(DeviceBuffer y, DeviceBuffer x, int batch, int channels, int height, int width)
    {
        int length = CheckSqueeze("unsqueeze2x2", batch, channels, height, width);
        _layout.Squeeze(Need(x, length, "unsqueeze2x2", "x").View, Need(y, length, "unsqueeze2x2", "y").View,
                        batch, channels, height, width, inverse: true);
    }

    private static int CheckSqueeze(string op, int batch, int channels, int height, int width)
    {
        if (batch < 0 || channels < 0 || height < 0 || width < 0 || height % 2 != 0 || width % 2 != 0)
            throw new ArgumentException($"{op}: needs non-negative sizes and even height and width, got N={batch} C={channels} H={height} W={width}");
        return batch * channels * height * width;
    }

    // ---- dense linear algebra -------------------------------------------------------------------------

    public void MatMul(DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, int m, int k, int n,
                       bool transposeA = false, bool transposeB = false, bool accumulate = false)
    {
        if (m < 0 || k < 0 || n < 0) throw new ArgumentException($"matMul: sizes must be non-negative, got m={m} k={k} n={n}");
        var av = Need(a, m * k, "matMul", "a").View;
        var bv = Need(b, k * n, "matMul", "b").View;
        var cv = Need(c, m * n, "matMul", "c").View;
        _gemm.Run(new MatrixA { Data = av, M = m, K = k, Transposed = transposeA ? 1 : 0 },
                  new MatrixB { Data = bv, K = k, N = n, Transposed = transposeB ? 1 : 0 },
                  new MatrixStore { Data = cv, N = n, Accumulate = accumulate ? 1 : 0 }, m, n, k, GemmVersion);
    }

    public void Conv2dForward(DeviceBuffer x, DeviceBuffer weight, DeviceBuffer? bias, DeviceBuffer y, ConvGeometry g)
    {
        g.Validate();
        var xv = Need(x, g.InputLength, "conv2d forward", "x").View;
        var wv = Need(weight, g.WeightLength, "conv2d forward", "weight").View;
        var bv = bias is null ? default : Need(bias, g.OutChannels, "conv2d forward", "bias").View;
        var yv = Need(y, g.OutputLength, "conv2d forward", "y").View;
        _conv.Forward(xv, wv, bv, bias is not null, yv, g, GemmVersion);
    }

    public void Conv2dBackwardData(DeviceBuffer dy, DeviceBuffer weight, DeviceBuffer dx, ConvGeometry g)
    {
        g.Validate();
        _conv.BackwardData(Need(dy, g.OutputLength, "conv2d backward-data", "dy").View,
                           Need(weight, g.WeightLength, "conv2d backward-data", "weight").View,
                           Need(dx, g.InputLength, "conv2d backward-data", "dx").View, g, GemmVersion);
    }

    public void Conv2dBackwardWeight(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw, ConvGeometry g)
    {
        g.Validate();
        _conv.BackwardWeight(Need(x, g.InputLength, "conv2d backward-weight", "x").View,
                             Need(dy, g.OutputLength, "conv2d backward-weight", "dy").View,
                             Need(dw, g.WeightLength, "conv2d backward-weight", "dw").View, g, GemmVersion);
    }

    // ---- pooling --------------------------------------------------------------------------------------

    public void MaxPool2dForward(DeviceBuffer x, DeviceBuffer y, PoolGeometry g)
    {
        g.Validate();
        _maxPool.Forward(Need(x, g.InputLength, "maxPool2d forward", "x").View, Need(y, g.OutputLength, "maxPool2d forward", "y").View, g);
    }

    public void MaxPool2dBackward(DeviceBuffer x, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx, PoolGeometry g)
    {
        const string op = "maxPool2d backward";
        g.Validate();
        _maxPool.Backward(Need(x, g.InputLength, op, "x").View, Need(y, g.OutputLength, op, "y").View,
                          Need(dy, g.OutputLength, op, "dy").View, Need(dx, g.InputLength, op, "dx").View, g);
    }

    // ---- normalization --------------------------------------------------------------------------------

    public void BatchNormApply(DeviceBuffer x, DeviceBuffer mean, DeviceBuffer invStd, DeviceBuffer gamma, DeviceBuffer beta,
                               DeviceBuffer y, Ncs shape, bool relu = false)
    {
        const string op = "batchNorm apply";
        _batchNorm.Apply(new BatchNormKernels.NormArgs
        {
            X = Need(x, shape.Length, op, "x").View, Mean = Need(mean, shape.C, op, "mean").View,
            InvStd = Need(invStd, shape.C, op, "invStd").View, Gamma = Need(gamma, shape.C, op, "gamma").View,
            Beta = Need(beta, shape.C, op, "beta").View, Y = Need(y, shape.Length, op, "y").View, C = shape.C, S = shape.S,
            Relu = relu ? 1 : 0,
        }, shape.Length);
    }

    public void BatchNormBackward(DeviceBuffer x, DeviceBuffer mean, DeviceBuffer invStd, DeviceBuffer gamma, DeviceBuffer dy,
                                  DeviceBuffer dx, DeviceBuffer dgamma, DeviceBuffer dbeta, Ncs shape, bool batchStatistics,
                                  DeviceBuffer? reluOutput = null)
    {
        const string op = "batchNorm backward";
        var dyView = Need(dy, shape.Length, op, "dy").View;
        _batchNorm.Backward(new BatchNormKernels.GradientSumsOp
        {
            X = Need(x, shape.Length, op, "x").View, Mean = Need(mean, shape.C, op, "mean").View,
            InvStd = Need(invStd, shape.C, op, "invStd").View, Gamma = Need(gamma, shape.C, op, "gamma").View,
            Dy = dyView, Dx = Need(dx, shape.Length, op, "dx").View,
            DGamma = Need(dgamma, shape.C, op, "dgamma").View, DBeta = Need(dbeta, shape.C, op, "dbeta").View,
            // Without a ReLU the mask view is unused; dy stands in so that every view is valid.
            ReluOutput = reluOutput is null ? dyView : Need(reluOutput, shape.Length, op, "reluOutput").View,
            Relu = reluOutput is null ? 0 : 1,
            C = shape.C, S = shape.S,
        }, shape, batchStatistics);
    }

    // ---- flow layers ----------------------------------------------------------------------------------

    public void CouplingForward(DeviceBuffer x, DeviceBuffer raw, DeviceBuffer t, DeviceBuffer scale, DeviceBuffer? mask,
                                DeviceBuffer y, DeviceBuffer logdet, Ncs shape) =>
        CouplingMap("coupling forward", x, raw, t, scale, mask, y, logdet, shape, inverse: false);

    public void CouplingInverse(DeviceBuffer y, DeviceBuffer raw, DeviceBuffer t, DeviceBuffer scale, DeviceBuffer? mask,
                                DeviceBuffer x, DeviceBuffer logdet, Ncs shape) =>
        CouplingMap("coupling inverse", y, raw, t, scale, mask, x, logdet, shape, inverse: true);

    private void CouplingMap(string op, DeviceBuffer input, DeviceBuffer raw, DeviceBuffer t, DeviceBuffer scale, DeviceBuffer? mask,
                             DeviceBuffer output, DeviceBuffer logdet, Ncs shape, bool inverse)
    {
        _coupling.Forward(new CouplingKernels.ForwardOp
        {
            In = Need(input, shape.Length, op, inverse ? "y" : "x").View, Raw = Need(raw, shape.Length, op, "raw").View,
            T = Need(t, shape.Length, op, "t").View, Scale = Need(scale, shape.C, op, "scale").View,
            Mask = mask is null ? default : Need(mask, shape.C * shape.S, op, "mask").View, HasMask = mask is null ? 0 : 1,
            Out = Need(output, shape.Length, op, inverse ? "x" : "y").View, LogDet = Need(logdet, shape.N, op, "logdet").View,
            Inverse = inverse ? 1 : 0, S = shape.S, ElementsPerSample = shape.C * shape.S,
        }, shape);
    }

    public void CouplingBackward(DeviceBuffer x, DeviceBuffer raw, DeviceBuffer t, DeviceBuffer scale, DeviceBuffer? mask,
                                 DeviceBuffer dy, DeviceBuffer dlogdet,
                                 DeviceBuffer dx, DeviceBuffer draw, DeviceBuffer dt, DeviceBuffer dscale, Ncs shape)
    {
        const string op = "coupling backward";
        _coupling.Backward(new CouplingKernels.BackwardOp
        {
            X = Need(x, shape.Length, op, "x").View, Raw = Need(raw, shape.Length, op, "raw").View,
            T = Need(t, shape.Length, op, "t").View, Scale = Need(scale, shape.C, op, "scale").View,
            Mask = mask is null ? default : Need(mask, shape.C * shape.S, op, "mask").View, HasMask = mask is null ? 0 : 1,
            Dy = Need(dy, shape.Length, op, "dy").View, DLogDet = Need(dlogdet, shape.N, op, "dlogdet").View,
            Dx = Need(dx, shape.Length, op, "dx").View, DRaw = Need(draw, shape.Length, op, "draw").View,
            Dt = Need(dt, shape.Length, op, "dt").View, DScale = Need(dscale, shape.C, op, "dscale").View,
            C = shape.C, S = shape.S,
        }, shape);
    }

    public void ActNormForward(DeviceBuffer x, DeviceBuffer bias, DeviceBuffer logScale, DeviceBuffer y, Ncs shape) =>
        _actNorm.Map(Need(x, shape.Length, "actNorm forward", "x").View, Need(bias, shape.C, "actNorm forward", "bias").View,
                     Need(logScale, shape.C, "actNorm forward", "logScale").View, Need(y, shape.Length, "actNorm forward", "y").View,
                     shape, inverse: false);

    public void ActNormInverse(DeviceBuffer y, DeviceBuffer bias, DeviceBuffer logScale, DeviceBuffer x, Ncs shape) =>
        _actNorm.Map(Need(y, shape.Length, "actNorm inverse", "y").View, Need(bias, shape.C, "actNorm inverse", "bias").View,
                     Need(logScale, shape.C, "actNorm inverse", "logScale").View, Need(x, shape.Length, "actNorm inverse", "x").View,
                     shape, inverse: true);

    public void ActNormBackward(DeviceBuffer x, DeviceBuffer bias, DeviceBuffer logScale, DeviceBuffer dy,
                                DeviceBuffer dx, DeviceBuffer dbias, DeviceBuffer dlogScale, Ncs shape)
    {
        const string op = "actNorm backward";
        _actNorm.Backward(new ActNormKernels.BackwardOp
        {
            X = Need(x, shape.Length, op, "x").View, Bias = Need(bias, shape.C, op, "bias").View,
            LogScale = Need(logScale, shape.C, op, "logScale").View, Dy = Need(dy, shape.Length, op, "dy").View,
            Dx = Need(dx, shape.Length, op, "dx").View, DBias = Need(dbias, shape.C, op, "dbias").View,
            DLogScale = Need(dlogScale, shape.C, op, "dlogScale").View, C = shape.C, S = shape.S,
        }, shape);
    }

    public void Conv1x1(DeviceBuffer x, DeviceBuffer weight, DeviceBuffer y, Ncs shape, bool transposeWeight = false) =>
        _conv.Conv1x1(Need(x, shape.Length, "conv1x1", "x").View, Need(weight, shape.C * shape.C, "conv1x1", "weight").View,
                      Need(y, shape.Length, "conv1x1", "y").View, shape, transposeWeight, GemmVersion);

    // ---- optimizers -----------------------------------------------------------------------------------

    public void AdamStep(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer m, DeviceBuffer v, int count, AdamSettings settings)
    {
        if (settings.Step < 1) throw new ArgumentException($"adam: step must be 1 or more, got {settings.Step}");
        _optimizers.Adam(new OptimizerKernels.AdamArgs
        {
            Parameter = Need(parameter, count, "adam", "parameter").View, Gradient = Need(gradient, count, "adam", "gradient").View,
            M = Need(m, count, "adam", "m").View, V = Need(v, count, "adam", "v").View,
            Beta1 = settings.Beta1, Beta2 = settings.Beta2, Epsilon = settings.Epsilon, WeightDecay = settings.WeightDecay,
            StepSize = settings.LearningRate / settings.BiasCorrection1,
            InvSqrtBiasCorrection2 = 1f / MathF.Sqrt(settings.BiasCorrection2),
        }, count);
    }

    public void RmsPropStep(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer squareAverage, int count, RmsPropSettings settings) =>
        _optimizers.RmsProp(new OptimizerKernels.RmsPropArgs
        {
            Parameter = Need(parameter, count, "rmsProp", "parameter").View, Gradient = Need(gradient, count, "rmsProp", "gradient").View,
            SquareAverage = Need(squareAverage, count, "rmsProp", "squareAverage").View,
            LearningRate = settings.LearningRate, Alpha = settings.Alpha, Epsilon = settings.Epsilon, WeightDecay = settings.WeightDecay,
        }, count);

    // ---- random numbers -------------------------------------------------------------------------------

    public void FillUniform(DeviceBuffer destination, int count, ulong seed, ulong offset) =>
        _random.Fill(Need(destination, count, "fillUniform", "destination").View, count, seed, offset, normal: false);

    public void FillNormal(DeviceBuffer destination, int count, ulong seed, ulong offset) =>
        _random.Fill(Need(destination, count, "fillNormal", "destination").View, count, seed, offset, normal: true);

    // ---- validation -----------------------------------------------------------------------------------

    private IlgpuBuffer Own(DeviceBuffer buffer, string op, string name)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(buffer, name);
        if (buffer is not IlgpuBuffer own || !ReferenceEquals(buffer.Backend, this))
            throw new ArgumentException($"{op}: {name} belongs to backend '{buffer.Backend.Name}', not to this {Name} backend");
        if (buffer.IsReleased) throw new ArgumentException($"{op}: {name} was already disposed (returned to the pool)");
        return own;
    }

    private IlgpuBuffer Need(DeviceBuffer buffer, int length, string op, string name)
    {
        var own = Own(buffer, op, name);
        if (length < 0) throw new ArgumentException($"{op}: {name} length must be non-negative, got {length}");
        if (own.Length < length) throw new ArgumentException($"{op}: {name} has {own.Length} elements but {length} are needed");
        return own;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _accelerator.Synchronize();
        _pool.Dispose();
        _accelerator.Dispose();
        _context.Dispose();
    }
}
