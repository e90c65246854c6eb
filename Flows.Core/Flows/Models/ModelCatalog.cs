namespace Flows.Core.Flows;

/// <summary>
/// Every model name, each declared once with its description, the paper's sizes, its required sizes, its builder
/// and its optimizer settings (docs/MODELS.md §4.7–4.10, §5.3). <see cref="ModelConfig"/>, <see cref="FlowModels"/>,
/// the training defaults, the app's help texts and the experiment plan read this list; there is no other switch on names.
/// </summary>
public static class ModelCatalog
{
    private static readonly string[] ConvSizes = ["scales", "blocks", "mid"];
    private static readonly bool[] Alternating = [false, true, false, true, false, true, false, true];

    public static IReadOnlyList<ModelKind> All { get; } =
    [
        new("realnvp", "multi-scale RealNVP with ResNet st-networks (docs/MODELS.md §4.7)", ConvSizes,
            image => MultiScaleSizes("realnvp", image), RealNvpBuilder.MultiScale),
        SingleScale("realnvp8", "single-scale RealNVP, 8 checkerboard couplings",
            () => Alternating.Select(r => (CouplingMask)new CheckerboardMask(r))),
        SingleScale("realnvp-small", "single-scale RealNVP, 2 checkerboard couplings",
            () => [new CheckerboardMask(false), new CheckerboardMask(true)]),
        SingleScale("horizontal", "single-scale RealNVP, 8 horizontal-mask couplings (docs/MODELS.md §4.4, §4.7)",
            () => Alternating.Select(r => (CouplingMask)new HorizontalMask(r))),
        SingleScale("horizontal3", "3 horizontal-mask couplings, the co-adaptation model (docs/MODELS.md §2 E6, §4.7)",
            () => [new HorizontalMask(false), new HorizontalMask(true), new HorizontalMask(false)]),
        // 0→1, 1→2, 2→3, 3→0, twice: information needs four layers to come back to its quadrant.
        SingleScale("cyclemask", "single-scale RealNVP, 8 cycle-mask couplings (docs/MODELS.md §4.4, §4.7)",
            () => Enumerable.Range(0, 8).Select(i => (CouplingMask)new QuadrantMask(i % 4, (i + 1) % 4))),
        new("glow", "Glow: ActNorm, invertible 1x1 convolution and affine coupling with highway st-networks (docs/MODELS.md §4.8)",
            ["scales", "K", "mid"], GlowSizes, GlowBuilder.Create) { Training = PaperTraining.Glow, Layout = ModelFootprint.GlowLayout },
        new("realnvp-resnetae", "multi-scale RealNVP with ResNetAE bottleneck st-networks, l = 100 (docs/MODELS.md §4.9)", ConvSizes,
            image => MultiScaleSizes("realnvp-resnetae", image) with { Latent = 100, StType = "resnet_ae" }, RealNvpBuilder.MultiScale),
        new("realnvp-ae", "multi-scale RealNVP with convolutional-autoencoder st-networks, l = 100 (docs/MODELS.md §4.9)", ConvSizes,
            image => MultiScaleSizes("realnvp-ae", image) with { Latent = 100, StType = "autoencoder" }, RealNvpBuilder.MultiScale),
        new("tabular", "tabular RealNVP on feature vectors: MLP st-networks, alternating halves (docs/MODELS.md §4.10)",
            ["dim", "hidden", "layers", "couplings"], TabularSizes, FlowModels.Tabular)
        { TakesVectors = true, Training = PaperTraining.Tabular, Layout = ModelFootprint.TabularLayout },
    ];

    /// <summary>The names, in catalogue order.</summary>
    public static IReadOnlyList<string> Names { get; } = All.Select(k => k.Name).ToArray();

    /// <summary>The model called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public static ModelKind Get(string name) => Find(name)
        ?? throw new ArgumentException($"unknown model '{name}'; known models: {string.Join(", ", Names)}");

    public static ModelKind? Find(string name) => All.FirstOrDefault(k => k.Name == name);

    /// <summary>"name: description" per model, one a line, for help texts.</summary>
    public static string Listing() => string.Join("\n", All.Select(k => $"{k.Name}: {k.Description}"));

    private static ModelConfig Blank(string name, ImageShape image) => new(name, image, 0, 0, 0, 0, 0, 0, 0, 0, 0, "resnet");

    private static ModelConfig MultiScaleSizes(string name, ImageShape image) =>
        Blank(name, image) with { Scales = image.Channels == 1 ? 2 : 3, Blocks = image.Channels == 1 ? 6 : 8, Mid = 64 };

    private static ModelConfig GlowSizes(ImageShape image)
    {
        bool gray = image.Channels == 1;
        return Blank("glow", image) with { Scales = gray ? 2 : 3, K = gray ? 16 : 8, Mid = gray ? 200 : 400, Layers = 3, StType = "highway" };
    }

    private static ModelConfig TabularSizes(ImageShape image) =>
        Blank("tabular", new ImageShape(image.Size, 1, 1)) with { Dim = image.Size, Hidden = 64, Layers = 8, Couplings = 8, StType = "mlp" };

    private static ModelKind SingleScale(string name, string description, Func<IEnumerable<CouplingMask>> masks) =>
        new(name, description, ConvSizes,
            image => Blank(name, image) with { Scales = 1, Blocks = image.Channels == 1 ? 6 : 8, Mid = 64 },
            (config, backend, seed) => RealNvpBuilder.SingleScale(config, backend, seed, masks().ToArray()))
        { Layout = config => ModelFootprint.SingleScaleLayout(config, masks().Count()) };
}
