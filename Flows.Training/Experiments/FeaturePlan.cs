using Flows.Core.Data;
using Flows.Core.Flows;
using Flows.Core.Training;

namespace Flows.Training.Experiments;

/// <summary>
/// The E10 part of <c>flows experiments</c> (docs/MODELS.md §2 E10, §8): feature flows on FashionMNIST (against the
/// comparison's OOD sets) and on CIFAR-10 (against the other sets, grayscale ones as 3 channels), each beside a pixel
/// flow. The paper's own pairs are CIFAR-10/SVHN/CelebA; SVHN and CelebA join CIFAR-10's OOD list when their files
/// are in the data folder, and are reported as skipped otherwise (nothing is downloaded for them).
/// </summary>
public static class FeaturePlan
{
    public const string FashionMnistId = "features-fashionmnist", Cifar10Id = "features-cifar10";

    /// <summary>The CIFAR-10 pixel RealNVP's run id (the FashionMNIST pairs reuse the comparison's "realnvp").</summary>
    public const string CifarPixelId = "realnvp-cifar10";

    public static IReadOnlyList<string> Ids { get; } = [FashionMnistId, Cifar10Id];

    /// <summary>The colour sets of the paper's E10 pairs besides CIFAR-10: used only where present.</summary>
    public static IReadOnlyList<string> OptionalColorSets { get; } = ["svhn", "celeba"];

    private static readonly ImageShape Color = new(3, 32, 32);

    public static bool IsFeatureId(string id) => Ids.Contains(id.Trim().ToLowerInvariant());

    /// <summary>
    /// Splits --models into the comparison's ids and E10 ids. Null (no --models) selects everything: the comparison's
    /// defaults (Pixel = null) and both feature runs. An id neither part knows is an ArgumentException listing both.
    /// </summary>
    public static (IReadOnlyList<string>? Pixel, IReadOnlyList<string> Features) Split(ExperimentScale scale, IReadOnlyCollection<string>? ids)
    {
        if (ids is null || ids.Count == 0) return (null, Ids);
        var features = new List<string>();
        var pixel = new List<string>();
        foreach (var raw in ids)
        {
            var id = raw.Trim().ToLowerInvariant();
            if (IsFeatureId(id)) features.Add(id);
            else if (ExperimentPlan.IsKnown(scale, id)) pixel.Add(id);
            else
                throw new ArgumentException($"unknown experiment model '{raw}'; known: {string.Join(", ", ExperimentPlan.DefaultIds(scale).Concat(Ids))} (resnetae-lN for any latent size N)");
        }
        return (pixel, features.Distinct().ToList());
    }

    /// <param name="grayOod">The comparison's OOD sets: FashionMNIST's feature flow is scored on the same ones, so its pixel
    /// AUROCs are the comparison's realnvp run's.</param>
    /// <param name="steps">The comparison's step budget, for the CIFAR-10 pixel flow (0: the paper's epochs).</param>
    /// <param name="trainLimit">Training images embedded per in-distribution set (0 = all).</param>
    /// <param name="testLimit">Test images scored per set, by both flows (0 = all).</param>
    /// <param name="dataDir">The data folder, where SVHN and CelebA are looked for.</param>
    public static IReadOnlyList<FeatureRun> Build(ExperimentScale scale, IReadOnlyCollection<string> ids, IReadOnlyList<string> grayOod,
                                                  int steps, int seed, int trainLimit, int testLimit, string dataDir)
    {
        // Script defaults at cpu scale (10 epochs); the script's 101 epochs at paper scale (docs/MODELS.md §2 E10, §5.3).
        var recipe = TrainingPresets.Get(scale == ExperimentScale.Paper ? "paper-features" : "features-tabular").Config with { Seed = seed };
        var runs = new List<FeatureRun>();
        foreach (var id in ids.Select(i => i.Trim().ToLowerInvariant()).Distinct())
        {
            if (id == FashionMnistId)
            {
                runs.Add(new FeatureRun(id, "fashionmnist", grayOod, [], "realnvp", null, recipe, trainLimit, testLimit));
            }
            else if (id == Cifar10Id)
            {
                var skipped = new List<(string, string)>();
                var ood = new List<string> { "fashionmnist", "mnist", "notmnist" };
                foreach (var name in OptionalColorSets)
                {
                    if (DatasetPresence.Missing(DatasetRegistry.Get(name), DatasetSplit.Test, dataDir) is { } reason) skipped.Add((name, reason));
                    else ood.Add(name);
                }
                var pixel = ExperimentPlan.PixelRealNvp(scale, CifarPixelId, "cifar10", Color,
                    "multi-scale RealNVP on CIFAR-10 (E2/E10 pixel baseline; the comparison's realnvp sizes)", steps, seed, testLimit);
                runs.Add(new FeatureRun(id, "cifar10", ood, skipped, CifarPixelId, pixel, recipe, trainLimit, testLimit));
            }
            else
            {
                throw new ArgumentException($"unknown feature run '{id}'; known: {string.Join(", ", Ids)}");
            }
        }
        return runs;
    }
}
