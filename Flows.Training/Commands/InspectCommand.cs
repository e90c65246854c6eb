using Flows.Core.Data;
using Flows.Core.Flows;
using Flows.Core.Inspection;
using Flows.Core.Training;
using Flows.Training.Cli;

namespace Flows.Training.Commands;

/// <summary>`flows inspect`: the inside of a trained flow for chosen test images (docs/MODELS.md §2 E4, E5, E9, E12).</summary>
public static class InspectCommand
{
    public static CommandSpec Spec { get; } = new("inspect",
        "Draw the inside of a trained flow for chosen test images (paper §5-6): every coupling layer's output, exp(s)\n" +
        "and t in image layout (couplings_SET_INDEX.png, Fig. 1b/c), all images in one grid when the model has at most 8\n" +
        "couplings (couplings_all.png, the co-adaptation figure), the latent z in image layout with its mean over\n" +
        "dequantization draws and with BatchNorm batch statistics (latents.png), and 9 samples (samples.png). RGB models\n" +
        "also get z as RGB, per-channel views and the averaged z (latents_rgb.png) and the appendix grid\n" +
        "(latents_appendix.png); Glow gets sigmoid(z) (latents_sigmoid.png); the cycle-mask model its masks (cycle_masks.png).",
        [
            new("checkpoint", "PATH", "checkpoint.safetensors written by 'flows train'", Required: true),
            new("image", "SET:INDEX", "a test image, e.g. fashionmnist:4; repeat or comma-separate for more", "fashionmnist:4,mnist:10", Repeatable: true),
            new("draws", "N", "dequantization draws for the averaged latent", "40"),
            new("latent-clip", "C", "RGB models: clip the per-channel latent views to [-C, C] (latents_rgb.png)", "2"),
            new("out", "DIR", "output folder (default: beside the checkpoint, in inspect/)"),
            CommonOptions.Seed, CommonOptions.Device, CommonOptions.DataDir, CommonOptions.Offline,
        ],
        Run);

    private static int Run(ParsedArgs args)
    {
        var images = ImageSpecs(args);
        var checkpoint = TrainingCheckpoint.Load(args.Required("checkpoint"));
        string outDir = args.String("out") ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(checkpoint.Path))!, "inspect");
        int draws = args.Int("draws", LatentLayout.PaperDraws);
        if (draws < 1) throw new UsageException($"--draws must be at least 1, got {draws}");
        double latentClip = args.Double("latent-clip", InspectionFigures.ChannelClip);
        if (!(latentClip > 0) || !double.IsFinite(latentClip)) throw new UsageException($"--latent-clip must be a positive number, got {latentClip}");
        using var backend = CommonOptions.CreateBackend(args);
        var model = FlowModels.Create(checkpoint.Config.Model, backend, checkpoint.Config.Seed) as MultiScaleFlow
            ?? throw new UsageException($"'{checkpoint.Config.Model.Name}' is not an image flow; inspect draws image models only");
        checkpoint.LoadModelInto(model);
        var dataOptions = CommonOptions.Data(args);
        var sets = new Dictionary<string, ImageDataset>(StringComparer.OrdinalIgnoreCase);
        ImageDataset TestSet(string name) => sets.TryGetValue(name, out var d) ? d : sets[name] = CommonOptions.LoadImages(name, DatasetSplit.Test, dataOptions);
        int seed = args.Int("seed", checkpoint.Config.Seed);
        var written = InspectionArtifacts.Write(model, images, TestSet, outDir, (ulong)seed + Trainer.EvaluationNoiseSeed, (ulong)seed, draws, latentClip);
        foreach (var (kind, path) in written) Console.WriteLine($"{kind}: {Path.GetFullPath(path)}");
        return 0;
    }

    /// <summary>--image values: repeated or comma-separated SET:INDEX.</summary>
    private static List<(string Set, int Index)> ImageSpecs(ParsedArgs args)
    {
        var values = ListOption.Values(args, "image", "fashionmnist:4,mnist:10");
        try
        {
            return values.Select(InspectionArtifacts.ParseImage).ToList();
        }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
    }
}
