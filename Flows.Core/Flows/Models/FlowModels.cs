using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// Builds any model of the paper by name: <c>FlowModels.Create(ModelConfig.Defaults("glow", shape), backend, seed)</c>;
/// the names and their builders are <see cref="ModelCatalog"/>'s.
/// </summary>
public static class FlowModels
{
    /// <param name="seed">Fixes the initialisation and the dequantization noise stream.</param>
    public static FlowModel Create(ModelConfig config, IComputeBackend backend, int seed)
    {
        config.Validate();
        return ModelCatalog.Get(config.Name).Build(config, backend, seed);
    }

    /// <summary>The tabular RealNVP (docs/MODELS.md §4.10): couplings on alternating halves, each with an MLP st-network.</summary>
    internal static TabularFlow Tabular(ModelConfig config, IComputeBackend backend, int seed)
    {
        if (config.Dim < 2) throw new ArgumentException($"tabular: needs at least 2 features, got dim {config.Dim}");
        var rng = new Random(seed);
        var couplings = Enumerable.Range(0, config.Couplings)
            .Select(i => new AffineCoupling(backend, new TabularMask(reverse: i % 2 == 1),
                                            new TabularMlp(backend, rng, config.Dim, config.Hidden, config.Layers), config.Dim))
            .ToArray();
        return new TabularFlow(backend, config, couplings);
    }
}
