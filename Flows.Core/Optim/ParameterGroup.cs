namespace Flows.Core;

/// <summary>
/// One of an optimizer's parameter groups, as in torch.optim: its parameters share a weight decay, an
/// optional learning rate that overrides the optimizer's, and an optional maximum gradient norm that
/// <see cref="Optimizer.ClipGradientNorms"/> enforces on this group alone (docs/MODELS.md §5.1).
/// </summary>
public sealed class ParameterGroup
{
    public ParameterGroup(IEnumerable<Parameter> parameters, float weightDecay = 0f, float? learningRate = null,
                          float? maxGradNorm = null, string name = "")
    {
        Parameters = parameters.ToArray();
        if (weightDecay < 0 || !float.IsFinite(weightDecay))
            throw new ArgumentException($"parameter group '{name}': weight decay must be finite and non-negative, got {weightDecay}");
        if (learningRate is { } lr && (lr < 0 || !float.IsFinite(lr)))
            throw new ArgumentException($"parameter group '{name}': learning rate must be finite and non-negative, got {lr}");
        if (maxGradNorm is { } max && (max <= 0 || !float.IsFinite(max)))
            throw new ArgumentException($"parameter group '{name}': the maximum gradient norm must be finite and positive, got {max}");
        WeightDecay = weightDecay;
        LearningRate = learningRate;
        MaxGradNorm = maxGradNorm;
        Name = name;
    }

    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Weight decay: coupled L2 (the update sees g + wd·θ) for Adam and RMSprop, decoupled for <see cref="AdamW"/>.</summary>
    public float WeightDecay { get; }

    /// <summary>When set, this group ignores the optimizer's (scheduled) learning rate.</summary>
    public float? LearningRate { get; set; }

    /// <summary>When set, the group's gradients are rescaled to at most this total L2 norm before a step.</summary>
    public float? MaxGradNorm { get; }

    /// <summary>A label for logs ("normalized", "unnormalized", "all").</summary>
    public string Name { get; }

    public long ParameterCount => Parameters.Sum(p => (long)p.Length);
}
