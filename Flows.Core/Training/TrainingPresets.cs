using Flows.Core.Flows;

namespace Flows.Core.Training;

/// <summary>
/// Named training recipes: the paper's configurations (docs/MODELS.md §5.3) and small ones sized for a 2-core CPU.
/// A preset fills every setting; command-line flags then override single values.
/// </summary>
public static class TrainingPresets
{
    public sealed record Preset(string Name, string Description, TrainingConfig Config);

    private static readonly ImageShape Gray = new(1, 28, 28);
    private static readonly ImageShape Color = new(3, 32, 32);
    private static readonly ImageShape ImageNet64 = new(3, 64, 64);

    public static IReadOnlyList<Preset> All { get; } =
    [
        new("cpu-small", "the main job: a small RealNVP (2 scales, 1 block, 32 mid) on the first 50,000 FashionMNIST images, 400 steps (about 1 to 1.5 minutes on 2 idle cores)",
            new TrainingConfig
            {
                Model = ModelConfig.Defaults("realnvp", Gray) with { Blocks = 1, Mid = 32 },
                // The first 50,000 training images: the last 10,000 stay unseen, a validation split for the
                // typicality score and calibrated thresholds (ood --val).
                Dataset = "fashionmnist", Epochs = 1, MaxSteps = 400, BatchSize = 32, LearningRate = 1e-3,
                TrainLimit = 50000, TestLimit = 2000, EvalBatchSize = 250,
            }),
        new("cpu-glow-small", "a small Glow (2 levels, K 4, 64 mid, 2 highway layers) on FashionMNIST",
            new TrainingConfig
            {
                Model = ModelConfig.Defaults("glow", Gray) with { K = 4, Mid = 64, Layers = 2 },
                Dataset = "fashionmnist", Epochs = 1, MaxSteps = 400, BatchSize = 32, LearningRate = 1e-4,
                Optimizer = "rmsprop", DecayGroups = "all", TestLimit = 2000, EvalBatchSize = 250,
            }),
        new("cpu-negative", "negative training at CPU scale (docs/MODELS.md §2 E3): the cpu-small RealNVP on FashionMNIST, MNIST as the negative set, negative_val -30000, 300 steps",
            new TrainingConfig
            {
                Model = ModelConfig.Defaults("realnvp", Gray) with { Blocks = 1, Mid = 32 },
                Dataset = "fashionmnist", OodDataset = "mnist", NegativeValue = -30000, Epochs = 1, MaxSteps = 300,
                BatchSize = 32, LearningRate = 1e-3, TestLimit = 2000, EvalBatchSize = 250,
            }),
        new("smoke", "a seconds-long run for CI: a tiny RealNVP on 256 FashionMNIST images",
            new TrainingConfig
            {
                Model = ModelConfig.Defaults("realnvp", Gray) with { Blocks = 1, Mid = 8 },
                Dataset = "fashionmnist", Epochs = 1, MaxSteps = 8, BatchSize = 32, LearningRate = 1e-3,
                TrainLimit = 256, TestLimit = 256, EvalBatchSize = 128, SampleCount = 4,
            }),
        new("features-tabular", "the tabular RealNVP on image embeddings (docs/MODELS.md §2 E10, script defaults): 8 couplings, hidden 64, 8 layers, Adam 1e-3, batch 64; 10 epochs",
            new TrainingConfig
            {
                Model = ModelConfig.Tabular(512, hidden: 64, layers: 8, couplings: 8),
                Dataset = "features=runs/features/fashionmnist_features_{split}.npz", Epochs = 10, BatchSize = 64, LearningRate = 1e-3,
                DecayGroups = "all", EvalBatchSize = 500, SampleCount = 0,
            }),
        new("paper-features", "the tabular RealNVP on embeddings with the script's full schedule: 101 epochs",
            new TrainingConfig
            {
                Model = ModelConfig.Tabular(512, hidden: 64, layers: 8, couplings: 8),
                Dataset = "features=runs/features/fashionmnist_features_{split}.npz", Epochs = 101, BatchSize = 64, LearningRate = 1e-3,
                DecayGroups = "all", EvalBatchSize = 500, SampleCount = 0,
            }),
        new("paper-uci", "the tabular RealNVP on a UCI task (docs/MODELS.md §2 E11): 8 couplings, hidden 256, 1 layer, Adam 1e-3, batch 1024, 101 epochs, no shuffling",
            new TrainingConfig
            {
                Model = ModelConfig.Tabular(50, hidden: 256, layers: 1, couplings: 8),
                Dataset = "miniboone0", Epochs = 101, BatchSize = 1024, LearningRate = 1e-3, DecayGroups = "all",
                Shuffle = false, EvalBatchSize = 4096, SampleCount = 0,
            }),
        new("paper-realnvp-gray", "the paper's RealNVP on FashionMNIST/MNIST: 2 scales, 6 blocks, 64 mid, Adam 5e-5, batch 32, 82 epochs",
            new TrainingConfig { Model = ModelConfig.Defaults("realnvp", Gray), Dataset = "fashionmnist", Epochs = 82, BatchSize = 32, LearningRate = 5e-5 }),
        new("paper-realnvp-color", "the paper's RealNVP on CIFAR-10/CelebA/SVHN: 3 scales, 8 blocks, 64 mid, Adam 1e-4, 102 epochs",
            new TrainingConfig { Model = ModelConfig.Defaults("realnvp", Color), Dataset = "cifar10", Epochs = 102, BatchSize = 32, LearningRate = 1e-4 }),
        // E1 (docs/MODELS.md §2): the paper's code has no ImageNet model; the colour RealNVP's sizes and training on 3x64x64 with 4 scales.
        new("paper-realnvp-imagenet64", "UNVERIFIED (no official ImageNet code): RealNVP on ImageNet 64x64 (Figure 1), the colour recipe with 4 scales: 8 blocks, 64 mid, Adam 1e-4, batch 32, 102 epochs; the full train split needs 15.7 GB of memory: add --train-limit N or pass --dataset imagenet64=PATH/train_data_batch_N",
            new TrainingConfig { Model = ModelConfig.Defaults("realnvp", ImageNet64) with { Scales = 4 }, Dataset = "imagenet64", Epochs = 102, BatchSize = 32, LearningRate = 1e-4 }),
        new("paper-glow-gray", "the paper's Glow on FashionMNIST/MNIST: 2 levels, K 16, 200 mid, RMSprop 5e-5, wd on all, 152 epochs",
            new TrainingConfig
            {
                Model = ModelConfig.Defaults("glow", Gray), Dataset = "fashionmnist", Epochs = 152, BatchSize = 32,
                LearningRate = 5e-5, Optimizer = "rmsprop", DecayGroups = "all",
            }),
        new("paper-glow-color", "the paper's Glow on CIFAR-10/CelebA/SVHN: 3 levels, K 8, 400 mid, RMSprop 1e-5, 162 epochs",
            new TrainingConfig
            {
                Model = ModelConfig.Defaults("glow", Color), Dataset = "cifar10", Epochs = 162, BatchSize = 32,
                LearningRate = 1e-5, Optimizer = "rmsprop", DecayGroups = "all",
            }),
        // Appendix B (docs/MODELS.md §2 E3, §5.3): "reuse the hyper-parameters of the baseline models and set --negative_val".
        new("paper-negative-gray", "negative training as in the paper on FashionMNIST (+) / MNIST (-): the gray RealNVP baseline recipe with negative_val -30000, batch 32+32",
            new TrainingConfig
            {
                Model = ModelConfig.Defaults("realnvp", Gray), Dataset = "fashionmnist", OodDataset = "mnist", NegativeValue = -30000,
                Epochs = 82, BatchSize = 32, LearningRate = 5e-5,
            }),
        new("paper-negative-color", "the README's negative training on CIFAR-10 (+) / CelebA (-): RealNVP 3 scales, 8 blocks, Adam 5e-5, batch 32+32, negative_val -100000, 102 epochs",
            new TrainingConfig
            {
                Model = ModelConfig.Defaults("realnvp", Color) with { Scales = 3, Blocks = 8 }, Dataset = "cifar10", OodDataset = "celeba",
                NegativeValue = -100000, Epochs = 102, BatchSize = 32, LearningRate = 5e-5,
            }),
    ];

    public static Preset Get(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown preset '{name}'; known presets: {string.Join(", ", All.Select(p => p.Name))}");
}
