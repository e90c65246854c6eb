using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Flows.Kernels;
using Flows.Kernels.Cpu;

namespace Flows.Bench.Cpu;

/// <summary>
/// The forward convolution's versions side by side (llm.c habit): v1 explicit im2col + unpacked row GEMM,
/// v2 explicit im2col + packed GEMM, and the current kernel (im2col fused into packing).
/// </summary>
[Config(typeof(Config))]
[SimpleJob(warmupCount: 1, iterationCount: 3)]
public class CpuConvVersionsBenchmarks
{
    private static readonly ConvGeometry Geometry = ConvGeometry.Same(64, 64, 16, 16, 64, 3);

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new ThroughputColumn("GFLOP/s", "direct-convolution FLOPs per second", _ => Geometry.Flops, 1e9));
    }

    private ManagedCpuBackend _backend = null!;
    private CpuBuffer _x = null!, _w = null!, _y = null!;

    [GlobalSetup]
    public void Setup()
    {
        _backend = new ManagedCpuBackend();
        _x = (CpuBuffer)_backend.Allocate(Geometry.InputLength);
        _w = (CpuBuffer)_backend.Allocate(Geometry.WeightLength);
        _y = (CpuBuffer)_backend.Allocate(Geometry.OutputLength);
        _backend.FillNormal(_x, Geometry.InputLength, 1, 0);
        _backend.FillNormal(_w, Geometry.WeightLength, 2, 0);
    }

    [Benchmark]
    public void V1ExplicitIm2ColRowGemm() => ConvForwardV1.Run(_x.Array, _w.Array, _y.Array, Geometry, packedGemm: false);

    [Benchmark]
    public void V2ExplicitIm2ColPackedGemm() => ConvForwardV1.Run(_x.Array, _w.Array, _y.Array, Geometry, packedGemm: true);

    [Benchmark(Baseline = true)]
    public void Current() => _backend.Conv2dForward(_x, _w, null, _y, Geometry);

    [GlobalCleanup]
    public void Cleanup() => _backend.Dispose();
}
