namespace Flows.Core.Flows;

/// <summary>
/// The objective of docs/MODELS.md §4.3 around <see cref="FlowModel.LogLikelihood"/> (log p(z) + Σ log|det J|, and
/// −D·ln 256 for 8-bit images): bits/dim = −ll/(D·ln 2) and the training loss. The −D·ln 256 term turns the
/// density of the dequantized [0, 1] data into a discrete 256-level likelihood. Vector data (feature
/// embeddings, UCI tables) is continuous and has no dequantization: its log-likelihood is the plain density in
/// nats, without that term (docs/MODELS.md §4.10; a constant shift, so AUROCs do not move).
/// </summary>
public static class FlowLikelihood
{
    public static readonly double Log256 = Math.Log(256.0);

    /// <summary>Per-sample bits per dimension [N]: −ll/(D·ln 2).</summary>
    public static Tensor BitsPerDim(Tensor logLikelihood, int dimension) =>
        Ops.Scale(logLikelihood, (float)(-1.0 / (dimension * Math.Log(2.0))));

    /// <summary>The training loss: mean over the batch of −ll (shape [1]).</summary>
    public static Tensor Loss(Tensor logLikelihood) => Ops.Neg(Ops.Mean(logLikelihood));

    /// <summary>Mean bits/dim of host log-likelihoods.</summary>
    public static double MeanBitsPerDim(IEnumerable<float> logLikelihoods, int dimension) =>
        -logLikelihoods.Average(v => (double)v) / (dimension * Math.Log(2.0));
}
