using Flows.Core.Data;

namespace Flows.Core.Evaluation;

/// <summary>
/// <c>typicality</c> (Nalisnick et al. 2019, "Detecting out-of-distribution inputs to deep generative models using
/// typicality"), one sample at a time: |−ll(x) − Ĥ| in nats, Ĥ = mean −ll over the in-distribution validation split
/// (<see cref="ScoringContext.Entropy"/>). A typical sample has a negative log-likelihood near the entropy, so
/// both unusually likely and unusually unlikely inputs score high. The paper's batch test is <see cref="TypicalityBatchTest"/>.
/// </summary>
public sealed class TypicalityScore : IOodScore
{
    /// <inheritdoc/>
    public string Name => "typicality";

    /// <inheritdoc/>
    public ScoreDirection Direction => ScoreDirection.HigherIsOod;

    /// <inheritdoc/>
    public string Unit => "nats";

    /// <inheritdoc/>
    public ScoreNeeds Needs => ScoreNeeds.Validation;

    /// <inheritdoc/>
    public double[] Score(ScoringContext context, FlowData data) =>
        Distances(context.LogLikelihoods(data), context.Entropy(Name));

    /// <summary>|−ll − entropy| for every log-likelihood.</summary>
    public static double[] Distances(IReadOnlyList<double> logLikelihoods, double entropy)
    {
        ArgumentNullException.ThrowIfNull(logLikelihoods);
        var d = new double[logLikelihoods.Count];
        for (int i = 0; i < d.Length; i++) d[i] = Math.Abs(-logLikelihoods[i] - entropy);
        return d;
    }
}
