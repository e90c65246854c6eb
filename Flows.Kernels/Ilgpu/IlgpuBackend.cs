using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using Flows.Kernels.Devices;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// The compute contract on ILGPU kernels: CUDA on an NVIDIA GPU ("cuda"), or the same kernels on ILGPU's CPU
/// accelerator ("ilgpu-cpu"), which simulates GPU threads so the kernels can be tested without a GPU (slowly).
/// Every kernel is loaded (compiled) once, here; every op queues its launches and copies on the backend's own stream
/// (non-blocking on CUDA, never the NULL stream) and returns, so only SumOfSquares, Download and Synchronize wait for
/// the device; uploads go through a page-locked staging buffer and do not wait either. A training step can be
/// captured as a CUDA graph and replayed (<see cref="IStepGraphs"/>; docs/PERFORMANCE.md, "Streams and CUDA graphs").
/// This class only dispatches: <see cref="CheckedComputeBackend"/> has validated every argument before a <c>…Core</c>
/// method runs.
/// </summary>
public sealed partial class IlgpuBackend : CheckedComputeBackend, IStepGraphs
{
    private readonly Context _context;
    private readonly Accelerator _accelerator;
    private readonly AcceleratorStream _stream;
    private readonly PinnedUploadStaging _staging;
    private StepGraphRecorder _graphs;
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
    private readonly StepGuardKernels _stepGuard;
    private readonly WeightNormKernels _weightNorm;
    private readonly DeterminantKernels _determinant;
    private readonly GlowStepKernels _glowStep;

    /// <summary>Kernel launches, host synchronisations and uploads of this backend so far.</summary>
    public LaunchCounter Counter => LaunchCounter.For(_accelerator);

    private IlgpuBackend(Context context, Accelerator accelerator, string name)
    {
        _context = context;
        _accelerator = accelerator;
        Name = name;
        DeviceDescription = Describe(accelerator);
        // The stream comes first: every kernel wrapper binds it at launch (LaunchCounter).
        _stream = accelerator is CudaAccelerator cuda ? cuda.CreateStream(StreamFlags.CU_STREAM_NON_BLOCKING) : accelerator.CreateStream();
        Counter.Stream = _stream;
        _staging = new PinnedUploadStaging(accelerator);
        _pool = new IlgpuBufferPool(this, accelerator);
        _graphs = new StepGraphRecorder(accelerator is CudaAccelerator ? CudaGraphDriver.Instance : new SimulatedGraphDriver(),
                                        StreamHandle, Counter, _pool);
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
        _stepGuard = new StepGuardKernels(accelerator, _reduction, _pool);
        _weightNorm = new WeightNormKernels(accelerator);
        _determinant = new DeterminantKernels(accelerator);
        _glowStep = new GlowStepKernels(accelerator, _reduction);
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

    public override string Name { get; }

    public override string DeviceDescription { get; }

    /// <summary>
    /// Which GEMM/convolution kernel runs: 1 = one thread per output, 2 = shared-memory tiles (default),
    /// 3 = index tables, 8×8 register blocks, double buffering, split-K and a 1×1 path (owed a GPU timing).
    /// </summary>
    public int GemmVersion
    {
        get => _gemmVersion;
        set => _gemmVersion = value is >= 1 and <= 3
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "GEMM/convolution kernel version must be 1, 2 or 3");
    }

    private int _gemmVersion = 2;

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

    /// <summary>The stream every launch and copy of this backend goes to.</summary>
    internal AcceleratorStream Stream => _stream;

    /// <summary>The driver's handle of <see cref="Stream"/> (a placeholder on the simulator, which has none).</summary>
    private IntPtr StreamHandle => _stream is CudaStream cuda ? cuda.StreamPtr : new IntPtr(1);

    /// <summary>Floats the page-locked upload buffer holds (0 before the first staged upload).</summary>
    internal long StagingCapacity => _staging.Capacity;

    /// <summary>Whether a staged upload may still be reading the page-locked buffer.</summary>
    internal bool StagingInFlight => _staging.InFlight;

    /// <summary>Buffers reserved by a live step graph.</summary>
    internal int GraphReservedBuffers => _pool.ReservedCount;

    /// <summary>The driver the captures call; tests swap in a failing fake.</summary>
    internal ICudaGraphApi GraphApi
    {
        get => _graphs.Api;
        set => _graphs = new StepGraphRecorder(value, StreamHandle, Counter, _pool);
    }

    public string GraphDriver => _graphs.Api.Name;

    public void RunTraced(Action work) => _graphs.RunTraced(work);

    public StepGraph Capture(Action work) => _graphs.Capture(work);

    /// <summary>Inside a capture every host synchronisation is refused: it would invalidate a CUDA capture.</summary>
    private void RefuseDuringCapture(string what)
    {
        if (_graphs.Capturing) throw new GraphCaptureException($"{what} during the capture (a step graph may not wait for the device or copy from the host)");
    }

    /// <summary>Waits for the stream: every queued launch and copy has finished (and the staging buffer is free).</summary>
    private void WaitForStream()
    {
        _stream.Synchronize();
        _staging.StreamWaited();
        Counter.CountSync();
    }

    /// <summary>Device allocations made so far; constant once training reaches its steady state.</summary>
    public int AllocationCount => _pool.AllocationCount;

    public override BufferPoolStatistics PoolStatistics => _pool.Statistics;

    public override long PoolRetainLimitBytes
    {
        get => _pool.RetainLimitBytes;
        set => _pool.RetainLimitBytes = value;
    }

    public override void TrimPool() => _pool.Trim();

    public override void ResetPeakLiveBytes() => _pool.ResetPeak();

    /// <summary>The accelerator, for the register reports (<see cref="DriverKernelReport"/>) only.</summary>
    internal Accelerator AcceleratorForReports => _accelerator;

    /// <summary>Every kernel this backend loads, for <see cref="PtxCompileCheck"/>.</summary>
    internal IEnumerable<KernelEntry> KernelEntries() =>
        PtxCompileCheck.NonGenericKernels().Concat(_reduction.Loaded).Concat(_gemm.Loaded).Concat(_conv.GemmV3.Loaded).Concat(_weightNorm.Loaded);

    private static string Describe(Accelerator accelerator) => accelerator switch
    {
        CudaAccelerator cuda => $"{cuda.Name} ({cuda.Architecture}, {cuda.NumMultiprocessors} SMs, {cuda.MemorySize / (1024.0 * 1024 * 1024):F0} GiB)",
        _ => $"ILGPU CPU accelerator (simulated GPU threads, warp {accelerator.WarpSize}, {Environment.ProcessorCount} host cores)",
    };

    internal override bool Owns(DeviceBuffer buffer) => buffer is IlgpuBuffer && ReferenceEquals(buffer.Backend, this);

    /// <summary>The device view of a buffer already checked by the contract.</summary>
    private static ArrayView<float> V(DeviceBuffer buffer) => ((IlgpuBuffer)buffer).View;

    // ---- memory -------------------------------------------------------------------------------------

    protected override DeviceBuffer AllocateCore(int length) => _pool.Rent(length);

    protected override void UploadCore(ReadOnlySpan<float> source, DeviceBuffer destination)
    {
        RefuseDuringCapture("an upload");
        Counter.CountUpload();
        if (_staging.TryUpload(source, V(destination), _stream)) return;
        // Too large to stage, or the staging buffer is still being read: ILGPU's copy, which waits for the stream.
        V(destination).SubView(0, source.Length).CopyFromCPU(_stream, source);
        _staging.StreamWaited();
        Counter.CountSync();
    }

    protected override void DownloadCore(DeviceBuffer source, Span<float> destination)
    {
        RefuseDuringCapture("a download");
        V(source).SubView(0, destination.Length).CopyToCPU(_stream, destination);
        WaitForStream();
        if (Counter.CountOnly) destination.Clear(); // no kernel ran: read zeros (no flag set), not stale memory
    }

    protected override void FillCore(DeviceBuffer destination, float value) => _elementwise.Fill(V(destination), destination.Length, value);

    protected override void CopyCore(DeviceBuffer source, DeviceBuffer destination, int count) =>
        _elementwise.Unary(UnaryOp.Copy, V(source), V(destination), count, 0f);

    protected override void SynchronizeCore()
    {
        RefuseDuringCapture("a synchronisation");
        WaitForStream();
    }

    // ---- element-wise ---------------------------------------------------------------------------------

    protected override void UnaryCore(UnaryOp op, DeviceBuffer x, DeviceBuffer y, int count, float alpha) =>
        _elementwise.Unary(op, V(x), V(y), count, alpha);

    protected override void UnaryBackwardCore(UnaryOp op, DeviceBuffer x, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx, int count, float alpha) =>
        _elementwise.UnaryBackward(op, V(x), V(y), V(dy), V(dx), count, alpha);

    protected override void HighwayGateCore(DeviceBuffer a, DeviceBuffer t, DeviceBuffer h, DeviceBuffer y, int count) =>
        _elementwise.HighwayGate(V(a), V(t), V(h), V(y), count);

    protected override void HighwayGateBackwardCore(DeviceBuffer a, DeviceBuffer t, DeviceBuffer h, DeviceBuffer dy,
                                                    DeviceBuffer da, DeviceBuffer dt, DeviceBuffer dh, int count) =>
        _elementwise.HighwayGateBackward(V(a), V(t), V(h), V(dy), V(da), V(dt), V(dh), count);

    protected override void BinaryCore(BinaryOp op, DeviceBuffer a, Ncs aShape, DeviceBuffer b, Ncs bShape, DeviceBuffer c, Ncs cShape) =>
        _elementwise.Binary(op, V(a), aShape, V(b), bShape, V(c), cShape);

    protected override void AxpyCore(float alpha, DeviceBuffer x, DeviceBuffer y, int count) => _elementwise.Axpy(alpha, V(x), V(y), count);

    // ---- reductions -----------------------------------------------------------------------------------

    protected override void SumToCore(DeviceBuffer x, Ncs xShape, DeviceBuffer y, Ncs yShape)
    {
        if (yShape == xShape) _elementwise.Unary(UnaryOp.Copy, V(x), V(y), xShape.Length, 0f);
        else _reductions.SumTo(V(x), xShape, V(y), yShape);
    }

    protected override void ChannelMomentsCore(DeviceBuffer x, Ncs shape, DeviceBuffer mean, DeviceBuffer variance) =>
        _reductions.ChannelMoments(V(x), shape, V(mean), V(variance));

    protected override void WeightNormForwardCore(DeviceBuffer g, DeviceBuffer v, DeviceBuffer w, DeviceBuffer norms, int rows, int rest) =>
        _weightNorm.Forward(V(g), V(v), V(w), V(norms), rows, rest);

    protected override void WeightNormBackwardCore(DeviceBuffer g, DeviceBuffer v, DeviceBuffer norms, DeviceBuffer dw, DeviceBuffer dg,
                                                   DeviceBuffer dv, int rows, int rest) =>
        _weightNorm.Backward(V(g), V(v), V(norms), V(dw), V(dg), V(dv), rows, rest);

    protected override void BatchNormStatisticsCore(DeviceBuffer x, Ncs shape, DeviceBuffer mean, DeviceBuffer invStd,
                                                    DeviceBuffer runningMean, DeviceBuffer runningVar, float momentum, float epsilon) =>
        _batchNorm.Statistics(new BatchNormKernels.StatisticsOp
        {
            X = V(x), Mean = V(mean), InvStd = V(invStd), RunningMean = V(runningMean), RunningVar = V(runningVar),
            C = shape.C, S = shape.S, Count = shape.N * shape.S, Momentum = momentum, Epsilon = epsilon,
        }, shape);

    protected override void LogAbsDeterminantCore(DeviceBuffer weight, int n, DeviceBuffer logAbsDet, DeviceBuffer inverseTranspose, DeviceBuffer lu) =>
        _determinant.LogAbsDeterminant(V(weight), n, V(logAbsDet), V(inverseTranspose), V(lu));

    protected override double SumOfSquaresCore(DeviceBuffer x, int count)
    {
        RefuseDuringCapture("SumOfSquares (a host read)");
        double sum = _reductions.SumOfSquares(_pool, _accelerator, V(x), count);
        _staging.StreamWaited();
        return sum;
    }

    protected override void SumOfSquaresIntoCore(DeviceBuffer x, int count, DeviceBuffer sums, int slot) =>
        _stepGuard.SumOfSquaresInto(V(x), count, V(sums), slot);

    protected override void ClipCoefficientsCore(DeviceBuffer sums, DeviceBuffer maxNorms, int groups, DeviceBuffer coefficients, DeviceBuffer flag) =>
        _stepGuard.ClipCoefficients(V(sums), V(maxNorms), groups, V(coefficients), V(flag));

    protected override void FlagNonFiniteCore(DeviceBuffer x, int count, DeviceBuffer flag) => _stepGuard.FlagNonFinite(V(x), count, V(flag));

    // ---- layout ---------------------------------------------------------------------------------------

    protected override void CopyChannelsCore(DeviceBuffer source, int sourceChannels, int sourceOffset,
                                             DeviceBuffer destination, int destinationChannels, int destinationOffset,
                                             int count, int batch, int spatial) =>
        _layout.CopyChannels(V(source), sourceChannels, sourceOffset, V(destination), destinationChannels, destinationOffset, count, batch, spatial);

    protected override void Squeeze2x2Core(DeviceBuffer x, DeviceBuffer y, int batch, int channels, int height, int width) =>
        _layout.Squeeze(V(x), V(y), batch, channels, height, width, inverse: false);

    protected override void Unsqueeze2x2Core(DeviceBuffer y, DeviceBuffer x, int batch, int channels, int height, int width) =>
        _layout.Squeeze(V(x), V(y), batch, channels, height, width, inverse: true);

    // ---- dense linear algebra -------------------------------------------------------------------------

    protected override void MatMulCore(DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, int m, int k, int n,
                                       bool transposeA, bool transposeB, bool accumulate)
    {
        if (GemmVersion == 3)
        {
            _conv.GemmV3.MatMul(V(a), V(b), V(c), m, k, n, transposeA, transposeB, accumulate);
            return;
        }
        _gemm.Run(new MatrixA { Data = V(a), M = m, K = k, Transposed = transposeA ? 1 : 0 },
                  new MatrixB { Data = V(b), K = k, N = n, Transposed = transposeB ? 1 : 0 },
                  new MatrixStore { Data = V(c), N = n, Accumulate = accumulate ? 1 : 0 }, m, n, k, GemmVersion);
    }

    protected override void Conv2dForwardCore(DeviceBuffer x, DeviceBuffer weight, DeviceBuffer? bias, DeviceBuffer y, ConvGeometry g) =>
        _conv.Forward(V(x), V(weight), bias is null ? default : V(bias), bias is not null, V(y), g, GemmVersion);

    protected override void Conv2dBackwardDataCore(DeviceBuffer dy, DeviceBuffer weight, DeviceBuffer dx, ConvGeometry g) =>
        _conv.BackwardData(V(dy), V(weight), V(dx), g, GemmVersion);

    protected override void Conv2dBackwardWeightCore(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw, ConvGeometry g) =>
        _conv.BackwardWeight(V(x), V(dy), V(dw), g, GemmVersion);

    protected override void Conv2dBackwardWeightAndBiasCore(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw, DeviceBuffer db, ConvGeometry g)
    {
        if (GemmVersion != 3)
        {
            _conv.BackwardWeightAndBias(V(x), V(dy), V(dw), V(db), g, GemmVersion);
            return;
        }
        // v3 has no bias column yet: its weight gradient, then the bias as a reduction of its own (one launch more).
        _conv.BackwardWeight(V(x), V(dy), V(dw), g, GemmVersion);
        _reductions.SumTo(V(dy), new Ncs(g.Batch, g.OutChannels, g.OutHeight * g.OutWidth), V(db), new Ncs(1, g.OutChannels, 1));
    }

    // ---- pooling --------------------------------------------------------------------------------------

    protected override void MaxPool2dForwardCore(DeviceBuffer x, DeviceBuffer y, PoolGeometry g) => _maxPool.Forward(V(x), V(y), g);

    protected override void MaxPool2dBackwardCore(DeviceBuffer x, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx, PoolGeometry g) =>
        _maxPool.Backward(V(x), V(y), V(dy), V(dx), g);

    // ---- normalization --------------------------------------------------------------------------------

    protected override void BatchNormApplyCore(DeviceBuffer x, DeviceBuffer mean, DeviceBuffer invStd, DeviceBuffer gamma, DeviceBuffer beta,
                                               DeviceBuffer y, Ncs shape, bool relu) =>
        _batchNorm.Apply(new BatchNormKernels.NormArgs
        {
            X = V(x), Mean = V(mean), InvStd = V(invStd), Gamma = V(gamma), Beta = V(beta), Y = V(y), C = shape.C, S = shape.S,
            Relu = relu ? 1 : 0,
        }, shape.Length);

    protected override void BatchNormBackwardCore(DeviceBuffer x, DeviceBuffer mean, DeviceBuffer invStd, DeviceBuffer gamma, DeviceBuffer dy,
                                                  DeviceBuffer dx, DeviceBuffer dgamma, DeviceBuffer dbeta, Ncs shape, bool batchStatistics,
                                                  DeviceBuffer? reluOutput) =>
        _batchNorm.Backward(new BatchNormKernels.GradientSumsOp
        {
            X = V(x), Mean = V(mean), InvStd = V(invStd), Gamma = V(gamma), Dy = V(dy), Dx = V(dx), DGamma = V(dgamma), DBeta = V(dbeta),
            // Without a ReLU the mask view is unused; dy stands in so that every view is valid.
            ReluOutput = reluOutput is null ? V(dy) : V(reluOutput),
            Relu = reluOutput is null ? 0 : 1,
            C = shape.C, S = shape.S,
        }, shape, batchStatistics);

    // ---- flow layers ----------------------------------------------------------------------------------

    protected override void CouplingForwardCore(DeviceBuffer x, DeviceBuffer raw, DeviceBuffer t, DeviceBuffer scale, DeviceBuffer? mask,
                                                DeviceBuffer y, DeviceBuffer logdet, Ncs shape) =>
        CouplingMap(x, raw, t, scale, mask, y, logdet, shape, inverse: false);

    protected override void CouplingInverseCore(DeviceBuffer y, DeviceBuffer raw, DeviceBuffer t, DeviceBuffer scale, DeviceBuffer? mask,
                                                DeviceBuffer x, DeviceBuffer logdet, Ncs shape) =>
        CouplingMap(y, raw, t, scale, mask, x, logdet, shape, inverse: true);

    private void CouplingMap(DeviceBuffer input, DeviceBuffer raw, DeviceBuffer t, DeviceBuffer scale, DeviceBuffer? mask,
                             DeviceBuffer output, DeviceBuffer logdet, Ncs shape, bool inverse) =>
        _coupling.Forward(new CouplingKernels.ForwardOp
        {
            In = V(input), Raw = V(raw), T = V(t), Scale = V(scale),
            Mask = mask is null ? default : V(mask), HasMask = mask is null ? 0 : 1,
            Out = V(output), LogDet = V(logdet),
            Inverse = inverse ? 1 : 0, S = shape.S, ElementsPerSample = shape.C * shape.S,
        }, shape);

    protected override void CouplingBackwardCore(DeviceBuffer x, DeviceBuffer raw, DeviceBuffer t, DeviceBuffer scale, DeviceBuffer? mask,
                                                 DeviceBuffer dy, DeviceBuffer dlogdet,
                                                 DeviceBuffer dx, DeviceBuffer draw, DeviceBuffer dt, DeviceBuffer dscale, Ncs shape) =>
        _coupling.Backward(new CouplingKernels.BackwardOp
        {
            X = V(x), Raw = V(raw), T = V(t), Scale = V(scale),
            Mask = mask is null ? default : V(mask), HasMask = mask is null ? 0 : 1,
            Dy = V(dy), DLogDet = V(dlogdet), Dx = V(dx), DRaw = V(draw), Dt = V(dt), DScale = V(dscale),
            C = shape.C, S = shape.S,
        }, shape);

    protected override void ActNormForwardCore(DeviceBuffer x, DeviceBuffer bias, DeviceBuffer logScale, DeviceBuffer y, Ncs shape) =>
        _actNorm.Map(V(x), V(bias), V(logScale), V(y), shape, inverse: false);

    protected override void ActNormInverseCore(DeviceBuffer y, DeviceBuffer bias, DeviceBuffer logScale, DeviceBuffer x, Ncs shape) =>
        _actNorm.Map(V(y), V(bias), V(logScale), V(x), shape, inverse: true);

    protected override void ActNormBackwardCore(DeviceBuffer x, DeviceBuffer bias, DeviceBuffer logScale, DeviceBuffer dy,
                                                DeviceBuffer dx, DeviceBuffer dbias, DeviceBuffer dlogScale, Ncs shape) =>
        _actNorm.Backward(new ActNormKernels.BackwardOp
        {
            X = V(x), Bias = V(bias), LogScale = V(logScale), Dy = V(dy),
            Dx = V(dx), DBias = V(dbias), DLogScale = V(dlogScale), C = shape.C, S = shape.S,
        }, shape);

    protected override void Conv1x1Core(DeviceBuffer x, DeviceBuffer weight, DeviceBuffer y, Ncs shape, bool transposeWeight) =>
        _conv.Conv1x1(V(x), V(weight), V(y), shape, transposeWeight, GemmVersion);

    // ---- optimizers -----------------------------------------------------------------------------------

    protected override void AdamStepCore(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer m, DeviceBuffer v, int count, AdamSettings settings) =>
        _optimizers.Adam(new OptimizerKernels.AdamArgs
        {
            Parameter = V(parameter), Gradient = V(gradient), M = V(m), V = V(v),
            Beta1 = settings.Beta1, Beta2 = settings.Beta2, Epsilon = settings.Epsilon, WeightDecay = settings.WeightDecay,
            StepSize = settings.LearningRate / settings.BiasCorrection1,
            InvSqrtBiasCorrection2 = 1f / MathF.Sqrt(settings.BiasCorrection2),
        }, count);

    protected override void RmsPropStepCore(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer squareAverage, int count, RmsPropSettings settings) =>
        _optimizers.RmsProp(new OptimizerKernels.RmsPropArgs
        {
            Parameter = V(parameter), Gradient = V(gradient), SquareAverage = V(squareAverage),
            LearningRate = settings.LearningRate, Alpha = settings.Alpha, Epsilon = settings.Epsilon, WeightDecay = settings.WeightDecay,
        }, count);

    protected override void AdamStepGuardedCore(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer m, DeviceBuffer v, int count,
                                                AdamSettings settings, float decay, StepGuard guard) =>
        _optimizers.AdamGuarded(new OptimizerKernels.AdamArgs
        {
            Parameter = V(parameter), Gradient = V(gradient), M = V(m), V = V(v),
            Beta1 = settings.Beta1, Beta2 = settings.Beta2, Epsilon = settings.Epsilon, WeightDecay = settings.WeightDecay,
            StepSize = settings.LearningRate / settings.BiasCorrection1,
            InvSqrtBiasCorrection2 = 1f / MathF.Sqrt(settings.BiasCorrection2),
        }, Guard(guard, decay), count);

    protected override void RmsPropStepGuardedCore(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer squareAverage, int count,
                                                   RmsPropSettings settings, StepGuard guard) =>
        _optimizers.RmsPropGuarded(new OptimizerKernels.RmsPropArgs
        {
            Parameter = V(parameter), Gradient = V(gradient), SquareAverage = V(squareAverage),
            LearningRate = settings.LearningRate, Alpha = settings.Alpha, Epsilon = settings.Epsilon, WeightDecay = settings.WeightDecay,
        }, Guard(guard, 1f), count);

    private static OptimizerKernels.GuardArgs Guard(StepGuard guard, float decay) =>
        new() { Coefficients = V(guard.Coefficients), Flag = V(guard.Flag), Group = guard.Group, Decay = decay };

    // ---- random numbers -------------------------------------------------------------------------------

    protected override void FillUniformCore(DeviceBuffer destination, int count, ulong seed, ulong offset) =>
        _random.Fill(V(destination), count, seed, offset, normal: false);

    protected override void FillUniformCountedCore(DeviceBuffer destination, int count, ulong seed, DeviceBuffer counter) =>
        _random.FillCounted(V(destination), count, seed, V(counter));

    protected override void FillNormalCore(DeviceBuffer destination, int count, ulong seed, ulong offset) =>
        _random.Fill(V(destination), count, seed, offset, normal: true);

    protected override void DisposeCore()
    {
        _accelerator.Synchronize();
        _staging.Dispose();
        _pool.Dispose();
        _stream.Dispose();
        _accelerator.Dispose();
        _context.Dispose();
    }
}
