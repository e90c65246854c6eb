namespace Flows.Core.Evaluation;

/// <summary>The OOD scores known by name (docs/METRICS.md, "OOD scores"); adding a score is one line here.</summary>
public static class OodScoreCatalog
{
    /// <summary>Every score name, in the order reports list them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["ll", "typicality", "complexity", "lr", "features"];

    /// <summary>The score called <paramref name="name"/>; <paramref name="compressor"/> is complexity's (PNG when null).</summary>
    /// <exception cref="ArgumentException">No score has that name.</exception>
    public static IOodScore Create(string name, IImageCompressor? compressor = null) => name.ToLowerInvariant() switch
    {
        "ll" => new LikelihoodScore(),
        "typicality" => new TypicalityScore(),
        "complexity" => new ComplexityScore(compressor ?? new PngCompressor()),
        "lr" => new LikelihoodRatioScore(),
        "features" => new FeatureFlowScore(),
        _ => throw new ArgumentException($"unknown score '{name}'; known scores: {string.Join(", ", Names)}"),
    };
}
