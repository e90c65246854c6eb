using BenchmarkDotNet.Running;
using Flows.Bench.Cpu;
using Flows.Bench.EndToEnd;
using Flows.Bench.Features;
using Flows.Bench.Gpu;

namespace Flows.Bench;

/// <summary>
/// Entry point. Subcommands of our own come first; anything else goes to BenchmarkDotNet, which runs the
/// benchmark classes of this assembly (e.g. `Flows.Bench --filter '*Conv*'`).
///   gpu-check [--device cuda|ilgpu-cpu] [--quick] [--out DIR]   validate and time every ILGPU kernel
///   fma-peak   the measured FMA peak, one thread and all cores
///   step --model realnvp|glow --mid M --blocks B [--K K] --batch N --steps S --device cpu|cuda   end-to-end step
///   features [--size 32] [--rounds 3] [--warmup 1] [--images 64] [--threads 2] [--profile 1]   ResNet-18 embeddings, ours vs ONNX Runtime
///   conv [--shapes B:CIN:COUT:K:HxW[:S[:P]] or resnet18,...] [--reps N] [--warmup N] [--device cpu] [--passes ...]   convolution passes in GFLOP/s
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        string command = args.Length > 0 ? args[0] : "";
        switch (command)
        {
            case "gpu-check":
                return GpuCheck.Run(args[1..]);
            case "step":
                return StepBenchmark.Run(args[1..]);
            case "fma-peak":
                return FmaPeak.Run(args[1..]);
            case "conv":
                return ConvThroughput.Run(args[1..]);
            case "features":
                return FeaturesBenchmark.Run(args[1..]);
            default:
                var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
                return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
        }
    }
}
