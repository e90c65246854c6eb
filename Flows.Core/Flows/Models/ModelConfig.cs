using System.Globalization;

namespace Flows.Core.Flows;

/// <summary>
/// Everything that fixes a model's architecture. <see cref="Defaults"/> gives the paper's sizes (docs/MODELS.md
/// §4.7–4.10); every field can be overridden. Fields a model does not use are 0. Round-trips through a string
/// dictionary (<see cref="ToDictionary"/> / <see cref="FromDictionary"/>) for checkpoint metadata.
/// </summary>
/// <param name="Name">A model name of <see cref="ModelCatalog"/> (realnvp, glow, cyclemask, tabular, …).</param>
/// <param name="Image">The per-sample input shape; for tabular models (Dim × 1 × 1).</param>
/// <param name="Scales">RealNVP scales or Glow levels (1 for the single-scale models).</param>
/// <param name="Blocks">Residual blocks of the ResNet st-networks.</param>
/// <param name="Mid">St-network width M (doubled after each RealNVP squeeze, except for the autoencoder).</param>
/// <param name="K">Glow steps per level.</param>
/// <param name="Latent">Bottleneck size l of resnet_ae and autoencoder st-networks.</param>
/// <param name="Dim">Tabular input size D.</param>
/// <param name="Hidden">Tabular MLP width H.</param>
/// <param name="Layers">Hidden layers N of the tabular MLP, or highway layers of Glow.</param>
/// <param name="Couplings">Tabular coupling layers.</param>
/// <param name="StType">An st-network name of <see cref="StNetworkCatalog"/> (resnet, resnet_ae, autoencoder, highway, mlp).</param>
public sealed record ModelConfig(
    string Name, ImageShape Image, int Scales, int Blocks, int Mid, int K, int Latent,
    int Dim, int Hidden, int Layers, int Couplings, string StType)
{
    /// <summary>The model names of <see cref="ModelCatalog"/>, in its order.</summary>
    public static IReadOnlyList<string> ModelNames => ModelCatalog.Names;

    /// <summary>The st-network names of <see cref="StNetworkCatalog"/>, in its order.</summary>
    public static IReadOnlyList<string> StTypes => StNetworkCatalog.Names;

    /// <summary>The paper's sizes for a model on an image shape (grayscale defaults for 1 channel, color otherwise).</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known models.</exception>
    public static ModelConfig Defaults(string name, ImageShape image) => ModelCatalog.Get(name).Defaults(image);

    /// <summary>The size called <paramref name="key"/> ("scales", "blocks", "mid", "K", "latent", "dim", "hidden", "layers", "couplings").</summary>
    public int Size(string key) => key switch
    {
        "scales" => Scales,
        "blocks" => Blocks,
        "mid" => Mid,
        "K" => K,
        "latent" => Latent,
        "dim" => Dim,
        "hidden" => Hidden,
        "layers" => Layers,
        "couplings" => Couplings,
        _ => throw new ArgumentException($"no model size '{key}'; sizes: scales, blocks, mid, K, latent, dim, hidden, layers, couplings"),
    };

    /// <summary>The tabular RealNVP of docs/MODELS.md §4.10 with explicit sizes.</summary>
    public static ModelConfig Tabular(int dim, int hidden = 64, int layers = 8, int couplings = 8) =>
        Defaults("tabular", new ImageShape(dim, 1, 1)) with { Hidden = hidden, Layers = layers, Couplings = couplings };

    public IReadOnlyDictionary<string, string> ToDictionary() => new Dictionary<string, string>
    {
        ["name"] = Name,
        ["image"] = Image.ToString(),
        ["scales"] = Format(Scales),
        ["blocks"] = Format(Blocks),
        ["mid"] = Format(Mid),
        ["K"] = Format(K),
        ["latent"] = Format(Latent),
        ["dim"] = Format(Dim),
        ["hidden"] = Format(Hidden),
        ["layers"] = Format(Layers),
        ["couplings"] = Format(Couplings),
        ["st_type"] = StType,
    };

    /// <summary>The inverse of <see cref="ToDictionary"/>; every key is required.</summary>
    public static ModelConfig FromDictionary(IReadOnlyDictionary<string, string> d)
    {
        string Get(string key) => d.TryGetValue(key, out var v) ? v
            : throw new ArgumentException($"model configuration: missing '{key}' (have {string.Join(", ", d.Keys)})");
        return new ModelConfig(Get("name"), ImageShape.Parse(Get("image")), Int(Get("scales"), "scales"), Int(Get("blocks"), "blocks"),
            Int(Get("mid"), "mid"), Int(Get("K"), "K"), Int(Get("latent"), "latent"), Int(Get("dim"), "dim"),
            Int(Get("hidden"), "hidden"), Int(Get("layers"), "layers"), Int(Get("couplings"), "couplings"), Get("st_type")).Validated();
    }

    private ModelConfig Validated()
    {
        Validate();
        return this;
    }

    /// <summary>
    /// Command-line style options ("model", "image", and optional "scales", "blocks", "mid", "K", "latent",
    /// "dim", "hidden", "layers", "couplings", "st-type"; leading dashes are ignored): the defaults of the
    /// model overridden by what is given.
    /// </summary>
    public static ModelConfig FromOptions(IReadOnlyDictionary<string, string> options)
    {
        // "st-type" and "st_type" are one key (a preset's sizes come as st_type, the flag as st-type): the last one wins.
        var o = new Dictionary<string, string>();
        foreach (var (k, v) in options) o[k.TrimStart('-').Replace('-', '_')] = v;
        if (!o.TryGetValue("model", out var name)) throw new ArgumentException("model options: --model NAME is required");
        ImageShape image;
        bool vectors = ModelCatalog.Get(name).TakesVectors;
        if (o.TryGetValue("image", out var imageText)) image = ImageShape.Parse(imageText);
        else if (vectors && o.TryGetValue("dim", out var dimText)) image = new ImageShape(Int(dimText, "dim"), 1, 1);
        else throw new ArgumentException($"model options: --image CxHxW is required for '{name}'");
        var c = Defaults(name, image);
        int Opt(string key, int fallback) => o.TryGetValue(key, out var v) ? Int(v, key) : fallback;
        c = c with
        {
            Scales = Opt("scales", c.Scales),
            Blocks = Opt("blocks", c.Blocks),
            Mid = Opt("mid", c.Mid),
            K = o.ContainsKey("K") ? Int(o["K"], "K") : Opt("k", c.K),
            Latent = Opt("latent", c.Latent),
            Hidden = Opt("hidden", c.Hidden),
            Layers = Opt("layers", c.Layers),
            Couplings = Opt("couplings", c.Couplings),
            StType = o.TryGetValue("st_type", out var st) ? st : c.StType,
        };
        if (vectors && o.TryGetValue("dim", out var dim))
            c = c with { Dim = Int(dim, "dim"), Image = new ImageShape(Int(dim, "dim"), 1, 1) };
        c.Validate();
        return c;
    }

    /// <summary>
    /// Refuses zero or negative sizes the model needs, naming the field (e.g. 'mid'), and sizes whose parameters could
    /// not fit in this machine's memory (<see cref="ModelFootprint"/>), before anything is allocated.
    /// </summary>
    public void Validate()
    {
        var kind = ModelCatalog.Get(Name);
        var st = StNetworkCatalog.Get(StType);
        foreach (var field in kind.RequiredSizes)
            if (Size(field) < 1) throw new ArgumentException($"model option '{field}' of '{Name}' must be at least 1, got {Size(field)}");
        if (st.NeedsLatent && Latent < 1)
            throw new ArgumentException($"model option 'latent' of '{Name}' ({StType} st-network) must be at least 1, got {Latent}");
        ModelFootprint.RequireParametersFit(this, string.Join(", ", kind.RequiredSizes.Select(f => $"{f} {Size(f)}")), ModelFootprint.AvailableBytes);
    }

    private static string Format(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static int Int(string text, string key) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= 0 ? v
            : throw new ArgumentException($"model option '{key}': expected a non-negative integer, got '{text}'");
}
