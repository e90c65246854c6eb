namespace Flows.Core.Flows;

/// <summary>
/// Every st-network name the models accept, each declared once with its description and builder
/// (docs/MODELS.md §4.6, §4.9); validation, help texts and <see cref="StNetworkFactory"/> read this list.
/// </summary>
public static class StNetworkCatalog
{
    public static IReadOnlyList<StNetworkKind> All { get; } =
    [
        new("resnet", "ResNet of weight-normalised residual blocks (RealNVP's default; docs/MODELS.md §4.6)",
            (c, b, rng, s) => new ResNetStNet(b, rng, s.InChannels, s.Mid, 2 * s.InChannels, c.Blocks, s.Checkerboard)),
        new("resnet_ae", "the ResNet without its skip path, squeezed through a bottleneck of size l (docs/MODELS.md §4.9)",
            (c, b, rng, s) => new ResNetAEStNet(b, rng, s.InChannels, s.Mid, 2 * s.InChannels, c.Blocks, s.Checkerboard, c.Latent, s.Width))
        { NeedsLatent = true },
        new("autoencoder", "a convolutional autoencoder with a bottleneck of size l; M is not doubled after squeezes (docs/MODELS.md §4.9)",
            (c, b, rng, s) => new ConvAutoencoderStNet(b, rng, s.InChannels, c.Latent, 2 * s.InChannels, s.Width))
        { NeedsLatent = true, WidensAfterSqueeze = false },
        new("highway", "Glow's highway network of convolutions (docs/MODELS.md §4.8)",
            (c, b, rng, s) => new HighwayStNet(b, rng, s.InChannels, s.Mid, 2 * s.InChannels, c.Layers)),
        new("mlp", "the tabular flow's fully connected network (docs/MODELS.md §4.10); vectors only", null),
    ];

    /// <summary>The names, in catalogue order.</summary>
    public static IReadOnlyList<string> Names { get; } = All.Select(k => k.Name).ToArray();

    /// <summary>The st-network called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public static StNetworkKind Get(string name) => Find(name)
        ?? throw new ArgumentException($"model option 'st_type': unknown st-network '{name}'; known: {string.Join(", ", Names)}");

    public static StNetworkKind? Find(string name) => All.FirstOrDefault(k => k.Name == name);

    /// <summary>The st-networks an image coupling can use, for messages.</summary>
    public static IEnumerable<string> ImageNames => All.Where(k => k.BuildForImages is not null).Select(k => k.Name);
}
