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
