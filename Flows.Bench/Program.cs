using Flows.Bench.Cpu;
using Flows.Bench.EndToEnd;
using Flows.Bench.Features;
using Flows.Bench.Gpu;
using Flows.Kernels.Devices;
using Flows.Training.Cli;

namespace Flows.Bench;

/// <summary>
/// Entry point, on the same command-line layer as the app (Flows.Training/Cli, linked in): our own subcommands
/// (gpu-check, fma-peak, step, features, conv), each with its declared options, and `benchmarks`, which hands its
/// arguments to BenchmarkDotNet and is also what runs with no command or when the first word is an option
/// (`Flows.Bench --filter '*Conv*'`). `Flows.Bench COMMAND --help` lists a command's options. A command line that
/// cannot be understood ends in one line and exit code 2.
/// </summary>
public static class Program
{
    public static CommandLineApp App { get; } = new("Flows.Bench",
        "Flows.Bench: microbenchmarks (BenchmarkDotNet) and end-to-end throughput runs of FlowsFromScratch.",
        [GpuCheck.Spec, FmaPeak.Spec, StepBenchmark.Spec, FeaturesBenchmark.Spec, ConvThroughput.Spec, WinogradBenchmarks.Spec, MicroBenchmarks.Spec],
        MicroBenchmarks.Spec, typeof(Program).Assembly);

    public static int Main(string[] args)
    {
        try
        {
            return App.Run(args);
        }
        catch (UsageException e) { return Fail(2, e.Message); }
        catch (ArgumentException e) { return Fail(2, e.Message); }
        catch (DeviceUnavailableException e) { return Fail(5, e.Message); }
    }

    private static int Fail(int code, string message)
    {
        Console.Out.Flush();
        Console.Error.WriteLine($"error: {message}");
        return code;
    }
}
