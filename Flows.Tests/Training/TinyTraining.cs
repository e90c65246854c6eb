using Flows.Core.Flows;
using Flows.Core.Training;

namespace Flows.Tests.Training;

/// <summary>The tiny RealNVP recipe the trainer tests share: 8×8 images, one block, 4 channels, seconds per run.</summary>
internal static class TinyTraining
{
    public static TrainingConfig Config(int steps) => new()
    {
        Model = ModelConfig.Defaults("realnvp", new ImageShape(1, 8, 8)) with { Blocks = 1, Mid = 4 },
        Dataset = "synthetic", Epochs = 3, MaxSteps = steps, BatchSize = 16, LearningRate = 1e-3,
        EvalBatchSize = 32, SampleCount = 4, Seed = 3,
    };
}
