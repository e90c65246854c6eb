// PeerConv: libtorch (TorchSharp-cpu) timing of the three 3x3 convolution passes, printing the same `CONV ...` lines
// as `Flows.Bench conv` so scripts/cpu/compare-conv.sh can put them side by side. Not part of the project's engine.
//   PeerConv [--shapes B:CIN:COUT:K:HxW,...] [--reps N] [--warmup N] [--threads T]
using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

static class PeerConv
{
    const string DefaultShapes = "32:64:64:3:28x28,32:128:128:3:14x14,64:64:64:3:16x16";

    static int Main(string[] args)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var opt = new Dictionary<string, string>();
        var known = new HashSet<string> { "shapes", "reps", "warmup", "threads" };
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--") || i + 1 >= args.Length || !known.Contains(args[i][2..]))
            { Console.Error.WriteLine($"error: bad argument '{args[i]}' (PeerConv [--shapes LIST] [--reps N] [--warmup N] [--threads T])"); return 2; }
            opt[args[i][2..]] = args[++i];
        }
        int GetI(string k, int def, int min)
        {
            if (!opt.TryGetValue(k, out var s)) return def;
            if (!int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v < min)
                throw new ArgumentException($"--{k} must be an integer >= {min}, got '{s}'");
            return v;
        }

        int reps, warmup, threads;
        List<(int B, int Cin, int Cout, int K, int H, int W)> shapes;
        try
        {
            reps = GetI("reps", 10, 1);
            warmup = GetI("warmup", 2, 0);
            threads = GetI("threads", Environment.ProcessorCount, 1);
            shapes = ParseShapes(opt.GetValueOrDefault("shapes", DefaultShapes));
        }
        catch (ArgumentException e) { Console.Error.WriteLine($"error: {e.Message}"); return 2; }

        // interop threads can only be set before libtorch starts any parallel work, so first
        torch.set_num_interop_threads(threads);
        torch.set_num_threads(threads);
        torch.random.manual_seed(0);
        Console.WriteLine($"PeerConv: TorchSharp {typeof(torch).Assembly.GetName().Version} (libtorch CPU), " +
                          $"torch threads={torch.get_num_threads()}, interop threads={torch.get_num_interop_threads()}; reps={reps} warmup={warmup}");
        foreach (var s in shapes) TimeShape(s.B, s.Cin, s.Cout, s.K, s.H, s.W, reps, warmup);
        return 0;
    }

    static void TimeShape(int b, int cin, int cout, int k, int h, int w, int reps, int warmup)
    {
        int pad = k / 2;
        var padding = new long[] { pad, pad };
        using var x = randn(b, cin, h, w);
        using var wt = randn(cout, cin, k, k);
        int oh = h + 2 * pad - k + 1, ow = w + 2 * pad - k + 1;
        using var gy = randn(b, cout, oh, ow);

        void Report(string kind, double ms)
        {
            double flops = 2.0 * b * cout * oh * ow * cin * k * k;
            Console.WriteLine($"CONV kind={kind} batch={b} cin={cin} cout={cout} k={k} pad={pad} h={h} w={w} " +
                              $"threads={torch.get_num_threads()} ms_median={ms:F3} gflops={flops / ms / 1e6:F2}");
        }

        Report("fwd", Time(reps, warmup, () =>
        {
            using var noGrad = no_grad();
            return Timed(() => F.conv2d(x, wt, padding: padding));
        }));
        // the backward passes: build the graph untimed, then time autograd.grad for one input only, so libtorch's
        // convolution_backward computes just that gradient
        Report("bwd-data", Time(reps, warmup, () => TimedGrad(x.detach().requires_grad_(true), wt, gy, padding, wrtInput: true)));
        Report("bwd-weight", Time(reps, warmup, () => TimedGrad(x, wt.detach().requires_grad_(true), gy, padding, wrtInput: false)));
    }

    static double TimedGrad(Tensor x, Tensor w, Tensor gy, long[] padding, bool wrtInput)
    {
        var y = F.conv2d(x, w, padding: padding);
        var input = wrtInput ? x : w;
        return Timed(() => torch.autograd.grad(new[] { y }, new[] { input }, new[] { gy })[0]);
    }

    static double Timed(Func<Tensor> pass)
    {
        var clock = Stopwatch.StartNew();
        pass();
        return clock.Elapsed.TotalMilliseconds;
    }

    /// <summary>Median milliseconds of reps runs after the warm-ups; each run's tensors die with its DisposeScope.</summary>
    static double Time(int reps, int warmup, Func<double> run)
    {
        var times = new double[reps];
        for (int i = 0; i < warmup + reps; i++)
        {
            double ms;
            using (NewDisposeScope()) ms = run();
            if (i >= warmup) times[i - warmup] = ms;
        }
        Array.Sort(times);
        return reps % 2 == 1 ? times[reps / 2] : (times[reps / 2 - 1] + times[reps / 2]) / 2;
    }

    static List<(int, int, int, int, int, int)> ParseShapes(string list)
    {
        var shapes = new List<(int, int, int, int, int, int)>();
        foreach (string item in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] p = item.Split(':');
            string[] hw = p.Length == 5 ? p[4].Split('x') : Array.Empty<string>();
            if (p.Length != 5 || hw.Length != 2) throw new ArgumentException($"--shapes: '{item}' is not batch:cin:cout:k:HxW");
            int N(string s) => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v > 0
                ? v : throw new ArgumentException($"--shapes: '{s}' in '{item}' is not a positive integer");
            int k = N(p[3]);
            if (k % 2 == 0) throw new ArgumentException($"--shapes: kernel size must be odd, got {k} in '{item}'");
            shapes.Add((N(p[0]), N(p[1]), N(p[2]), k, N(hw[0]), N(hw[1])));
        }
        if (shapes.Count == 0) throw new ArgumentException("--shapes: no shapes given");
        return shapes;
    }
}
