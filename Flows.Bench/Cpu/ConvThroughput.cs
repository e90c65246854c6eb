using System.Diagnostics;
using System.Globalization;
using Flows.Kernels;
using Flows.Kernels.Devices;
using Flows.Training.Cli;

namespace Flows.Bench.Cpu;

/// <summary>
/// `Flows.Bench conv`: times the three convolution passes (forward, backward-data, backward-weight) through the
/// public backend API at a few shapes and prints one `CONV ...` line per (shape, pass). The TorchSharp peer in
/// scripts/cpu/peer-conv prints the same lines for libtorch, so scripts/cpu/compare-conv.sh can divide them.
/// All three passes are credited with the forward's FLOPs (each does the same multiply-adds).
/// `--grid alternate` compares the packed and the frame-grid CPU paths (ConvForwardGrid) run by run in one process
/// (docs/PERFORMANCE.md, "3×3 forward and backward-data on the frame grid").
/// </summary>
public static class ConvThroughput
{
    /// <summary>The paper's and ANCHORS' 3x3 shapes, as batch:cin:cout:k:HxW (padding k/2, stride 1).</summary>
    public const string DefaultShapes = "32:64:64:3:28x28,32:128:128:3:14x14,64:64:64:3:16x16";

    /// <summary>
    /// ResNet-18's strided convolutions at batch 32 (`--shapes resnet18`): the 7×7/2 stem at 64×64 and 224×224,
    /// the 3×3/2 first convolutions of stages 2–4 and their 1×1/2 shortcuts, at the sizes of a 224×224 input
    /// (56, 28, 14) and of a 64×64 one (16).
    /// </summary>
    public const string ResNet18Shapes =
        "32:3:64:7:64x64:2:3,32:3:64:7:224x224:2:3," +
        "32:64:128:3:16x16:2:1,32:64:128:3:56x56:2:1,32:128:256:3:28x28:2:1,32:256:512:3:14x14:2:1," +
        "32:64:128:1:16x16:2:0,32:64:128:1:56x56:2:0,32:128:256:1:28x28:2:0,32:256:512:1:14x14:2:0";

    private const string Usage = "usage: conv [--shapes B:CIN:COUT:K:HxW[:S[:P]] or resnet18,...] [--reps N] [--warmup N] [--device cpu] [--passes fwd,bwd-data,bwd-weight] [--grid rule|off|on|alternate]";

    public static CommandSpec Spec { get; } = new("conv",
        "Time the three convolution passes at a few shapes and print one CONV line per (shape, pass), in GFLOP/s.",
        [
            new("shapes", "LIST", "B:CIN:COUT:K:HxW[:S[:P]] items or resnet18, comma-separated", DefaultShapes),
            new("reps", "N", "timed repetitions", "10"),
            new("warmup", "N", "untimed repetitions first", "2"),
            new("device", "NAME", "cpu, cuda or ilgpu-cpu", "cpu"),
            new("passes", "LIST", "fwd, bwd-data, bwd-weight, comma-separated", "fwd,bwd-data,bwd-weight"),
            new("toggle", "NAME", "old (off) vs new (on) of one internal CPU path in alternating rounds: " + ToggleNames, ""),
            new("grid", "MODE", "CPU frame-grid convolution (ConvForwardGrid): rule, off, on, or alternate (packed, grid and, where Auto picks it, Winograd, alternated run by run; each line tagged)", "rule"),
            new("rounds", "N", "alternating rounds of --toggle (each times old and new once, reps each) or --grid alternate (runs of each variant = rounds × reps)", "3"),
            new("budget-kb", "N", "with --toggle dw-avx2: the chunk budget in KB of the AVX2 dot weight gradient", "0"),
        ],
        Run);

    public static int Run(ParsedArgs args)
    {
        List<ConvGeometry> shapes;
        int reps, warmup;
        string device;
        HashSet<string> passes;
        string grid;
        int rounds;
        try
        {
            var o = args.Values;
            string list = o.GetValueOrDefault("shapes", DefaultShapes);
            shapes = ParseShapes(string.Join(",", list.Split(',').Select(item => item.Trim() == "resnet18" ? ResNet18Shapes : item)));
            passes = ParsePasses(o.GetValueOrDefault("passes", "fwd,bwd-data,bwd-weight"));
            reps = Positive(o, "reps", 10);
            warmup = Count(o, "warmup", 2);
            device = o.GetValueOrDefault("device", "cpu");
            grid = o.GetValueOrDefault("grid", "rule");
            if (grid is not ("rule" or "off" or "on" or "alternate"))
                throw new ArgumentException($"--grid must be rule, off, on or alternate, got '{grid}'");
            rounds = Positive(o, "rounds", 3);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"error: conv: {e.Message} ({Usage})");
            return 2;
        }

        IComputeBackend backend;
        try
        {
            backend = ComputeDevices.Create(device);
        }
        catch (Exception e) when (e is ArgumentException or DeviceUnavailableException)
        {
            Console.Error.WriteLine($"error: conv: {e.Message}");
            return 2;
        }

        string toggle = args.Values.GetValueOrDefault("toggle", "");
        using (backend)
        {
            Console.WriteLine($"conv on {backend.Name}: {backend.DeviceDescription}; reps={reps} warmup={warmup}");
            if (toggle.Length > 0)
            {
                if (!Toggles.TryGetValue(toggle, out var set))
                {
                    Console.Error.WriteLine($"error: conv: --toggle: '{toggle}' is not one of {ToggleNames}");
                    return 2;
                }
                int budgetKb = Count(args.Values, "budget-kb", 0);
                long savedBudget = Flows.Kernels.Cpu.ConvBackwardWeightDotAvx2.ChunkBudgetBytes;
                if (budgetKb > 0) Flows.Kernels.Cpu.ConvBackwardWeightDotAvx2.ChunkBudgetBytes = budgetKb * 1024L;
                try
                {
                    foreach (var g in shapes) CompareShape(backend, g, reps, rounds, passes, toggle, set);
                }
                finally
                {
                    Flows.Kernels.Cpu.ConvBackwardWeightDotAvx2.ChunkBudgetBytes = savedBudget;
                }
            }
            else
            {
                var saved = Flows.Kernels.Cpu.ConvForwardGrid.Use;
                try
                {
                    if (grid != "alternate") Flows.Kernels.Cpu.ConvForwardGrid.Use = GridUse(grid);
                    foreach (var g in shapes) TimeShape(backend, g, reps, warmup, passes, grid == "alternate" ? rounds : 0);
                }
                finally
                {
                    Flows.Kernels.Cpu.ConvForwardGrid.Use = saved;
                }
            }
        }
        return 0;
    }

    /// <summary>The internal CPU paths `--toggle` switches: false is the old path, true the new one.</summary>
    private static readonly Dictionary<string, Action<bool>> Toggles = new()
    {
        ["dw-avx2"] = on => Flows.Kernels.Cpu.ConvBackwardWeightDotAvx2.Enabled = on,
        ["narrow1x1"] = on => Flows.Kernels.Cpu.Conv1x1Narrow.Enabled = on,
    };

    private const string ToggleNames = "dw-avx2, narrow1x1";

    /// <summary>
    /// Old vs new per pass in alternating rounds (old, new, old, …; a warm-up round first), each round the fastest of
    /// <paramref name="reps"/>; prints one `CONVAB ...` line per (shape, pass) with both medians and minima over rounds.
    /// The toggle is left on (the default) afterwards.
    /// </summary>
    private static void CompareShape(IComputeBackend backend, ConvGeometry g, int reps, int rounds, HashSet<string> passes, string toggle, Action<bool> set)
    {
        using var o = new Operands(backend, g);
        var work = new (string Kind, Action Pass)[]
        {
            ("fwd", () => backend.Conv2dForward(o.X, o.W, null, o.Y, g)),
            ("bwd-data", () => backend.Conv2dBackwardData(o.Dy, o.W, o.Dx, g)),
            ("bwd-weight", () => backend.Conv2dBackwardWeightAndBias(o.X, o.Dy, o.Dw, o.Db, g)),
        };
        foreach (var (kind, pass) in work)
        {
            if (!passes.Contains(kind)) continue;
            var times = new[] { new double[rounds], new double[rounds] };
            var cpu = new[] { new double[rounds], new double[rounds] };
            for (int round = -1; round < rounds; round++)
                for (int side = 0; side < 2; side++)
                {
                    set(side == 1);
                    double best = double.MaxValue, bestCpu = double.MaxValue;
                    var warming = Stopwatch.StartNew();
                    do
                    {
                        for (int r = 0; r < reps; r++)
                        {
                            double cpuStart = ThreadCpuMs();
                            var clock = Stopwatch.StartNew();
                            pass();
                            backend.Synchronize();
                            best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
                            bestCpu = Math.Min(bestCpu, ThreadCpuMs() - cpuStart);
                        }
                    }
                    while (round < 0 && warming.Elapsed < MinWarmup);
                    if (round >= 0)
                    {
                        times[side][round] = best;
                        cpu[side][round] = bestCpu;
                    }
                }
            set(true);
            double oldMed = Median(times[0]), newMed = Median(times[1]), oldMin = times[0].Min(), newMin = times[1].Min();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"CONVAB toggle={toggle} kind={kind} batch={g.Batch} cin={g.InChannels} cout={g.OutChannels} k={g.KernelSize} h={g.Height} w={g.Width} " +
                $"old_ms_min={oldMin:F3} new_ms_min={newMin:F3} speedup_min={oldMin / newMin:F2} old_ms_median={oldMed:F3} new_ms_median={newMed:F3} " +
                $"speedup_median={oldMed / newMed:F2} old_cpu_ms_min={cpu[0].Min():F3} new_cpu_ms_min={cpu[1].Min():F3} old_gflops={g.Flops / oldMin / 1e6:F1} new_gflops={g.Flops / newMin / 1e6:F1}"));
        }
    }

    private static Flows.Kernels.Cpu.GridConvUse GridUse(string name) => name switch
    {
        "off" => Flows.Kernels.Cpu.GridConvUse.Off,
        "on" => Flows.Kernels.Cpu.GridConvUse.On,
        _ => Flows.Kernels.Cpu.GridConvUse.Rule,
    };

    private static void TimeShape(IComputeBackend backend, ConvGeometry g, int reps, int warmup, HashSet<string> passes, int rounds)
    {
        using var o = new Operands(backend, g);

        void Pass(string kind, Action pass)
        {
            if (!passes.Contains(kind)) return;
            if (rounds == 0)
            {
                Report(kind, g, Time(backend, reps, warmup, pass));
                return;
            }
            // Old and new alternated run by run in this one process (both with the CPU backend's direct algorithm,
            // and Winograd as a third where the Auto rule picks it), so that every variant meets the same load
            // from other processes: the fastest run, the median, and the median of the paired ratios old / new.
            var cpu = backend as Flows.Kernels.Cpu.ManagedCpuBackend;
            var savedAlgorithm = cpu?.ConvAlgorithm ?? Flows.Kernels.Cpu.CpuConvAlgorithm.Auto;
            var adjoint = new ConvGeometry(g.Batch, g.OutChannels, g.OutHeight, g.OutWidth, g.InChannels, g.KernelSize, g.Padding, g.Stride);
            bool winograd = cpu is not null && kind != "bwd-weight" && Flows.Kernels.Cpu.WinogradSelection.Choose(
                Flows.Kernels.Cpu.CpuConvAlgorithm.Auto, kind == "fwd" ? g : adjoint, kind == "bwd-data") != Flows.Kernels.Cpu.ConvKernel.Direct;
            int variants = winograd ? 3 : 2, runs = rounds * reps;
            var times = new double[variants][];
            void Select(int v)
            {
                Flows.Kernels.Cpu.ConvForwardGrid.Use = v == 1 ? Flows.Kernels.Cpu.GridConvUse.On : Flows.Kernels.Cpu.GridConvUse.Off;
                if (cpu is not null) cpu.ConvAlgorithm = v == 2 ? Flows.Kernels.Cpu.CpuConvAlgorithm.Auto : Flows.Kernels.Cpu.CpuConvAlgorithm.Direct;
            }
            try
            {
                for (int v = 0; v < variants; v++)
                {
                    Select(v);
                    Time(backend, 1, warmup, pass);
                    times[v] = new double[runs];
                }
                for (int i = 0; i < runs; i++)
                    for (int v = 0; v < variants; v++)
                    {
                        Select(v);
                        var clock = Stopwatch.StartNew();
                        pass();
                        backend.Synchronize();
                        times[v][i] = clock.Elapsed.TotalMilliseconds;
                    }
            }
            finally
            {
                if (cpu is not null) cpu.ConvAlgorithm = savedAlgorithm;
            }
            string[] names = ["off", "on", "winograd"];
            for (int v = 0; v < variants; v++)
            {
                var ratios = new double[runs];
                for (int i = 0; i < runs; i++) ratios[i] = times[0][i] / times[v][i];
                string tag = string.Create(CultureInfo.InvariantCulture,
                    $" grid={names[v]} speedup_min={times[0].Min() / times[v].Min():F2} speedup_paired_median={Median(ratios):F2} runs={runs}");
                Report(kind, g, (Median(times[v]), times[v].Min()), tag);
            }
        }

        Pass("fwd", () => backend.Conv2dForward(o.X, o.W, null, o.Y, g));
        Pass("bwd-data", () => backend.Conv2dBackwardData(o.Dy, o.W, o.Dx, g));
        Pass("bwd-weight", () => backend.Conv2dBackwardWeight(o.X, o.Dy, o.Dw, g));
    }

    /// <summary>The buffers of one shape's three passes; x, w and dy random, as in training (zeros or constants
    /// could let a kernel take shortcuts).</summary>
    private sealed class Operands : IDisposable
    {
        public readonly DeviceBuffer X, W, Y, Dy, Dx, Dw, Db;

        public Operands(IComputeBackend backend, ConvGeometry g)
        {
            X = backend.Allocate(g.InputLength);
            W = backend.Allocate(g.WeightLength);
            Y = backend.Allocate(g.OutputLength);
            Dy = backend.Allocate(g.OutputLength);
            Dx = backend.Allocate(g.InputLength);
            Dw = backend.Allocate(g.WeightLength);
            Db = backend.Allocate(g.OutChannels);
            backend.FillNormal(X, g.InputLength, seed: 1, offset: 0);
            backend.FillNormal(W, g.WeightLength, seed: 2, offset: 0);
            backend.FillNormal(Dy, g.OutputLength, seed: 3, offset: 0);
        }

        public void Dispose()
        {
            foreach (var buffer in new[] { X, W, Y, Dy, Dx, Dw, Db }) buffer.Dispose();
        }
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>
    /// Median and fastest wall milliseconds of <paramref name="reps"/> runs after the warm-ups, each closed by
    /// Synchronize (the fastest is the one to compare on a machine loaded by others: a run is only ever slowed).
    /// Warm-up lasts at least <see cref="MinWarmup"/> too: .NET compiles a method fully only after some calls
    /// (tiered JIT), and a first shape timed before that reads several times slower.
    /// </summary>
    private static (double Median, double Best) Time(IComputeBackend backend, int reps, int warmup, Action pass)
    {
        var warming = Stopwatch.StartNew();
        while (warming.Elapsed < MinWarmup)
        {
            pass();
            backend.Synchronize();
        }
        var times = new double[reps];
        for (int i = 0; i < warmup + reps; i++)
        {
            var clock = Stopwatch.StartNew();
            pass();
            backend.Synchronize();
            if (i >= warmup) times[i - warmup] = clock.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return (reps % 2 == 1 ? times[reps / 2] : (times[reps / 2 - 1] + times[reps / 2]) / 2, times[0]);
    }

    private static readonly TimeSpan MinWarmup = TimeSpan.FromSeconds(0.5);

    private static void Report(string kind, ConvGeometry g, (double Median, double Best) ms, string tag = "")
    {
        string line = string.Create(CultureInfo.InvariantCulture,
            $"CONV kind={kind} batch={g.Batch} cin={g.InChannels} cout={g.OutChannels} k={g.KernelSize} pad={g.Padding} stride={g.Stride} " +
            $"h={g.Height} w={g.Width} threads={Environment.ProcessorCount} ms_median={ms.Median:F3} gflops={g.Flops / ms.Median / 1e6:F2} " +
            $"ms_min={ms.Best:F3} gflops_best={g.Flops / ms.Best / 1e6:F2}{tag}");
        Console.WriteLine(line);
    }

    /// <summary>CPU milliseconds of the calling thread (with one worker, DOTNET_PROCESSOR_COUNT=1, the kernel's own time under load).</summary>
    private static double ThreadCpuMs() =>
        OperatingSystem.IsLinux() && ClockGetTime(3, out var ts) == 0 ? ts.Seconds * 1e3 + ts.Nanoseconds / 1e6 : double.NaN;

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec ts);

    /// <summary>"32:64:64:3:28x28,..." → geometries (stride 1, padding k/2 unless given as :S:P), each validated.</summary>
    public static List<ConvGeometry> ParseShapes(string list)
    {
        var shapes = new List<ConvGeometry>();
        foreach (string item in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] p = item.Split(':');
            string[] hw = p.Length is >= 5 and <= 7 ? p[4].Split('x') : [];
            if (hw.Length != 2)
                throw new ArgumentException($"--shapes: '{item}' is not batch:cin:cout:k:HxW[:stride[:padding]]");
            int N(string s) => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int v)
                ? v : throw new ArgumentException($"--shapes: '{s}' in '{item}' is not a non-negative integer");
            int k = N(p[3]);
            int stride = p.Length > 5 ? N(p[5]) : 1, padding = p.Length > 6 ? N(p[6]) : k / 2;
            var g = new ConvGeometry(N(p[0]), N(p[1]), N(hw[0]), N(hw[1]), N(p[2]), k, padding, stride);
            g.Validate();
            shapes.Add(g);
        }
        if (shapes.Count == 0) throw new ArgumentException("--shapes: no shapes given");
        return shapes;
    }

    private static HashSet<string> ParsePasses(string list)
    {
        var passes = new HashSet<string>(list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        foreach (string pass in passes)
            if (pass is not ("fwd" or "bwd-data" or "bwd-weight"))
                throw new ArgumentException($"--passes: '{pass}' is not fwd, bwd-data or bwd-weight");
        return passes.Count > 0 ? passes : throw new ArgumentException("--passes: no passes given");
    }

    private static int Count(IReadOnlyDictionary<string, string> o, string key, int fallback)
    {
        if (!o.TryGetValue(key, out var s)) return fallback;
        return int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int v)
            ? v : throw new ArgumentException($"--{key} must be a non-negative integer, got '{s}'");
    }

    private static int Positive(IReadOnlyDictionary<string, string> o, string key, int fallback)
    {
        int v = Count(o, key, fallback);
        return v > 0 ? v : throw new ArgumentException($"--{key} must be at least 1, got {v}");
    }
}
