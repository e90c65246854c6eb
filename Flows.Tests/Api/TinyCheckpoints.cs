using Flows.Core.Data;
using Flows.Core.Flows;
using Flows.Core.Training;
using Flows.Kernels.Cpu;
using Flows.Tests.Training;

namespace Flows.Tests.Api;

/// <summary>Two tiny RealNVPs on 8x8 blobs, trained a few steps and written as checkpoints, once per test run.</summary>
internal static class TinyCheckpoints
{
    private static readonly Lazy<(string Dir, string A, string B)> Written = new(Write);

    /// <summary>A checkpoint of a 1x8x8 model.</summary>
    public static string A => Written.Value.A;

    /// <summary>Another checkpoint of the same architecture (another seed): its calibrations must not fit A.</summary>
    public static string B => Written.Value.B;

    /// <summary>In-distribution images for calibration (unseen in training).</summary>
    public static ImageDataset Validation => SyntheticImages.Blobs("blobs-val", 48, 8, seed: 5);

    /// <summary>Images to score: blobs (in-distribution) and uniform noise (OOD).</summary>
    public static ImageDataset Blobs => SyntheticImages.Blobs("blobs-test", 12, 8, seed: 6);

    public static ImageDataset Noise => SyntheticImages.Noise("noise", 12, 8, seed: 7);

    private static (string, string, string) Write()
    {
        string dir = Directory.CreateTempSubdirectory("flows-api-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(dir, recursive: true); } catch (IOException) { } };
        return (dir, Train(dir, "a", seed: 3), Train(dir, "b", seed: 4));
    }

    private static string Train(string dir, string name, int seed)
    {
        var config = new TrainingConfig
        {
            Model = ModelConfig.Defaults("realnvp", new ImageShape(1, 8, 8)) with { Blocks = 1, Mid = 4 },
            Dataset = "synthetic", Epochs = 1, MaxSteps = 6, BatchSize = 16, LearningRate = 1e-3,
            EvalBatchSize = 32, SampleCount = 4, Seed = seed,
        };
        var train = SyntheticImages.Blobs("blobs", 96, 8, seed: 1);
        using var backend = new ManagedCpuBackend();
        using var trainer = new Trainer(config, backend, train, train.Subset(16), Path.Combine(dir, name));
        trainer.Run(new SilentObserver());
        return trainer.CheckpointPath;
    }
}
