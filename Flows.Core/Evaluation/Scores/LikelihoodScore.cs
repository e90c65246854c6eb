using Flows.Core.Data;

namespace Flows.Core.Evaluation;

/// <summary><c>ll</c>: the per-sample log-likelihood in nats (docs/MODELS.md §6; <see cref="LikelihoodScorer"/>).</summary>
public sealed class LikelihoodScore : IOodScore
{
    /// <inheritdoc/>
    public string Name => "ll";

    /// <inheritdoc/>
    public ScoreDirection Direction => ScoreDirection.HigherIsInDistribution;

    /// <inheritdoc/>
    public string Unit => "nats";

    /// <inheritdoc/>
    public ScoreNeeds Needs => ScoreNeeds.None;

    /// <inheritdoc/>
    public double[] Score(ScoringContext context, FlowData data) => context.LogLikelihoods(data);
}
