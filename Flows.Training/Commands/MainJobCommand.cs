using Flows.Core.Training;
using Flows.Training.Cli;

namespace Flows.Training.Commands;

/// <summary>
/// What `dotnet run --project Flows.Training` does with no arguments: the paper's headline on this machine.
/// Train a small RealNVP on FashionMNIST, score FashionMNIST (test), MNIST and notMNIST, print the AUROC and
/// bits/dim table, and end with `report: PATH`.
/// </summary>
public static class MainJobCommand
{
    public static CommandSpec Spec { get; } = new("run",
        "The main job (also what runs with no command): train the small RealNVP preset on FashionMNIST, then score\n" +
        "FashionMNIST test, MNIST and notMNIST; prints the AUROC table and ends with 'report: PATH'.",
        [
            new("preset", "NAME", "training recipe (see 'flows train --help')", "cpu-small"),
            new("steps", "N", "optimizer steps (default: the preset's)"),
            new("ood", "SETS", "comma-separated OOD sets", "mnist,notmnist"),
            new("limit", "N", "images scored per set", "2000"),
            new("out", "DIR", "output folder", "runs/main"),
            CommonOptions.Seed, CommonOptions.Device, CommonOptions.DataDir, CommonOptions.Offline,
        ],
        Run);

    private static int Run(ParsedArgs args)
    {
        var preset = TrainingPresets.Get(args.String("preset") ?? "cpu-small");
        string outDir = Path.GetFullPath(args.String("out") ?? "runs/main");
        var config = preset.Config with
        {
            MaxSteps = args.Int("steps", preset.Config.MaxSteps),
            Seed = args.Int("seed", preset.Config.Seed),
        };
        var oodSpecs = (args.String("ood") ?? "mnist,notmnist").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        int limit = args.Int("limit", 2000);
        Console.WriteLine($"FlowsFromScratch main job: train '{preset.Name}' ({preset.Description}),");
        Console.WriteLine($"then score {config.Dataset} test vs {string.Join(", ", oodSpecs)} ({(limit > 0 ? $"{limit} images each" : "all images")}). Output: {outDir}");

        var result = TrainCommand.Train(config, args, Path.Combine(outDir, "train"), resume: null);
        if (!result.Completed) return 130;

        var checkpoint = TrainingCheckpoint.Load(result.CheckpointPath);
        using var backend = CommonOptions.CreateBackend(args);
        OodCommand.Evaluate(backend, checkpoint, null, oodSpecs, limit, config.EvalBatchSize, config.Seed,
                            CommonOptions.Data(args), Path.Combine(outDir, "ood"));
        return 0;
    }
}
