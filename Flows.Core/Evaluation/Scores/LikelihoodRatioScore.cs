using Flows.Core.Data;

namespace Flows.Core.Evaluation;

/// <summary>
/// <c>lr</c> (Ren et al. 2019, "Likelihood ratios for out-of-distribution detection"): ll(model) − ll(background
/// model) in nats. The background model has the model's architecture and is trained on perturbed inputs
/// (<c>flows train --perturb MU</c>), so it captures the population-level background statistics; the ratio keeps
/// what is specific to the in-distribution semantics. The two use the same dequantization draw per image.
/// </summary>
public sealed class LikelihoodRatioScore : IOodScore
{
    /// <summary>
    /// Why <paramref name="background"/> cannot serve as the background of <paramref name="model"/> ("mid = 16, the
    /// model has mid = 32"), or null when the two have the same architecture and data shape: the ratio subtracts two
    /// log-likelihoods of the same input, which only means something then.
    /// </summary>
    public static string? ArchitectureMismatch(Flows.ModelConfig model, Flows.ModelConfig background)
    {
        var mine = model.ToDictionary();
        var theirs = background.ToDictionary();
        var diff = mine.Keys.Union(theirs.Keys).Order(StringComparer.Ordinal)
            .FirstOrDefault(k => mine.GetValueOrDefault(k) != theirs.GetValueOrDefault(k));
        return diff is null ? null
            : $"{diff} = {theirs.GetValueOrDefault(diff) ?? "(none)"}, the model has {diff} = {mine.GetValueOrDefault(diff) ?? "(none)"}";
    }

    /// <inheritdoc/>
    public string Name => "lr";

    /// <inheritdoc/>
    public ScoreDirection Direction => ScoreDirection.HigherIsInDistribution;

    /// <inheritdoc/>
    public string Unit => "nats";

    /// <inheritdoc/>
    public ScoreNeeds Needs => ScoreNeeds.Background;

    /// <inheritdoc/>
    public double[] Score(ScoringContext context, FlowData data)
    {
        var ll = context.LogLikelihoods(data);
        var background = context.BackgroundLogLikelihoods(data);
        var ratio = new double[ll.Length];
        for (int i = 0; i < ratio.Length; i++) ratio[i] = ll[i] - background[i];
        return ratio;
    }
}
