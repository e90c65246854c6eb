using System.Globalization;
using Flows.Core.Flows;

namespace Flows.Training.Experiments;

/// <summary>
/// How the comparison uses each library model it trains (a <see cref="ModelCatalog"/> name): its group in the
/// report, its description, its sizes at cpu scale, its epochs and rate. Declared once per model; the plan and
/// the step budget read it.
/// </summary>
/// <param name="Model">A <see cref="ModelCatalog"/> name.</param>
/// <param name="Group">The report's group: baseline, mask, bottleneck, coadaptation.</param>
/// <param name="Describe">The run's description from its configuration.</param>
/// <param name="CpuSizes">Two cores: smaller blocks and channels keep a step at a few seconds.</param>
/// <param name="PaperEpochs">The paper's epochs (docs/MODELS.md §5.3; the single-scale and bottleneck settings are unverified, so they take the RealNVP baseline's).</param>
/// <param name="CpuRate">At cpu scale the step budget decides and a larger rate than the paper's helps.</param>
/// <param name="CoAdaptation">Its couplings all use horizontal masks, so the co-adaptation error is measured (E6).</param>
/// <param name="RunPerLatent">One run per bottleneck size l, with id resnetae-l{l} (E8), instead of one run named after the model.</param>
public sealed record ExperimentModel(string Model, string Group, Func<ModelConfig, string> Describe, Func<ModelConfig, ModelConfig> CpuSizes,
                                       int PaperEpochs, double CpuRate, bool CoAdaptation = false, bool RunPerLatent = false)
{
    private static ModelConfig SingleScaleCpu(ModelConfig c) => c with { Blocks = 1, Mid = 16 };

    private static ModelConfig MultiScaleCpu(ModelConfig c) => c with { Blocks = 2, Mid = 16 };

    /// <summary>In training order: the baselines and the cheap co-adaptation model first, so a comparison cut short still has them.</summary>
    public static IReadOnlyList<ExperimentModel> All { get; } =
    [
        new("realnvp", "baseline", _ => "multi-scale RealNVP (E2 baseline)", MultiScaleCpu, 82, 1e-3),
        new("glow", "baseline", _ => "Glow (E2 baseline; the official notebook's model)", c => c with { K = 4, Mid = 32, Layers = 2 }, 152, 1e-4),
        new("horizontal3", "coadaptation", _ => "3 horizontal-mask couplings (E6 co-adaptation figure)", SingleScaleCpu, 82, 1e-3, CoAdaptation: true),
        new("realnvp8", "mask", _ => "single-scale RealNVP, 8 checkerboard couplings (E7 comparison)", SingleScaleCpu, 82, 1e-3),
        new("horizontal", "mask", _ => "single-scale RealNVP, 8 horizontal-mask couplings (E6/E7)", SingleScaleCpu, 82, 1e-3, CoAdaptation: true),
        new("cyclemask", "mask", _ => "single-scale RealNVP, 8 cycle-mask couplings (E7)", SingleScaleCpu, 82, 1e-3),
        new("realnvp-resnetae", "bottleneck",
            c => string.Create(CultureInfo.InvariantCulture, $"multi-scale RealNVP, ResNetAE st-networks, bottleneck l = {c.Latent} (E8)"), MultiScaleCpu, 82, 1e-3,
            RunPerLatent: true),
    ];

    /// <summary>The entry for <paramref name="model"/>; a catalogue model the comparison does not train is an ArgumentException.</summary>
    public static ExperimentModel Get(string model) => All.FirstOrDefault(m => m.Model == model)
        ?? throw new ArgumentException($"the comparison does not train model '{model}'; it trains {string.Join(", ", All.Select(m => m.Model))}");
}
