using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Flows.Kernels;
using Flows.Kernels.Cpu;

namespace Flows.Bench.Cpu;

/// <summary>
/// The memory-bound CPU kernels of a training step at the paper's activation shapes (RealNVP's 64 channels at
/// 28×28 and 128 at 14×14, batch 32: 1.6 M floats): BatchNorm apply and backward, ReLU forward and backward,
/// Glow's fused highway gate both ways, the bias-gradient SumTo, and one Adam update over as many parameters.
/// GB/s counts each full-size float array read or written once (the machine's memory bandwidth is the ceiling).
/// `dotnet run -c Release --project Flows.Bench -- --filter '*CpuElementwiseBenchmarks*'`
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
[SimpleJob(warmupCount: 2, iterationCount: 5)]
public class CpuElementwiseBenchmarks
{
    private static readonly Dictionary<string, Ncs> Shapes = new()
    {
        ["b32 64x28x28"] = new Ncs(32, 64, 28 * 28),
        ["b32 128x14x14"] = new Ncs(32, 128, 14 * 14),
    };

    /// <summary>Full-size arrays each benchmark reads plus writes.</summary>
    private static readonly Dictionary<string, int> Arrays = new()
    {
        [nameof(BatchNormApply)] = 2, [nameof(BatchNormBackward)] = 5, [nameof(ReluForward)] = 2,
        [nameof(ReluBackward)] = 3, [nameof(HighwayGate)] = 4, [nameof(HighwayGateBackward)] = 7,
        [nameof(BiasGradientSumTo)] = 1, [nameof(AdamStep)] = 5,
    };

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new ThroughputColumn("GB/s", "bytes of the full-size float arrays read and written per second",
            c => Arrays[c.Descriptor.WorkloadMethod.Name] * Shapes[ThroughputColumn.Parameter(c, nameof(Shape))].Length * 4.0, 1e9));
    }

    private ManagedCpuBackend _backend = null!;
    private DeviceBuffer _x = null!, _y = null!, _dy = null!, _dx = null!, _a = null!, _t = null!, _h = null!, _da = null!,
                         _dt = null!, _dh = null!, _m = null!, _v = null!, _mean = null!, _invStd = null!, _gamma = null!,
                         _beta = null!, _dgamma = null!, _dbeta = null!, _perChannel = null!;
    private Ncs _shape;

    [ParamsSource(nameof(ShapeNames))]
    public string Shape { get; set; } = "";

    public static IEnumerable<string> ShapeNames => Shapes.Keys;

    [GlobalSetup]
    public void Setup()
    {
        _shape = Shapes[Shape];
        _backend = new ManagedCpuBackend();
        int n = _shape.Length, c = _shape.C;
        ulong seed = 1;
        DeviceBuffer Normal(int length)
        {
            var buffer = _backend.Allocate(length);
            _backend.FillNormal(buffer, length, seed++, 0);
            return buffer;
        }
        DeviceBuffer Constant(int length, float value)
        {
            var buffer = _backend.Allocate(length);
            _backend.Fill(buffer, value);
            return buffer;
        }
        (_x, _dy, _a, _t, _h) = (Normal(n), Normal(n), Normal(n), Normal(n), Normal(n));
        (_y, _dx, _da, _dt, _dh) = (Constant(n, 0), Constant(n, 0), Constant(n, 0), Constant(n, 0), Constant(n, 0));
        (_m, _v) = (Constant(n, 0), Constant(n, 0.01f));
        (_mean, _invStd, _gamma, _beta) = (Normal(c), Constant(c, 1.3f), Constant(c, 1f), Constant(c, 0f));
        (_dgamma, _dbeta, _perChannel) = (Constant(c, 0), Constant(c, 0), Constant(c, 0));
    }

    [GlobalCleanup]
    public void Cleanup() => _backend.Dispose();

    [Benchmark]
    public void BatchNormApply() => _backend.BatchNormApply(_x, _mean, _invStd, _gamma, _beta, _y, _shape);

    [Benchmark]
    public void BatchNormBackward() =>
        _backend.BatchNormBackward(_x, _mean, _invStd, _gamma, _dy, _dx, _dgamma, _dbeta, _shape, batchStatistics: true);

    [Benchmark]
    public void ReluForward() => _backend.Unary(UnaryOp.Relu, _x, _y, _shape.Length);

    [Benchmark]
    public void ReluBackward() => _backend.UnaryBackward(UnaryOp.Relu, _x, _y, _dy, _dx, _shape.Length);

    [Benchmark]
    public void HighwayGate() => _backend.HighwayGate(_a, _t, _h, _y, _shape.Length);

    [Benchmark]
    public void HighwayGateBackward() => _backend.HighwayGateBackward(_a, _t, _h, _dy, _da, _dt, _dh, _shape.Length);

    [Benchmark]
    public void BiasGradientSumTo() => _backend.SumTo(_dy, _shape, _perChannel, new Ncs(1, _shape.C, 1));

    [Benchmark]
    public void AdamStep() => _backend.AdamStep(_a, _dy, _m, _v, _shape.Length, new AdamSettings(1e-3f, 0.9f, 0.999f, 1e-8f, 0f, 10));
}
