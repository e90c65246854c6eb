using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Flows.Kernels;
using Flows.Kernels.Cpu;

namespace Flows.Bench.Cpu;

/// <summary>
/// The managed CPU convolution kernels at the shapes of ANCHORS.md (libtorch: ≈ 210 GFLOP/s for the 16x16
/// forward on the 2-core machine) and the Glow-sized 1×1 convolution. GFLOP/s counts a multiply-add as two.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
[SimpleJob(warmupCount: 2, iterationCount: 5)]
public class CpuConvBenchmarks
{
    public static readonly IReadOnlyDictionary<string, ConvGeometry> Shapes = new Dictionary<string, ConvGeometry>
    {
        ["b64 64-64 28x28 k3"] = ConvGeometry.Same(64, 64, 28, 28, 64, 3),
        ["b64 64-64 16x16 k3"] = ConvGeometry.Same(64, 64, 16, 16, 64, 3),
        ["b32 128-128 14x14 k3"] = ConvGeometry.Same(32, 128, 14, 14, 128, 3),
        ["b64 128-128 14x14 k1"] = ConvGeometry.Same(64, 128, 14, 14, 128, 1),
    };

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new ThroughputColumn("GFLOP/s", "direct-convolution FLOPs per second",
            c => Shapes[ThroughputColumn.Parameter(c, nameof(Shape))].Flops, 1e9));
    }

    private ManagedCpuBackend _backend = null!;
    private DeviceBuffer _x = null!, _w = null!, _b = null!, _y = null!, _dx = null!, _dw = null!;
    private ConvGeometry _g;

    [ParamsSource(nameof(ShapeNames))]
    public string Shape { get; set; } = "";

    public static IEnumerable<string> ShapeNames => Shapes.Keys;

    [GlobalSetup]
    public void Setup()
    {
        _g = Shapes[Shape];
        _backend = new ManagedCpuBackend();
        _x = _backend.Allocate(_g.InputLength);
        _w = _backend.Allocate(_g.WeightLength);
        _b = _backend.Allocate(_g.OutChannels);
        _y = _backend.Allocate(_g.OutputLength);
        _dx = _backend.Allocate(_g.InputLength);
        _dw = _backend.Allocate(_g.WeightLength);
        _backend.FillNormal(_x, _g.InputLength, 1, 0);
        _backend.FillNormal(_w, _g.WeightLength, 2, 0);
        _backend.FillNormal(_y, _g.OutputLength, 3, 0);
        _backend.Fill(_b, 0.1f);
    }

    [Benchmark]
    public void Forward() => _backend.Conv2dForward(_x, _w, _b, _y, _g);

    [Benchmark]
    public void BackwardData() => _backend.Conv2dBackwardData(_y, _w, _dx, _g);

    [Benchmark]
    public void BackwardWeight() => _backend.Conv2dBackwardWeight(_x, _y, _dw, _g);

    [GlobalCleanup]
    public void Cleanup() => _backend.Dispose();
}
