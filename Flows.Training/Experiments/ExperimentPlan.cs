using System.Globalization;
using Flows.Core.Flows;
using Flows.Core.Training;

namespace Flows.Training.Experiments;

/// <summary>
/// The paper's comparison (paper-spec E2, E6–E8) as a list of runs, all on one in-distribution set (FashionMNIST in the paper) with one seed and one
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
        ["realnvp", "glow", "horizontal3", "realnvp8", "horizontal", "cyclemask", .. BottleneckSizes(scale).Select(l => ResNetAeId(l))];

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
        var config = ModelConfig.Defaults(model, shape ?? Gray);
        if (!paper)
        {
            // Two cores: one or two residual blocks and 16 channels keep a step at a few seconds.
            config = model switch
            {
                "glow" => config with { K = 4, Mid = 32, Layers = 2 },
                "realnvp" or "realnvp-resnetae" => config with { Blocks = 2, Mid = 16 },
                _ => config with { Blocks = 1, Mid = 16 },
            };
        }
        if (model == "realnvp-resnetae")
            config = config with { Latent = int.Parse(id["resnetae-l".Length..], NumberStyles.None, CultureInfo.InvariantCulture) };

        var training = TrainingConfig.PaperDefaults(config) with
        {
            Dataset = dataset, Seed = seed, TestLimit = testLimit, BatchSize = 32,
            // The paper's epochs (paper-spec §5.3; the single-scale and bottleneck settings are unverified, so
            // they take the RealNVP baseline's). At CPU scale the step budget decides and a larger rate helps.
            Epochs = paper ? (model == "glow" ? 152 : 82) : 1,
            MaxSteps = steps,
            LearningRate = paper ? 5e-5 : model == "glow" ? 1e-4 : 1e-3,
            SampleCount = 9,
        };
        var (group, description) = Describe(model, config);
        return new ExperimentRun(id, group, description, training);
    }

    private static (string Group, string Description) Describe(string model, ModelConfig c) => model switch
    {
        "realnvp" => ("baseline", "multi-scale RealNVP (E2 baseline)"),
        "glow" => ("baseline", "Glow (E2 baseline; the official notebook's model)"),
        "realnvp8" => ("mask", "single-scale RealNVP, 8 checkerboard couplings (E7 comparison)"),
        "horizontal" => ("mask", "single-scale RealNVP, 8 horizontal-mask couplings (E6/E7)"),
        "cyclemask" => ("mask", "single-scale RealNVP, 8 cycle-mask couplings (E7)"),
        "realnvp-resnetae" => ("bottleneck", string.Create(CultureInfo.InvariantCulture, $"multi-scale RealNVP, ResNetAE st-networks, bottleneck l = {c.Latent} (E8)")),
        "horizontal3" => ("coadaptation", "3 horizontal-mask couplings (E6 co-adaptation figure)"),
        _ => ("other", model),
    };
}
