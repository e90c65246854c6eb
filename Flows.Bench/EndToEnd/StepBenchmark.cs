using System.Diagnostics;
using System.Globalization;
using Flows.Core;
using Flows.Core.Flows;
using Flows.Core.Training;
using Flows.Kernels;
using Flows.Kernels.Devices;
using Flows.Training.Cli;

namespace Flows.Bench.EndToEnd;

/// <summary>
/// `Flows.Bench step`: times the paper's training step (zero_grad, NLL forward, backward, clip 100, Adam) and the
/// eval-mode NLL forward on random images quantised to k/255, exactly as the TorchSharp and PyTorch peers do,
/// and prints their RESULT line format so the lines can be compared directly. `--profile 1` times every compute call against the roofs (ProfileReport); `--profile 2` adds convolutions by shape.
/// It also reports the peak live device memory (the backend pool's live bytes) of the timed training steps and of the
/// eval passes, whose no-grad intermediates go back to the pool as soon as their last reader has run (docs/PERFORMANCE.md, "Memory").
/// </summary>
public static class StepBenchmark
{
    public static CommandSpec Spec { get; } = new("step",
        "Time the paper's training step and eval-mode NLL forward on random images; prints the peers' RESULT line.",
        [
            new("model", "NAME", "realnvp or glow", "realnvp"),
            new("mid", "M", "st-network width (default: 64, Glow 200)"),
            new("blocks", "B", "residual blocks per st-network (Glow: highway layers; default: 6, Glow 3)"),
            new("scales", "S", "RealNVP scales / Glow levels", "2"),
            new("K", "K", "Glow steps per level", "16"),
            new("batch", "N", "training batch size", "32"),
            new("steps", "N", "timed training steps", "10"),
            new("warmup", "N", "untimed training steps first", "2"),
            new("eval-batch", "N", "eval-mode batch size (0: the training batch)", "0"),
            new("eval-steps", "N", "timed eval-mode passes", "3"),
            new("eval-warmup", "N", "untimed eval-mode passes first", "1"),
            new("profile", "LEVEL", "1: time every compute call; 2: also convolutions by shape", "0"),
            new("device", "NAME", "cpu, cuda or ilgpu-cpu", "cpu"),
            new("cuda-graph", null, "replay the training step from a captured CUDA graph (docs/PERFORMANCE.md, \"Streams and CUDA graphs\")"),
            new("conv", "ALGO", "CPU 3x3 convolutions: auto, direct, winograd, winograd2 or winograd4", "auto"),
            new("grid", "MODE", "CPU frame-grid convolutions (ConvForwardGrid): rule, off or on", "rule"),
            new("roof-gflops", "G", "--profile: the FMA roof in GFLOP/s (default: measured at the start)"),
            new("roof-gbs", "G", "--profile: the memory roof in GB/s (default: measured at the start)"),
        ],
        Run);

    public static int Run(ParsedArgs o)
    {
        string model = o.String("model") ?? "realnvp";
        int mid = Int(o, "mid", model == "glow" ? 200 : 64), blocks = Int(o, "blocks", model == "glow" ? 3 : 6);
        int scales = Int(o, "scales", 2), k = Int(o, "K", 16), batch = Int(o, "batch", 32);
        int steps = Int(o, "steps", 10), warmup = Int(o, "warmup", 2);
        int evalBatch = Int(o, "eval-batch", 0), evalSteps = Int(o, "eval-steps", 3), evalWarmup = Int(o, "eval-warmup", 1);
        string profileLevel = o.String("profile") ?? "0";
        bool profile = profileLevel != "0";
        var conv = ConvAlgorithm(o.String("conv") ?? "auto");
        double? roofGflops = o.Has("roof-gflops") ? o.Double("roof-gflops", 0) : null;
        double? roofGbs = o.Has("roof-gbs") ? o.Double("roof-gbs", 0) : null;
        if (roofGflops <= 0 || roofGbs <= 0)
            throw new UsageException("step: --roof-gflops and --roof-gbs must be positive (or leave them out to measure the roofs)");
        // Measured before the model exists, so nothing else competes for the cores.
        var roof = profile ? Roof.Resolve(roofGflops, roofGbs) : null;
        IComputeBackend device = ComputeDevices.Create(o.String("device") ?? "cpu");
        Flows.Kernels.Cpu.ConvForwardGrid.Use = (o.String("grid") ?? "rule") switch
        {
            "rule" => Flows.Kernels.Cpu.GridConvUse.Rule,
            "off" => Flows.Kernels.Cpu.GridConvUse.Off,
            "on" => Flows.Kernels.Cpu.GridConvUse.On,
            var other => throw new ArgumentException($"step: --grid must be rule, off or on, got '{other}'"),
        };
        if (device is Flows.Kernels.Cpu.ManagedCpuBackend cpu) cpu.ConvAlgorithm = conv;
        else if (conv != Flows.Kernels.Cpu.CpuConvAlgorithm.Auto)
            throw new ArgumentException($"step: --conv chooses the CPU convolution; --device {device.Name} has no such choice (drop --conv)");
        using var backend = profile ? new ProfilingBackend(device) : device;

        var image = new ImageShape(1, 28, 28);
        var config = model switch
        {
            "realnvp" => ModelConfig.Defaults("realnvp", image) with { Mid = mid, Blocks = blocks, Scales = scales },
            "glow" => ModelConfig.Defaults("glow", image) with { Mid = mid, Layers = blocks, K = k, Scales = scales },
            _ => throw new ArgumentException($"step: --model must be realnvp or glow, got '{model}'"),
        };
        var net = FlowModels.Create(config, backend, seed: 0);
        long parameters = net.ParameterCount();
        Console.WriteLine($"model: {model} scales={scales} mid={mid} blocks={blocks}{(model == "glow" ? $" K={k}" : "")}; {parameters:N0} parameters; device {backend.Name} ({backend.DeviceDescription})");

        using var adam = new Adam(ParameterGroups.Single(net, 0f, 100f), 5e-5f);
        using var x = RandomImages(backend, batch, seed: 1);
        net.Train();
        // The trainer's step as a graph: warm-up, a traced step, then the capture; every later step is a replay.
        using var graphed = o.Flag("cuda-graph") ? GraphedStep(backend, net, adam) : null;
        var times = new List<double>();
        int[] collections = new int[3];
        long allocatedBefore = 0;
        var phases = new AllocationPhases("zero_grad", "forward", "backward", "clip+step", "scope end");
        for (int i = 0; i < warmup + steps; i++)
        {
            if (i == warmup)
            {
                for (int gen = 0; gen < 3; gen++) collections[gen] = GC.CollectionCount(gen);
                allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                // The profile covers the timed steps only: warm-up grows the pool and the scratch arrays.
                (backend as ProfilingBackend)?.Reset();
                backend.ResetPeakLiveBytes();
            }
            var clock = Stopwatch.StartNew();
            double loss;
            phases.Begin(count: i >= warmup);
            if (graphed is not null && graphed.TryQueue(x))
            {
                loss = adam.Status.Fetch().Loss;
                if (graphed.TakeNote() is { } note) Console.WriteLine($"  {note}");
            }
            else
            {
                if (graphed?.TakeNote() is { } note) Console.WriteLine($"  {note}");
                using var scope = new TensorScope();
                adam.ZeroGrad();
                phases.Mark(0);
                var nll = FlowLikelihood.Loss(net.LogLikelihood(x));
                phases.Mark(1);
                nll.Backward();
                phases.Mark(2);
                // The trainer's step: clipping and update on the device, loss and flag in one read (docs/PERFORMANCE.md).
                adam.Status.Reset();
                adam.ClipAndStep(adam.Status.Flag);
                loss = adam.Status.Read(nll).Loss;
                phases.Mark(3);
            }
            phases.Mark(4);
            backend.Synchronize();
            double ms = clock.Elapsed.TotalMilliseconds;
            if (i >= warmup) times.Add(ms);
            Console.WriteLine($"  train step {i + 1,3}/{warmup + steps}{(i < warmup ? " (warm-up)" : "")}: {ms,9:F1} ms  loss {loss:F2} nats");
        }
        double median = Median(times), trainImages = batch / median * 1000;
        long trainPeak = backend.PoolStatistics.PeakLiveBytes;
        Console.WriteLine($"peak live device memory of the timed training steps: {Mib(trainPeak)} MiB (weights, optimizer state, batch and the step's tape)");
        Console.WriteLine($"garbage collections during the timed steps: gen0 {GC.CollectionCount(0) - collections[0]}, " +
                          $"gen1 {GC.CollectionCount(1) - collections[1]}, gen2 {GC.CollectionCount(2) - collections[2]}; " +
                          $"{(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / 1e6 / Math.Max(steps, 1):F2} MB of managed objects allocated per step");
        Console.WriteLine($"allocated per step on the calling thread: {phases.Describe(steps)}");
        if (backend is ProfilingBackend profiler) ProfileReport.Print(profiler, steps, perShape: profileLevel == "2", roof!);

        double evalMedian = double.NaN, evalImages = double.NaN;
        long evalPeak = -1;
        if (evalBatch > 0 && evalSteps > 0)
        {
            net.Eval();
            using var xe = RandomImages(backend, evalBatch, seed: 2);
            var evalTimes = new List<double>();
            backend.ResetPeakLiveBytes();
            long liveBefore = backend.PoolStatistics.LiveBytes;
            using (Autograd.NoGrad())
            {
                for (int i = 0; i < evalWarmup + evalSteps; i++)
                {
                    // The eval profile, like the training one, covers the timed passes only.
                    if (i == evalWarmup) (backend as ProfilingBackend)?.Reset();
                    var clock = Stopwatch.StartNew();
                    using (new TensorScope()) FlowLikelihood.Loss(net.LogLikelihood(xe)).Item();
                    double ms = clock.Elapsed.TotalMilliseconds;
                    if (i >= evalWarmup) evalTimes.Add(ms);
                    Console.WriteLine($"  eval {i + 1,3}/{evalWarmup + evalSteps}{(i < evalWarmup ? " (warm-up)" : "")}: {ms,9:F1} ms");
                }
            }
            if (backend is ProfilingBackend evalProfiler)
            {
                Console.WriteLine($"eval-mode profile (batch {evalBatch}, per pass):");
                ProfileReport.Print(evalProfiler, evalSteps, perShape: profileLevel == "2", roof!);
            }
            evalMedian = Median(evalTimes);
            evalPeak = backend.PoolStatistics.PeakLiveBytes;
            Console.WriteLine($"peak live device memory of eval (batch {evalBatch}): {Mib(evalPeak)} MiB, {Mib(evalPeak - liveBefore)} MiB above what was live before it (weights, optimizer state, inputs)");
            evalImages = evalBatch / evalMedian * 1000;
        }

        static string F(double d) => double.IsNaN(d) ? "nan" : d.ToString("F2", CultureInfo.InvariantCulture);
        Console.WriteLine($"RESULT model={model} mid={mid} blocks={blocks} batch={batch} threads={Environment.ProcessorCount} params={parameters} " +
                          $"train_ms_median={F(median)} train_img_s={F(trainImages)} eval_img_s={F(evalImages)} scales={scales}" +
                          $"{(model == "glow" ? $" K={k}" : "")} eval_batch={evalBatch} train_ms_min={F(times.Count > 0 ? times.Min() : double.NaN)} " +
                          $"train_ms_max={F(times.Count > 0 ? times.Max() : double.NaN)} eval_ms_median={F(evalMedian)} device={backend.Name} " +
                          $"train_peak_mib={Mib(trainPeak)} eval_peak_mib={(evalPeak < 0 ? "nan" : Mib(evalPeak))} " +
                          $"cuda_graph={GraphOutcome(o.Flag("cuda-graph"), graphed)} graph_replays={graphed?.Replays ?? 0}");
        return 0;
    }

    /// <summary>The step of the loop above as <see cref="GraphedTrainingStep"/> runs it, or null (with a note) without graphs.</summary>
    private static GraphedTrainingStep? GraphedStep(IComputeBackend backend, FlowModel net, Adam adam)
    {
        if (backend is not IStepGraphs graphs)
        {
            Console.WriteLine($"--cuda-graph: the {backend.Name} backend has no step graphs (with --profile, the profiler wraps it); running eagerly");
            return null;
        }
        return new GraphedTrainingStep(backend, graphs, adam, net.Noise, input =>
        {
            adam.Status.Reset();
            var nll = FlowLikelihood.Loss(net.LogLikelihood(input));
            nll.Backward();
            adam.ClipAndStep(adam.Status.Flag);
            adam.Status.Collect(nll);
        });
    }

    /// <summary>The RESULT line's cuda_graph: off (not asked), unavailable (no graphs here), replayed, or failed (ran eagerly).</summary>
    private static string GraphOutcome(bool asked, GraphedTrainingStep? graphed) =>
        !asked ? "off" : graphed is null ? "unavailable" : graphed.Failure is null && graphed.Replays > 0 ? "replayed" : "failed";

    private static Tensor RandomImages(IComputeBackend backend, int batch, ulong seed)
    {
        var values = new float[batch * 28 * 28];
        for (int i = 0; i < values.Length; i++) values[i] = MathF.Floor(CounterRng.Uniform(seed, (ulong)i) * 255f) / 255f;
        var t = Tensor.FromArray(backend, values, batch, 1, 28, 28);
        return t;
    }

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture);

    private static double Median(List<double> v)
    {
        if (v.Count == 0) return double.NaN;
        var s = v.OrderBy(d => d).ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }

    private static int Int(ParsedArgs o, string key, int fallback) => o.Int(key, fallback);

    private static Flows.Kernels.Cpu.CpuConvAlgorithm ConvAlgorithm(string name) => name switch
    {
        "auto" => Flows.Kernels.Cpu.CpuConvAlgorithm.Auto,
        "direct" => Flows.Kernels.Cpu.CpuConvAlgorithm.Direct,
        "winograd" => Flows.Kernels.Cpu.CpuConvAlgorithm.Winograd,
        "winograd2" => Flows.Kernels.Cpu.CpuConvAlgorithm.Winograd2,
        "winograd4" => Flows.Kernels.Cpu.CpuConvAlgorithm.Winograd4,
        _ => throw new ArgumentException($"step: --conv must be auto, direct, winograd, winograd2 or winograd4, got '{name}'"),
    };
}
