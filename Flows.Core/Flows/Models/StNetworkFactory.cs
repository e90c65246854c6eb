using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>Builds the st-network a configuration asks for, for one coupling layer (the builders are <see cref="StNetworkCatalog"/>'s).</summary>
public static class StNetworkFactory
{
    /// <param name="inChannels">Channels of the conditioning input (C, or C/2 for channel-wise masks).</param>
    /// <param name="mid">Width M at this scale.</param>
    /// <param name="width">Spatial width at this coupling (bottleneck st-networks need it).</param>
    /// <param name="checkerboard">The ResNet doubles its normalized input for checkerboard masks (docs/MODELS.md §4.6).</param>
    public static StNetwork Create(ModelConfig config, IComputeBackend backend, Random rng, int inChannels, int mid, int width, bool checkerboard)
    {
        var kind = StNetworkCatalog.Get(config.StType);
        var build = kind.BuildForImages ?? throw new ArgumentException(
            $"{config.Name}: st-network type '{config.StType}' does not apply to image models; use {string.Join(", ", StNetworkCatalog.ImageNames)}");
        return build(config, backend, rng, new StNetworkSite(inChannels, mid, width, checkerboard));
    }
}
