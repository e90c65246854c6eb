using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>Builds any model of the paper by name: <c>FlowModels.Create(ModelConfig.Defaults("glow", shape), backend, seed)</c>.</summary>
public static class FlowModels
{
    /// <param name="seed">Fixes the initialisation and the dequantization noise stream.</param>
    public static FlowModel Create(ModelConfig config, IComputeBackend backend, int seed)
    {
        config.Validate();
        return Build(config, backend, seed);
    }

    private static FlowModel Build(ModelConfig config, IComputeBackend backend, int seed) => config.Name switch
    {
        "realnvp" or "realnvp-resnetae" or "realnvp-ae" => RealNvpBuilder.MultiScale(config, backend, seed),
        "realnvp8" or "realnvp-small" or "horizontal" or "horizontal3" or "cyclemask" => RealNvpBuilder.SingleScale(config, backend, seed),
        "glow" => GlowBuilder.Create(config, backend, seed),
        "tabular" => Tabular(config, backend, seed),
        _ => throw new ArgumentException($"unknown model '{config.Name}'; known models: {string.Join(", ", ModelConfig.ModelNames)}"),
    };

    private static TabularFlow Tabular(ModelConfig config, IComputeBackend backend, int seed)
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
