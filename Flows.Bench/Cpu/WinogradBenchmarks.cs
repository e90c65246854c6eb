using System.Diagnostics;
using System.Globalization;
using Flows.Kernels;
using Flows.Kernels.Cpu;
using Flows.Kernels.Reference;
using Flows.Training.Cli;

namespace Flows.Bench.Cpu;

/// <summary>
/// `Flows.Bench winograd`: the direct GEMM convolution against Winograd F(2×2, 3×3) and F(4×4, 3×3) on the CPU, per
/// 3×3 shape and pass, timed in alternating rounds (direct, F2, F4, direct, …) so load from other processes falls on
/// all three alike; prints one `WINOGRAD ...` line per (shape, pass) with the medians, the speed-ups and what Auto
/// picks. `--error 1` adds each algorithm's largest error against the double reference on one sample, in units of
/// 2⁻²⁴·Σ|w||x| (docs/WINOGRAD.md). The rule in <see cref="WinogradSelection"/> is read off these lines.
/// </summary>
public static class WinogradBenchmarks
{
    /// <summary>
    /// Every 3×3 shape of the paper's FashionMNIST RealNVP (mid 64) and Glow (mid 200) and of the two small
    /// configurations (RealNVP mid 32, Glow mid 64), at the training batch 32, then the wide ones at eval batch 256.
    /// </summary>
    public const string PaperShapes =
        "32:2:32:3:28x28,32:32:32:3:28x28,32:4:64:3:14x14,32:64:64:3:14x14," +
        "32:2:64:3:14x14,32:4:64:3:7x7,32:64:64:3:7x7," +
        "32:2:64:3:28x28,32:64:64:3:28x28,32:4:128:3:14x14,32:128:128:3:14x14," +
        "32:2:200:3:14x14,32:200:200:3:14x14,32:4:200:3:7x7,32:200:200:3:7x7," +
        "256:2:32:3:28x28,256:32:32:3:28x28,256:64:64:3:14x14,256:64:64:3:7x7,256:64:64:3:28x28,256:128:128:3:14x14," +
        "256:200:200:3:14x14,256:200:200:3:7x7";

    private static readonly CpuConvAlgorithm[] Algorithms = [CpuConvAlgorithm.Direct, CpuConvAlgorithm.Winograd2, CpuConvAlgorithm.Winograd4];

    public static CommandSpec Spec { get; } = new("winograd",
        "Direct vs Winograd F(2x2,3x3) vs F(4x4,3x3) per 3x3 shape and pass, in alternating rounds; one WINOGRAD line each.",
        [
            new("shapes", "LIST", "B:CIN:COUT:3:HxW items, comma-separated (padding 1, stride 1)", PaperShapes),
            new("rounds", "N", "alternating rounds (each times every algorithm once)", "5"),
            new("reps", "N", "repetitions per algorithm and round (the round keeps the fastest)", "2"),
            new("passes", "LIST", "fwd, bwd-data, comma-separated", "fwd,bwd-data"),
            new("error", "0|1", "1: also the largest error against the double reference, on one sample", "0"),
            new("tiles", "N", "Winograd tiles per block (WinogradConv.TargetTilesPerBlock; 0: the default)", "0"),
            new("profile", "0|1", "1: instead, each Winograd stage's CPU ms on one thread (WINOGRAD-PROFILE lines, best of the rounds)", "0"),
        ],
        Run);

    public static int Run(ParsedArgs args)
    {
        var o = args.Values;
        var shapes = ConvThroughput.ParseShapes(o.GetValueOrDefault("shapes", PaperShapes));
        foreach (var g in shapes)
            if (!WinogradConv.Supports(g))
                throw new ArgumentException($"winograd: --shapes: {g.KernelSize}x{g.KernelSize} padding {g.Padding} stride {g.Stride} is not a 3x3 padding-1 stride-1 shape");
        int rounds = Positive(o, "rounds", 5), reps = Positive(o, "reps", 2);
        var passes = o.GetValueOrDefault("passes", "fwd,bwd-data").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (string pass in passes)
            if (pass is not ("fwd" or "bwd-data")) throw new ArgumentException($"winograd: --passes: '{pass}' is not fwd or bwd-data");
        bool error = o.GetValueOrDefault("error", "0") == "1";

        if (o.TryGetValue("tiles", out var tilesText) && tilesText != "0") WinogradConv.TargetTilesPerBlock = Positive(o, "tiles", 112);
        if (o.GetValueOrDefault("profile", "0") == "1")
        {
            Console.WriteLine($"winograd --profile: one thread, CPU ms per stage, best of {rounds} rounds");
            foreach (var g in shapes)
                foreach (string pass in passes)
                {
                    ProfileShape<WinogradF2>("F2", g, pass, rounds);
                    ProfileShape<WinogradF4>("F4", g, pass, rounds);
                }
            return 0;
        }
        using var backend = new ManagedCpuBackend();
        Console.WriteLine($"winograd on {backend.DeviceDescription}; rounds={rounds} reps={reps} threads={Environment.ProcessorCount}");
        foreach (var g in shapes)
            foreach (string pass in passes)
                TimeShape(backend, g, pass, rounds, reps, error);
        return 0;
    }

    private static void TimeShape(ManagedCpuBackend backend, ConvGeometry g, string pass, int rounds, int reps, bool error)
    {
        using var x = backend.Allocate(g.InputLength);
        using var w = backend.Allocate(g.WeightLength);
        using var bias = backend.Allocate(g.OutChannels);
        using var y = backend.Allocate(g.OutputLength);
        using var dy = backend.Allocate(g.OutputLength);
        using var dx = backend.Allocate(g.InputLength);
        backend.FillNormal(x, g.InputLength, seed: 1, offset: 0);
        backend.FillNormal(w, g.WeightLength, seed: 2, offset: 0);
        backend.FillNormal(bias, g.OutChannels, seed: 4, offset: 0);
        backend.FillNormal(dy, g.OutputLength, seed: 3, offset: 0);
        void Pass()
        {
            if (pass == "fwd") backend.Conv2dForward(x, w, bias, y, g);
            else backend.Conv2dBackwardData(dy, w, dx, g);
        }

        var times = new double[Algorithms.Length][];
        var cpuTimes = new double[Algorithms.Length][];
        for (int a = 0; a < Algorithms.Length; a++)
        {
            times[a] = new double[rounds];
            cpuTimes[a] = new double[rounds];
        }
        for (int round = -1; round < rounds; round++) // round −1 warms up (JIT tiers, scratch growth)
            for (int a = 0; a < Algorithms.Length; a++)
            {
                backend.ConvAlgorithm = Algorithms[a];
                double best = double.MaxValue, bestCpu = double.MaxValue;
                for (int r = 0; r < reps; r++)
                {
                    double cpuStart = ThreadCpuMs();
                    var clock = Stopwatch.StartNew();
                    Pass();
                    best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
                    bestCpu = Math.Min(bestCpu, ThreadCpuMs() - cpuStart);
                }
                if (round >= 0)
                {
                    times[a][round] = best;
                    cpuTimes[a][round] = bestCpu;
                }
            }
        backend.ConvAlgorithm = CpuConvAlgorithm.Auto;
        double direct = Median(times[0]), f2 = Median(times[1]), f4 = Median(times[2]);
        var geometry = pass == "fwd" ? g : new ConvGeometry(g.Batch, g.OutChannels, g.OutHeight, g.OutWidth, g.InChannels, 3, 1);
        string line = string.Create(CultureInfo.InvariantCulture,
            $"WINOGRAD pass={pass} batch={g.Batch} cin={g.InChannels} cout={g.OutChannels} h={g.Height} w={g.Width} " +
            $"direct_ms={direct:F3} f2_ms={f2:F3} f4_ms={f4:F3} f2_speedup={direct / f2:F2} f4_speedup={direct / f4:F2} " +
            $"direct_gflops={g.Flops / direct / 1e6:F1} cpu_ms={Median(cpuTimes[0]):F1}/{Median(cpuTimes[1]):F1}/{Median(cpuTimes[2]):F1} auto={WinogradSelection.Choose(CpuConvAlgorithm.Auto, geometry, pass == "bwd-data")}");
        if (error) line += ErrorColumns(backend, g with { Batch = 1 }, pass);
        Console.WriteLine(line);
    }

    /// <summary>One WINOGRAD-PROFILE line: the stages of <see cref="WinogradConv.Profile{T}"/>, least of the rounds each.</summary>
    private static void ProfileShape<T>(string name, ConvGeometry g, string pass, int rounds) where T : struct, IWinogradTile
    {
        var rng = new Random(5);
        float[] Normal(int n) => Enumerable.Range(0, n).Select(_ => (float)(2 * rng.NextDouble() - 1)).ToArray();
        bool adjoint = pass == "bwd-data";
        float[] input = Normal(adjoint ? g.OutputLength : g.InputLength), w = Normal(g.WeightLength), bias = Normal(g.OutChannels);
        float[] output = new float[adjoint ? g.InputLength : g.OutputLength];
        var best = Enumerable.Repeat(double.MaxValue, WinogradConv.ProfileStages.Length).ToArray();
        for (int round = -1; round < rounds; round++)
        {
            var ms = WinogradConv.Profile<T>(input, w, adjoint ? null : bias, output, g, adjoint, ThreadCpuMs);
            if (round >= 0)
                for (int i = 0; i < ms.Length; i++) best[i] = Math.Min(best[i], ms[i]);
        }
        int m = T.M, alpha = T.Alpha;
        var a = adjoint ? new ConvGeometry(g.Batch, g.OutChannels, g.OutHeight, g.OutWidth, g.InChannels, 3, 1) : g;
        double tiles = (double)a.Batch * ((a.Height + m - 1) / m) * ((a.Width + m - 1) / m);
        double gemmFlops = 2.0 * a.InChannels * a.OutChannels * alpha * alpha * tiles;
        string stages = string.Join(" ", WinogradConv.ProfileStages.Select((s, i) => string.Create(CultureInfo.InvariantCulture, $"{s}_ms={best[i]:F3}")));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"WINOGRAD-PROFILE pass={pass} tile={name} batch={g.Batch} cin={g.InChannels} cout={g.OutChannels} h={g.Height} w={g.Width} {stages} " +
            $"total_ms={best.Sum():F3} gemm_gflops={gemmFlops / best[3] / 1e6:F1} direct_equiv_gflops={g.Flops / best.Sum() / 1e6:F1}"));
    }

    /// <summary>max over outputs of |y − y_exact| / (2⁻²⁴ · Σ|terms|) per algorithm, on uniform inputs in [−1, 1].</summary>
    private static string ErrorColumns(ManagedCpuBackend backend, ConvGeometry g, string pass)
    {
        var rng = new Random(7);
        float[] Uniform(int n) => Enumerable.Range(0, n).Select(_ => (float)(2 * rng.NextDouble() - 1)).ToArray();
        float[] Abs(float[] v) => Array.ConvertAll(v, MathF.Abs);
        float[] input = Uniform(pass == "fwd" ? g.InputLength : g.OutputLength), weights = Uniform(g.WeightLength);
        double[] exact = pass == "fwd" ? ReferenceLinear.ConvForward(input, weights, null, g) : ReferenceLinear.ConvBackwardData(input, weights, g);
        double[] scale = pass == "fwd" ? ReferenceLinear.ConvForward(Abs(input), Abs(weights), null, g) : ReferenceLinear.ConvBackwardData(Abs(input), Abs(weights), g);
        string columns = "";
        using var bin = backend.Allocate(input.Length);
        using var bw = backend.Allocate(weights.Length);
        using var bout = backend.Allocate(exact.Length);
        backend.Upload(input, bin);
        backend.Upload(weights, bw);
        var result = new float[exact.Length];
        foreach (var algorithm in Algorithms)
        {
            backend.ConvAlgorithm = algorithm;
            if (pass == "fwd") backend.Conv2dForward(bin, bw, null, bout, g);
            else backend.Conv2dBackwardData(bin, bw, bout, g);
            backend.Download(bout, result);
            double worst = 0;
            for (int i = 0; i < exact.Length; i++) worst = Math.Max(worst, Math.Abs(result[i] - exact[i]) / (WinogradErrorBound.Epsilon * scale[i] + 1e-30));
            string name = algorithm switch { CpuConvAlgorithm.Direct => "direct", CpuConvAlgorithm.Winograd2 => "f2", _ => "f4" };
            columns += string.Create(CultureInfo.InvariantCulture, $" {name}_err={worst:F1}");
        }
        backend.ConvAlgorithm = CpuConvAlgorithm.Auto;
        return columns;
    }

    /// <summary>
    /// CPU milliseconds of the calling thread (Linux CLOCK_THREAD_CPUTIME_ID; NaN elsewhere). With
    /// DOTNET_PROCESSOR_COUNT=1 all the work runs on this thread, and on a loaded machine its CPU time is a steadier
    /// measure than the wall clock, which counts the time other processes held the core.
    /// </summary>
    private static double ThreadCpuMs()
    {
        if (!OperatingSystem.IsLinux()) return double.NaN;
        return ClockGetTime(3, out var ts) == 0 ? ts.Seconds * 1e3 + ts.Nanoseconds / 1e6 : double.NaN;
    }

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    private static double Median(double[] values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static int Positive(IReadOnlyDictionary<string, string> o, string key, int fallback)
    {
        if (!o.TryGetValue(key, out var s)) return fallback;
        return int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v > 0
            ? v : throw new ArgumentException($"winograd: --{key} must be a positive integer, got '{s}'");
    }
}
