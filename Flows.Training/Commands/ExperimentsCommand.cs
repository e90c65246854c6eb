using System.Diagnostics;
using System.Globalization;
using Flows.Core.Experiments;
using Flows.Training.Cli;

namespace Flows.Training.Commands;

/// <summary>`flows experiments`: the paper's comparison, trained and evaluated in one go, written up as REPRODUCTION.md.</summary>
public static class ExperimentsCommand
{
    public static CommandSpec Spec { get; } = new("experiments",
        "Train and evaluate the paper's comparison on FashionMNIST with one seed and one step budget: RealNVP and Glow\n" +
        "(baselines), single-scale RealNVP with checkerboard, horizontal and cycle masks, RealNVP with ResNetAE bottlenecks,\n" +
        "and the 3-layer horizontal model of the co-adaptation figure; score them against MNIST and notMNIST (bits/dim,\n" +
        "AUROC, per-layer attribution, figures) and write the report. --scale cpu sizes the models for two cores and the step\n" +
        "count from --budget-minutes (measured step times); --scale paper trains the paper's configurations and epochs (GPU).",
        [
            new("scale", "cpu|paper", "model sizes and schedule", "cpu"),
            new("models", "IDS", "subset, comma-separated or repeated, of: " + string.Join(", ", ExperimentPlan.DefaultIds(ExperimentScale.Cpu)) + " (resnetae-lN for any N)"),
            new("steps", "N", "optimizer steps per model (overrides the budget; paper scale: the paper's epochs when omitted)"),
            new("budget-minutes", "M", "cpu scale: wall-clock minutes for the whole command; sets the steps per model", "60"),
            new("eval-limit", "N", "test images per set for AUROC and attribution (0 = all; default 500 at cpu scale, all at paper scale)"),
            new("seed", "N", "one seed for every run", "0"),
            new("out", "DIR", "folder for the runs (checkpoints, metrics, figures)", "runs/experiments"),
            new("report", "FILE", "the markdown report to write", "docs/REPRODUCTION.md"),
            new("figures", "DIR", "where the report's figures go", "docs/figures"),
            CommonOptions.Device, CommonOptions.DataDir, CommonOptions.Offline,
        ],
        Run);

    private static int Run(ParsedArgs args)
    {
        var clock = Stopwatch.StartNew();
        var scale = (args.String("scale") ?? "cpu").ToLowerInvariant() switch
        {
            "cpu" => ExperimentScale.Cpu,
            "paper" => ExperimentScale.Paper,
            var s => throw new UsageException($"--scale must be cpu or paper, got '{s}'"),
        };
        var ids = args.Has("models") ? ListOption.Values(args, "models", null).ToArray() : null;
        int seed = args.Int("seed", 0);
        int evalLimit = args.Int("eval-limit", scale == ExperimentScale.Cpu ? 500 : 0);
        if (evalLimit < 0) throw new UsageException($"--eval-limit must not be negative, got {evalLimit}");
        int? steps = args.IntOrNull("steps");
        if (steps is < 1) throw new UsageException($"--steps must be at least 1, got {steps}");
        double budget = args.Double("budget-minutes", 60);
        if (!(budget > 0)) throw new UsageException($"--budget-minutes must be positive, got {budget}");

        using var backend = CommonOptions.CreateBackend(args);
        var notes = new List<string>();
        var options = new ExperimentOptions
        {
            OutputDirectory = args.String("out") ?? "runs/experiments",
            ReportPath = args.String("report") ?? "docs/REPRODUCTION.md",
            FiguresDirectory = args.String("figures") ?? "docs/figures",
            Data = CommonOptions.Data(args),
            EvalLimit = evalLimit,
            Scale = scale,
            Invocation = "flows experiments " + string.Join(" ", Environment.GetCommandLineArgs().Skip(2)),
            Notes = notes,
            Log = Console.WriteLine,
            Observer = run => new ConsoleTrainingObserver(run.Config.BatchSize),
        };
        var runner = new ExperimentRunner(backend, options);
        var plan = ExperimentPlan.Build(scale, ids, steps ?? 0, seed, evalLimit);

        if (steps is null && scale == ExperimentScale.Cpu)
        {
            // Same steps for every model, as many as the budget allows after evaluation.
            var times = plan.Select(run =>
            {
                double s = runner.MeasureStepSeconds(run);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"step time {run.Id}: {s:F2} s"));
                return s;
            }).ToList();
            var evalImages = plan.Select(r => StepBudget.EvalImages(evalLimit, options.OodSets.Count,
                r.Config.Model.Name is "horizontal" or "horizontal3")).ToList();
            double left = budget * 60 - clock.Elapsed.TotalSeconds;
            int sized = StepBudget.Steps(times, plan[0].Config.BatchSize, evalImages, left);
            if (sized < 5)
                throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                    $"--budget-minutes {budget} leaves {sized} steps per model after evaluation (step times {string.Join(", ", times.Select(t => t.ToString("F1", CultureInfo.InvariantCulture)))} s); give more minutes, fewer --models or a smaller --eval-limit"));
            steps = sized;
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"Step budget: {sized} steps per model, sized from a {budget:F0}-minute budget and measured step times ({string.Join(", ", plan.Zip(times, (r, t) => $"{r.Id} {t:F2} s"))})."));
            plan = ExperimentPlan.Build(scale, ids, sized, seed, evalLimit);
            Console.WriteLine($"budget: {sized} steps per model");
        }
        else if (steps is not null)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"Step budget: {steps} steps per model (--steps)."));
        }
        else
        {
            notes.Add("Schedule: the paper's epochs (82 for the RealNVP family, 152 for Glow; batch 32).");
        }

        var results = runner.Run(plan);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"experiments: {results.Count} runs in {clock.Elapsed.TotalMinutes:F1} min"));
        Console.WriteLine($"report: {Path.GetFullPath(options.ReportPath)}");
        return 0;
    }
}
