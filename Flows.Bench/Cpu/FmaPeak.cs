using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Flows.Training.Cli;

namespace Flows.Bench.Cpu;

/// <summary>
/// `Flows.Bench fma-peak`: the machine's roofs, the ceilings the kernel numbers in docs/PERFORMANCE.md are read
/// against. The arithmetic roof runs independent FMA chains of the widest vector the JIT accelerates (512-bit on an
/// AVX-512 machine, else 256, else 128) with no memory traffic, as many chains as cover the FMA latency on two
/// pipes and fit the register file (<see cref="ChainCount"/>; the 256-bit number is printed beside the 512-bit
/// one, since that is what a 256-bit kernel can reach). The memory roof is <see cref="MemoryBandwidth"/>. Each runs on one thread, then one per core.
/// </summary>
public static class FmaPeak
{
    public static CommandSpec Spec { get; } = new("fma-peak",
        "The measured roofs: FMA peak (GFLOP/s, widest vector) and memory bandwidth (GB/s), one thread and one per core.", [], Run);

    /// <summary>Bits of the widest vector whose FMA the JIT accelerates here.</summary>
    public static int WidestBits =>
        Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0;

    public static int Run(ParsedArgs args)
    {
        int bits = WidestBits;
        if (bits == 0)
        {
            Console.Error.WriteLine("error: fma-peak needs hardware vectors (SSE, AVX2 or AVX-512); this processor reports none");
            return 2;
        }
        int cores = Environment.ProcessorCount;
        // per_core_cpu_second: FLOPs per second of CPU time the process got, per thread; on a shared machine
        // that is the rate a core reaches while this program runs on it, however often others take it away.
        foreach (int width in bits == 512 ? new[] { 512, 256 } : new[] { bits })
            foreach (int threads in new[] { 1, cores })
            {
                double wall = Measure(width, threads, 0.4, out double perCpuSecond);
                Console.WriteLine($"FMAPEAK bits={width} threads={threads} gflops={wall:F1} per_core_cpu_second={perCpuSecond:F1}");
            }
        foreach (var kernel in new[] { MemoryBandwidth.Kernel.Copy, MemoryBandwidth.Kernel.Triad })
        {
            Console.WriteLine($"BANDWIDTH kernel={kernel.ToString().ToLowerInvariant()} threads=1 gbs={MemoryBandwidth.Measure(kernel, 1):F1}");
            Console.WriteLine($"BANDWIDTH kernel={kernel.ToString().ToLowerInvariant()} threads={cores} gbs={MemoryBandwidth.Measure(kernel, cores):F1}");
        }
        return 0;
    }

    /// <summary>
    /// GFLOP/s of <paramref name="threads"/> threads each running FMA chains of <paramref name="bits"/>-bit vectors
    /// for about <paramref name="seconds"/>; best of three.
    /// </summary>
    public static double Measure(int bits, int threads, double seconds) => Measure(bits, threads, seconds, out _);

    /// <inheritdoc cref="Measure(int, int, double)"/>
    /// <param name="perCpuSecond">The best attempt's GFLOP per second of process CPU time per thread.</param>
    public static double Measure(int bits, int threads, double seconds, out double perCpuSecond)
    {
        int lanes = bits / 32;
        Chains(bits, 1000); // JIT and warm up
        // Size the run from a short probe so every machine spends about the same time.
        var probe = Stopwatch.StartNew();
        Chains(bits, 1_000_000);
        long iterations = Math.Max(1_000_000, (long)(1_000_000 * seconds / 3 / Math.Max(probe.Elapsed.TotalSeconds, 1e-6)));
        double best = 0;
        perCpuSecond = 0;
        using var process = Process.GetCurrentProcess();
        for (int attempt = 0; attempt < 3; attempt++)
        {
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ => Chains(bits, iterations));
            double elapsed = watch.Elapsed.TotalSeconds;
            process.Refresh();
            double cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
            // ChainCount FMAs × lanes × 2 FLOPs per iteration.
            double gflop = threads * iterations * (double)ChainCount(bits) * lanes * 2 / 1e9;
            best = Math.Max(best, gflop / elapsed);
            if (cpu > 0) perCpuSecond = Math.Max(perCpuSecond, gflop / cpu);
        }
        return best;
    }

    /// <summary>
    /// Independent FMA chains per loop iteration. They must cover latency × pipes (4 × 2 on the AVX-512 cores we
    /// had, 5 × 2 on Zen 2) and, with the two loop-invariant operands, fit the register file: 16 chains + 2 fit
    /// AVX-512's 32 registers, but on AVX2's 16 they spilled and `fma-peak` printed 46 GFLOP/s per core on a Zen 2
    /// whose 3×3 convolutions ran at 70 (docs/PERFORMANCE.md, "CPU roofline"); 12 + 2 fit.
    /// </summary>
    internal static int ChainCount(int bits) => bits == 512 ? 16 : 12;

    private static float Chains(int bits, long iterations) => bits switch
    {
        512 => Chains512(iterations),
        256 => Chains256(iterations),
        _ => Chains128(iterations),
    };

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Chains512(long iterations)
    {
        var m = Vector512.Create(0.999f);
        var a = Vector512.Create(1e-7f);
        Vector512<float> c0 = Vector512.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0,
                         c8 = c0, c9 = c0, c10 = c0, c11 = c0, c12 = c0, c13 = c0, c14 = c0, c15 = c0;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, m, a); c1 = Vector512.FusedMultiplyAdd(c1, m, a);
            c2 = Vector512.FusedMultiplyAdd(c2, m, a); c3 = Vector512.FusedMultiplyAdd(c3, m, a);
            c4 = Vector512.FusedMultiplyAdd(c4, m, a); c5 = Vector512.FusedMultiplyAdd(c5, m, a);
            c6 = Vector512.FusedMultiplyAdd(c6, m, a); c7 = Vector512.FusedMultiplyAdd(c7, m, a);
            c8 = Vector512.FusedMultiplyAdd(c8, m, a); c9 = Vector512.FusedMultiplyAdd(c9, m, a);
            c10 = Vector512.FusedMultiplyAdd(c10, m, a); c11 = Vector512.FusedMultiplyAdd(c11, m, a);
            c12 = Vector512.FusedMultiplyAdd(c12, m, a); c13 = Vector512.FusedMultiplyAdd(c13, m, a);
            c14 = Vector512.FusedMultiplyAdd(c14, m, a); c15 = Vector512.FusedMultiplyAdd(c15, m, a);
        }
        var sum = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13 + c14 + c15;
        return Vector512.Sum(sum);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Chains256(long iterations)
    {
        var m = Vector256.Create(0.999f);
        var a = Vector256.Create(1e-7f);
        Vector256<float> c0 = Vector256.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0,
                         c8 = c0, c9 = c0, c10 = c0, c11 = c0;
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

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Chains128(long iterations)
    {
        var m = Vector128.Create(0.999f);
        var a = Vector128.Create(1e-7f);
        Vector128<float> c0 = Vector128.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0,
                         c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector128.FusedMultiplyAdd(c0, m, a); c1 = Vector128.FusedMultiplyAdd(c1, m, a);
            c2 = Vector128.FusedMultiplyAdd(c2, m, a); c3 = Vector128.FusedMultiplyAdd(c3, m, a);
            c4 = Vector128.FusedMultiplyAdd(c4, m, a); c5 = Vector128.FusedMultiplyAdd(c5, m, a);
            c6 = Vector128.FusedMultiplyAdd(c6, m, a); c7 = Vector128.FusedMultiplyAdd(c7, m, a);
            c8 = Vector128.FusedMultiplyAdd(c8, m, a); c9 = Vector128.FusedMultiplyAdd(c9, m, a);
            c10 = Vector128.FusedMultiplyAdd(c10, m, a); c11 = Vector128.FusedMultiplyAdd(c11, m, a);
        }
        var sum = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;
        return Vector128.Sum(sum);
    }
}
