using System.Diagnostics;
using System.Globalization;
using Flows.Bench.EndToEnd;
using Flows.Core.Data;
using Flows.Core.Features;
using Flows.Kernels;
using Flows.Kernels.Cpu;
using Flows.Training.Cli;

namespace Flows.Bench.Features;

/// <summary>
/// `Flows.Bench features [--size 32] [--rounds 3] [--warmup 1] [--images 64] [--batch 32] [--threads 2] [--data-dir DIR] [--profile 1]`:
/// ResNet-18 embeddings of real FashionMNIST and CIFAR-10 test images, our engine against ONNX Runtime
/// (IntraOpNumThreads = threads, InterOpNumThreads = 1, all graph optimisations), both doing the whole chain
/// (resize, preprocessing, network). Rounds alternate the two sides; each prints img/s and ours/ORT, then the
/// median ratio (docs/FEATURES.md, ../shared/bench/ANCHORS.md). Our CPU backend uses every core the
/// process may use: run it under `taskset -c 0-1` (or on a 2-core machine) to match --threads 2.
/// With --profile 1 our side also prints the time per backend primitive and the host share.
/// </summary>
public static class FeaturesBenchmark
{
    public static CommandSpec Spec { get; } = new("features",
        "ResNet-18 embeddings of real FashionMNIST and CIFAR-10 test images: our engine against ONNX Runtime, img/s and ratio.",
        [
            new("size", "S", "network input size", ResNetFeatureOptions.DefaultInputSize.ToString(CultureInfo.InvariantCulture)),
            new("rounds", "N", "timed rounds (each alternates the two sides)", "3"),
            new("warmup", "N", "untimed rounds first", "1"),
            new("images", "N", "test images of each set", "64"),
            new("batch", "N", "batch size (default: the extractor's)"),
            new("threads", "N", "ONNX Runtime intra-op threads", "2"),
            new("data-dir", "DIR", "data folder (else FLOWS_DATA)"),
            new("profile", "0|1", "1: also time each backend primitive", "0"),
        ],
        Run);

    public static int Run(ParsedArgs args)
    {
        var o = args.Values;
        int Int(string key, int fallback) => args.Int(key, fallback);
        int size = Int("size", ResNetFeatureOptions.DefaultInputSize), rounds = Int("rounds", 3), warmup = Int("warmup", 1), count = Int("images", 64), batch = Int("batch", new ResNetFeatureOptions().BatchSize), threads = Int("threads", 2);
        bool profile = o.GetValueOrDefault("profile", "0") != "0";
        var data = new DataOptions { DataDir = DataDirectory.Resolve(o.GetValueOrDefault("data-dir")), Offline = true };
        var sets = new[] { DatasetLoader.Load("fashion-mnist", DatasetSplit.Test, data).Subset(count), DatasetLoader.Load("cifar10", DatasetSplit.Test, data).Subset(count) };
        var pixels = sets.ToDictionary(s => s.Name, s => s.CopyPixels()); // ORT takes one array; copied once, outside the timing
        var files = ResNetModelFiles.Locate();

        IComputeBackend cpu = new ManagedCpuBackend();
        var profiler = profile ? new ProfilingBackend(cpu) : null;
        using IComputeBackend backend = profiler ?? cpu;
        using var ours = ResNetFeatureExtractor.Load(backend, new ResNetFeatureOptions { InputSize = size, BatchSize = batch });
        using var ort = new OrtFeatureChain(files, size, threads);
        Console.WriteLine($"features: ResNet-18 at {size}x{size}, {count} images each of {string.Join(", ", sets.Select(s => s.Name))}; batch {batch}; ORT {threads} threads; our CPU backend on {Environment.ProcessorCount} cores ({backend.DeviceDescription})");

        // Warm-up: whole untimed rounds of both sides (JIT tiering of every kernel, pools, scratch growth, ORT's
        // first-run allocations); one batch was not enough: our first timed round measured 0.6× the later ones.
        double oursMs = 0; // our wall time over everything the profiler sees, so the host's share shows
        for (int w = 0; w < warmup; w++)
            foreach (var s in sets)
            {
                var warm = Stopwatch.StartNew();
                ours.Extract(s);
                oursMs += warm.Elapsed.TotalMilliseconds;
                ort.Embed(pixels[s.Name], s.Count, s.Channels, s.Height, s.Width);
            }

        var ratios = new List<double>();
        double prepMs = 0;
        for (int r = 0; r < rounds; r++)
        {
            var sw = Stopwatch.StartNew();
            foreach (var s in sets) ours.Extract(s);
            double oursRate = 2 * count / sw.Elapsed.TotalSeconds;
            oursMs += sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            foreach (var s in sets) ort.Embed(pixels[s.Name], s.Count, s.Channels, s.Height, s.Width);
            double ortRate = 2 * count / sw.Elapsed.TotalSeconds;
            ratios.Add(oursRate / ortRate);
            Console.WriteLine($"round {r + 1}: ours {oursRate,8:F1} img/s   ORT {ortRate,8:F1} img/s   ours/ORT {oursRate / ortRate:F3}");
        }
        ratios.Sort();
        Console.WriteLine($"RESULT features size={size} median ours/ORT {ratios[ratios.Count / 2]:F3}");

        if (profiler is not null)
        {
            var buffer = new float[batch * 3 * size * size];
            var sw = Stopwatch.StartNew();
            foreach (var s in sets)
                for (int start = 0; start < s.Count; start += batch)
                {
                    int n = Math.Min(batch, s.Count - start);
                    ours.Prepare(pixels[s.Name].AsSpan(start * s.ImageSize, n * s.ImageSize), n, s.Channels, s.Height, s.Width, buffer.AsSpan(0, n * 3 * size * size));
                }
            prepMs = sw.Elapsed.TotalMilliseconds;
            double total = profiler.Totals.Values.Sum(v => v.Ms);
            Console.WriteLine($"profile over warm-up + {rounds} rounds: our wall time {oursMs:F0} ms, of which backend primitives {total:F0} ms ({100 * total / oursMs:F0}%; the rest is host work: resize, transfers, bookkeeping); resize+preprocess of {2 * count} images alone {prepMs:F1} ms. Primitives:");
            foreach (var (name, (ms, calls)) in profiler.Totals.OrderByDescending(kv => kv.Value.Ms))
                Console.WriteLine($"  {name,-24} {ms,10:F1} ms {calls,8} calls {100 * ms / total,6:F1}%");
            foreach (var (shape, (ms, calls, flops)) in profiler.ConvShapes.OrderByDescending(kv => kv.Value.Ms).Take(12))
                Console.WriteLine($"  {shape,-48} {ms,10:F1} ms {calls,6} calls {flops / ms / 1e6,7:F1} GFLOP/s");
        }
        return 0;
    }
}
