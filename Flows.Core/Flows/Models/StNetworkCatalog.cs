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
            (c, b, rng, s) => new ResNetStNet(b, rng, s.InChannels, s.Mid, 2 * s.InChannels, c.Blocks, s.Checkerboard))
        {
            // Residual blocks of two 3×3 M→M convolutions and a 1×1 M→M skip each; one stored output per convolution.
            Bounds = static (c, s) => new(c.Blocks * (2 * 9 + 1) * s.Mid * s.Mid, (2.0 * c.Blocks + 1) * s.Mid * s.Height * s.Width,
                                          9 * s.Mid * s.Mid, s.Mid * s.Height * s.Width),
        },
        new("resnet_ae", "the ResNet without its skip path, squeezed through a bottleneck of size l (docs/MODELS.md §4.9)",
            (c, b, rng, s) => new ResNetAEStNet(b, rng, s.InChannels, s.Mid, 2 * s.InChannels, c.Blocks, s.Checkerboard, c.Latent, s.Width))
        {
            NeedsLatent = true,
            // The blocks' convolutions plus the two M·W²×l bottleneck matrices.
            Bounds = static (c, s) => new(c.Blocks * 2 * 9 * s.Mid * s.Mid + 2.0 * s.Mid * s.Width * s.Width * c.Latent,
                                          (2.0 * c.Blocks + 1) * s.Mid * s.Height * s.Width,
                                          Math.Max(9 * s.Mid * s.Mid, s.Mid * s.Width * s.Width * c.Latent), s.Mid * s.Height * s.Width),
        },
        new("autoencoder", "a convolutional autoencoder with a bottleneck of size l; M is not doubled after squeezes (docs/MODELS.md §4.9)",
            (c, b, rng, s) => new ConvAutoencoderStNet(b, rng, s.InChannels, c.Latent, 2 * s.InChannels, s.Width))
        { NeedsLatent = true, WidensAfterSqueeze = false, Bounds = static (c, _) => new(2.0 * c.Latent, c.Latent, c.Latent, c.Latent) },
        new("highway", "Glow's highway network of convolutions (docs/MODELS.md §4.8)",
            (c, b, rng, s) => new HighwayStNet(b, rng, s.InChannels, s.Mid, 2 * s.InChannels, c.Layers))
        {
            // Two 3×3 M→M convolutions per highway layer and the 3×3 input convolution from half the channels.
            Bounds = static (c, s) => new((c.Layers * 2 * 9 * s.Mid + 9.0 * s.Channels / 2) * s.Mid, (2.0 * c.Layers + 1) * s.Mid * s.Height * s.Width,
                                          9 * s.Mid * s.Mid, s.Mid * s.Height * s.Width),
        },
        new("mlp", "the tabular flow's fully connected network (docs/MODELS.md §4.10); vectors only", null)
        {
            // N hidden H×H layers and the D-wide input and output layers.
            Bounds = static (c, _) => new((double)c.Layers * c.Hidden * c.Hidden + 3.0 * c.Dim * c.Hidden, (c.Layers + 1.0) * c.Hidden,
                                          (double)Math.Max(c.Hidden, c.Dim) * Math.Max(c.Hidden, 2.0 * c.Dim), c.Hidden),
        },
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
