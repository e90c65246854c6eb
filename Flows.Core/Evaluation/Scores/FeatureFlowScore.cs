using Flows.Core.Data;

namespace Flows.Core.Evaluation;

/// <summary>
/// <c>features</c>: the log-likelihood (nats per vector) of a sample's ResNet-18 embedding under a feature flow
/// (paper §8, docs/MODELS.md §2 E10): semantic features, not local pixel statistics, so the likelihood follows what the
/// image shows. Higher is in-distribution.
/// </summary>
public sealed class FeatureFlowScore : IOodScore
{
    /// <inheritdoc/>
    public string Name => "features";

    /// <inheritdoc/>
    public ScoreDirection Direction => ScoreDirection.HigherIsInDistribution;

    /// <inheritdoc/>
    public string Unit => "nats";

    /// <inheritdoc/>
    public ScoreNeeds Needs => ScoreNeeds.FeatureFlow;

    /// <inheritdoc/>
    public double[] Score(ScoringContext context, FlowData data)
    {
        ArgumentNullException.ThrowIfNull(context);
        var features = context.Features ?? throw new InvalidOperationException("the 'features' score needs a feature flow");
        return features.LogLikelihoods(context, data);
    }
}
