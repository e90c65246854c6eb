using System.Globalization;
using Flows.Core.Flows;
using Flows.Core.Training;

namespace Flows.Training.Experiments;

/// <summary>
/// The paper's comparison (docs/MODELS.md §2 E2, E6–E8) as a list of runs, all on one in-distribution set (FashionMNIST in the paper) with one seed and one
/// step budget: multi-scale RealNVP and Glow (baselines), single-scale RealNVP with checkerboard masks,
/// horizontal masks and the cycle-mask, RealNVP with ResNetAE bottleneck st-networks at several latent sizes,
/// and the 3-layer horizontal model of the co-adaptation figure.
/// </summary>
public static class ExperimentPlan
{
    private static readonly ImageShape Gray = new(1, 28, 28);

    /// <summary>
    /// Run ids in the order they are trained ("resnetae-l{L}" for each bottleneck size): the baselines and the
    /// cheap co-adaptation model first, so a comparison cut short still has them.
    /// </summary>
    public static IReadOnlyList<string> DefaultIds(ExperimentScale scale) =>
        ExperimentModel.All.SelectMany(m => m.RunPerLatent ? BottleneckSizes(scale).Select(ResNetAeId) : [m.Model]).ToList();

    /// <summary>Bottleneck latent sizes l: the paper's code defaults to 100; 10 and 50 squeeze harder.</summary>
    public static IReadOnlyList<int> BottleneckSizes(ExperimentScale scale) => scale == ExperimentScale.Paper ? [10, 50, 100] : [10, 50];

    public static string ResNetAeId(int latent) => "resnetae-l" + latent.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The runs for <paramref name="ids"/> (null: all), each stopped after <paramref name="steps"/> optimizer steps
    /// (0: the paper's epochs), evaluated on the first <paramref name="testLimit"/> test images (0: all).
    /// </summary>
    /// <param name="dataset">The in-distribution set every run trains on.</param>
    /// <param name="shape">Its image shape (null: FashionMNIST's 1×28×28); the paper's gray or colour sizes follow the channels.</param>
    public static IReadOnlyList<ExperimentRun> Build(ExperimentScale scale, IReadOnlyCollection<string>? ids, int steps, int seed, int testLimit,
                                                     string dataset = "fashionmnist", ImageShape? shape = null)
    {
        var known = DefaultIds(scale);
        var chosen = ids is null || ids.Count == 0 ? known : ids.Select(Normalize).ToList();
        foreach (var id in chosen)
            if (!known.Contains(id) && !id.StartsWith("resnetae-l", StringComparison.Ordinal))
                throw new ArgumentException($"unknown experiment model '{id}'; known: {string.Join(", ", known)} (resnetae-lN for any latent size N)");
        return chosen.Distinct().Select(id => Create(scale, id, steps, seed, testLimit, shape: shape, dataset: dataset)).ToList();
    }

    /// <summary>Whether <paramref name="id"/> names a run of this plan (a default id, or resnetae-lN for any N).</summary>
    public static bool IsKnown(ExperimentScale scale, string id)
    {
        var normal = Normalize(id);
        return DefaultIds(scale).Contains(normal) || normal.StartsWith("resnetae-l", StringComparison.Ordinal);
    }

    /// <summary>
    /// A multi-scale RealNVP run on another image set, sized and scheduled as the comparison's own
    /// <c>realnvp</c> (same blocks, channels, steps, batch and rate), so its AUROC sits beside the gray runs' (E10).
    /// </summary>
    public static ExperimentRun PixelRealNvp(ExperimentScale scale, string id, string dataset, ImageShape shape, string description,
                                             int steps, int seed, int testLimit) =>
        Create(scale, id, steps, seed, testLimit, "realnvp", shape, dataset) with { Group = "e10", Description = description };

    // Model names of the library are accepted too: realnvp-resnetae means every default bottleneck size.
    private static string Normalize(string id) => id.Trim().ToLowerInvariant() switch
    {
        "realnvp-resnetae" or "resnetae" => "resnetae-l10",
        var s => s,
    };

    private static ExperimentRun Create(ExperimentScale scale, string id, int steps, int seed, int testLimit,
                                        string? model = null, ImageShape? shape = null, string dataset = "fashionmnist")
    {
        bool paper = scale == ExperimentScale.Paper;
        model ??= id.StartsWith("resnetae-l", StringComparison.Ordinal) ? "realnvp-resnetae" : id;
        var use = ExperimentModel.Get(model);
        var config = ModelConfig.Defaults(model, shape ?? Gray);
        if (!paper) config = use.CpuSizes(config);
        if (id.StartsWith("resnetae-l", StringComparison.Ordinal))
            config = config with { Latent = int.Parse(id["resnetae-l".Length..], NumberStyles.None, CultureInfo.InvariantCulture) };

        var training = TrainingConfig.PaperDefaults(config) with
        {
            Dataset = dataset,
            Seed = seed,
            TestLimit = testLimit,
            BatchSize = 32,
            Epochs = paper ? use.PaperEpochs : 1,
            MaxSteps = steps,
            LearningRate = paper ? 5e-5 : use.CpuRate,
            SampleCount = 9,
        };
        return new ExperimentRun(id, use.Group, use.Describe(config), training);
    }

    /// <summary>Whether a run measures co-adaptation (all its couplings use horizontal masks), for the evaluation budget.</summary>
    public static bool MeasuresCoAdaptation(ExperimentRun run) =>
        ExperimentModel.All.FirstOrDefault(m => m.Model == run.Config.Model.Name)?.CoAdaptation ?? false;
}
