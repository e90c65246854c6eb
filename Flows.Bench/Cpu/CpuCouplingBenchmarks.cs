using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Flows.Kernels;
using Flows.Kernels.Cpu;

namespace Flows.Bench.Cpu;

/// <summary>
/// The fused affine coupling on the CPU at the paper's FashionMNIST shapes (checkerboard mask on 1x28x28,
/// channel-wise on the squeezed 4x14x14). GB/s counts each float array read or written once.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
[SimpleJob(warmupCount: 2, iterationCount: 5)]
public class CpuCouplingBenchmarks
{
    private static readonly Dictionary<string, (Ncs Shape, bool Masked)> Cases = new()
    {
        ["b64 1x28x28 checkerboard"] = (new Ncs(64, 1, 28 * 28), true),
        ["b64 4x14x14"] = (new Ncs(64, 4, 14 * 14), false),
    };

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new ThroughputColumn("GB/s", "bytes of the float arrays read and written per second", Bytes, 1e9));

        private static double? Bytes(BenchmarkDotNet.Running.BenchmarkCase c)
        {
            var (shape, masked) = Cases[ThroughputColumn.Parameter(c, nameof(Case))];
            // Full-size arrays touched: forward/inverse read 3 (x, raw, t) and write 1; backward reads 4, writes 3.
            int arrays = c.Descriptor.WorkloadMethod.Name == nameof(Backward) ? 7 : 4;
            double maskBytes = masked ? shape.C * shape.S * 4.0 : 0;
            return arrays * shape.Length * 4.0 + maskBytes;
        }
    }

    private ManagedCpuBackend _backend = null!;
    private DeviceBuffer _x = null!, _raw = null!, _t = null!, _scale = null!, _y = null!, _logdet = null!, _dy = null!,
                         _dlogdet = null!, _dx = null!, _draw = null!, _dt = null!, _dscale = null!;
    private DeviceBuffer? _mask;
    private Ncs _shape;

    [ParamsSource(nameof(CaseNames))]
    public string Case { get; set; } = "";

    public static IEnumerable<string> CaseNames => Cases.Keys;

    [GlobalSetup]
    public void Setup()
    {
        (_shape, bool masked) = Cases[Case];
        _backend = new ManagedCpuBackend();
        int n = _shape.Length;
        DeviceBuffer Normal(int length, ulong seed)
        {
            var buffer = _backend.Allocate(length);
            _backend.FillNormal(buffer, length, seed, 0);
            return buffer;
        }
        _x = Normal(n, 1);
        _raw = Normal(n, 2);
        _t = Normal(n, 3);
        _dy = Normal(n, 4);
        _dlogdet = Normal(_shape.N, 5);
        _scale = _backend.Allocate(_shape.C);
        _backend.Fill(_scale, 1f);
        if (masked)
        {
            var mask = new float[_shape.C * _shape.S];
            for (int i = 0; i < mask.Length; i++) mask[i] = ((i / 28) + i) % 2;
            _mask = _backend.Allocate(mask.Length);
            _backend.Upload(mask, _mask);
        }
        _y = _backend.Allocate(n);
        _logdet = _backend.Allocate(_shape.N);
        _dx = _backend.Allocate(n);
        _draw = _backend.Allocate(n);
        _dt = _backend.Allocate(n);
        _dscale = _backend.Allocate(_shape.C);
    }

    [Benchmark]
    public void Forward() => _backend.CouplingForward(_x, _raw, _t, _scale, _mask, _y, _logdet, _shape);

    [Benchmark]
    public void Inverse() => _backend.CouplingInverse(_x, _raw, _t, _scale, _mask, _y, _logdet, _shape);

    [Benchmark]
    public void Backward() =>
        _backend.CouplingBackward(_x, _raw, _t, _scale, _mask, _dy, _dlogdet, _dx, _draw, _dt, _dscale, _shape);

    [GlobalCleanup]
    public void Cleanup() => _backend.Dispose();
}
