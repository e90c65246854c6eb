using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Flows.Training.Cli;

namespace Flows.Bench.Cpu;

/// <summary>
/// `Flows.Bench fma-peak`: the machine's measured FMA peak, the ceiling the kernel GFLOP/s in
/// docs/PERFORMANCE.md are read against. Twelve independent 256-bit FMA chains per thread (enough to cover
/// the FMA latency on two pipes), no memory traffic; one thread, then one per core.
/// </summary>
public static class FmaPeak
{
    public static CommandSpec Spec { get; } = new("fma-peak",
        "The measured FMA peak (GFLOP/s), one thread and one per core: the ceiling of the kernel numbers.", [], Run);

    public static int Run(ParsedArgs args)
    {
        const long iterations = 200_000_000;
        if (!Vector256.IsHardwareAccelerated)
        {
            Console.Error.WriteLine("error: fma-peak needs 256-bit vectors (AVX2); this processor has none");
            return 2;
        }
        Chains(1000); // JIT and warm up
        double one = Measure(1, iterations);
        int cores = Environment.ProcessorCount;
        double all = Measure(cores, iterations);
        Console.WriteLine($"FMAPEAK threads=1 gflops={one:F1}");
        Console.WriteLine($"FMAPEAK threads={cores} gflops={all:F1}");
        return 0;
    }

    /// <summary>GFLOP/s of <paramref name="threads"/> threads each running the chains; best of three.</summary>
    private static double Measure(int threads, long iterations)
    {
        double best = 0;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            var watch = Stopwatch.StartNew();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ => Chains(iterations / 2));
            double seconds = watch.Elapsed.TotalSeconds;
            // 12 FMAs × 8 lanes × 2 FLOPs per iteration.
            best = Math.Max(best, threads * (iterations / 2) * 12.0 * 8 * 2 / seconds / 1e9);
        }
        return best;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Chains(long iterations)
    {
        var m = Vector256.Create(0.999f);
        var a = Vector256.Create(1e-7f);
        Vector256<float> c0 = Vector256.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0,
                         c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, m, a); c1 = Vector256.FusedMultiplyAdd(c1, m, a);
            c2 = Vector256.FusedMultiplyAdd(c2, m, a); c3 = Vector256.FusedMultiplyAdd(c3, m, a);
            c4 = Vector256.FusedMultiplyAdd(c4, m, a); c5 = Vector256.FusedMultiplyAdd(c5, m, a);
            c6 = Vector256.FusedMultiplyAdd(c6, m, a); c7 = Vector256.FusedMultiplyAdd(c7, m, a);
            c8 = Vector256.FusedMultiplyAdd(c8, m, a); c9 = Vector256.FusedMultiplyAdd(c9, m, a);
            c10 = Vector256.FusedMultiplyAdd(c10, m, a); c11 = Vector256.FusedMultiplyAdd(c11, m, a);
        }
        var sum = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;
        return Vector256.Sum(sum);
    }
}
