namespace Flows.Core;

/// <summary>The parameter groups the paper's training scripts build (docs/MODELS.md §5.2).</summary>
public static class ParameterGroups
{
    /// <summary>
    /// The RealNVP family's two groups, in the official code's order: "normalized" holds every parameter
    /// whose name ends in "weight_g" and gets <paramref name="weightDecay"/>; "unnormalized" holds the rest
    /// with no decay. Both clip their gradients separately to <paramref name="maxGradNorm"/>.
    /// </summary>
    public static IReadOnlyList<ParameterGroup> RealNvpStyle(Module module, float weightDecay, float? maxGradNorm = 100f)
    {
        var named = module.NamedParameters().ToList();
        var normalized = named.Where(p => p.Name.EndsWith("weight_g", StringComparison.Ordinal)).Select(p => p.Parameter);
        var others = named.Where(p => !p.Name.EndsWith("weight_g", StringComparison.Ordinal)).Select(p => p.Parameter);
        return
        [
            new ParameterGroup(normalized, weightDecay, maxGradNorm: maxGradNorm, name: "normalized"),
            new ParameterGroup(others, 0f, maxGradNorm: maxGradNorm, name: "unnormalized"),
        ];
    }

    /// <summary>One group with every parameter and the same weight decay (Glow, the tabular RealNVP).</summary>
    public static IReadOnlyList<ParameterGroup> Single(Module module, float weightDecay, float? maxGradNorm = 100f) =>
        [new ParameterGroup(module.Parameters(), weightDecay, maxGradNorm: maxGradNorm, name: "all")];
}
