using Flows.Core;
using Flows.Core.Data;
using Flows.Core.Figures;
using Flows.Core.Flows;
using Flows.Core.Training;
using Flows.Training.Cli;

namespace Flows.Training.Commands;

/// <summary>`flows sample`: draw z ~ N(0, T²I) and map it through the inverse flow (eval mode), as a PNG grid.</summary>
public static class SampleCommand
{
    public static CommandSpec Spec { get; } = new("sample",
        "Draw samples x = f^-1(z), z ~ N(0, T^2 I), from a trained flow in eval mode and save them as a PNG grid.",
        [
            new("checkpoint", "PATH", "checkpoint.safetensors written by 'flows train'", Required: true),
            new("count", "N", "number of samples", "16"),
            new("temperature", "T", "sampling temperature: z ~ N(0, T^2 I); below 1 gives smoother samples, 0 decodes z = 0", "1"),
            new("out", "FILE", "PNG to write (a .npz of vectors for a tabular model)", "samples.png"),
            CommonOptions.Seed, CommonOptions.Device,
        ],
        Run);

    private static int Run(ParsedArgs args)
    {
        double temperature = args.Double("temperature", 1);
        TemperatureSampling.Validate(temperature); // before the checkpoint is read
        var checkpoint = TrainingCheckpoint.Load(args.Required("checkpoint"));
        int count = args.Int("count", 16);
        if (count < 1 || count > TrainingConfig.MaxSampleGrid)
            throw new UsageException($"--count must be between 1 and {TrainingConfig.MaxSampleGrid}, got {count}");
        using var backend = CommonOptions.CreateBackend(args);
        var model = FlowModels.Create(checkpoint.Config.Model, backend, checkpoint.Config.Seed);
        checkpoint.LoadModelInto(model);
        if (!model.DiscreteData)
        {
            // A vector model's samples are vectors: saved as numpy (keys embeddings, labels = -1), not a picture.
            string npz = args.String("out") ?? "samples.npz";
            if (!FlowDataLoader.IsVectorFile(npz)) throw new UsageException($"a {checkpoint.Config.Model.Name} model samples vectors; give --out a .npz path, not {npz}");
            model.Eval();
            var values = SampleGrid.Draw(model, count, (ulong)args.Int("seed", 0), temperature);
            VectorFile.Save(npz, new VectorDataset("samples", values, Enumerable.Repeat(-1, count).ToArray(), model.Dimension));
            Console.WriteLine($"samples: {Path.GetFullPath(npz)}");
            return 0;
        }
        string path = args.String("out") ?? "samples.png";
        SampleGrid.Save(model, count, (ulong)args.Int("seed", 0), path, temperature);
        Console.WriteLine($"samples: {Path.GetFullPath(path)}");
        return 0;
    }
}
