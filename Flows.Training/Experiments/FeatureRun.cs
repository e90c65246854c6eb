using Flows.Core.Training;

namespace Flows.Training.Experiments;

/// <summary>
/// One in-distribution set of the E10 part (docs/MODELS.md §2 E10, §8): a tabular RealNVP on its ResNet-18 features and the
/// pixel flow whose AUROC the report puts beside the feature flow's, for every OOD set.
/// </summary>
/// <param name="Id">"features-fashionmnist", "features-cifar10": the run's folder and --models name.</param>
/// <param name="InDistribution">Registry name of the set whose train split trains both flows.</param>
/// <param name="OodSets">Test sets scored against the in-distribution test set (present ones only).</param>
/// <param name="Skipped">Optional OOD sets left out, with the reason (not downloaded).</param>
/// <param name="PixelRunId">The pixel flow's run id: the comparison's "realnvp" for FashionMNIST, else <see cref="PixelRun"/>'s.</param>
/// <param name="PixelRun">A pixel flow this part trains itself (CIFAR-10); null reuses the comparison's run <see cref="PixelRunId"/>.</param>
/// <param name="FeatureConfig">The tabular flow's recipe (preset features-tabular; its width follows the embeddings).</param>
/// <param name="TrainLimit">Training images embedded (0 = all).</param>
/// <param name="TestLimit">Test images embedded and scored per set (0 = all).</param>
public sealed record FeatureRun(
    string Id,
    string InDistribution,
    IReadOnlyList<string> OodSets,
    IReadOnlyList<(string Set, string Reason)> Skipped,
    string PixelRunId,
    ExperimentRun? PixelRun,
    TrainingConfig FeatureConfig,
    int TrainLimit,
    int TestLimit);
