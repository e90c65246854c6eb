using Flows.Core.Flows;

namespace Flows.Core.Evaluation;

/// <summary>
/// The unit a model's loss is reported in, in one place: bits per dimension for image models (discrete 8-bit
/// data, docs/MODELS.md §4.3), nats per sample for vector models (a continuous density, where bits/dim would
/// suggest a code length that does not exist).
/// </summary>
public static class LossUnit
{
    /// <summary>"bits/dim" or "nats".</summary>
    public static string Name(FlowModel model) => model.DiscreteData ? "bits/dim" : "nats";

    /// <summary>The metrics.json key for a loss: train_bpd / test_bpd, or train_nll / test_nll.</summary>
    public static string MetricKey(FlowModel model, string prefix) => prefix + (model.DiscreteData ? "_bpd" : "_nll");

    /// <summary>A mean negative log-likelihood in nats per sample, in the model's unit.</summary>
    public static double FromMeanNll(FlowModel model, double meanNll) =>
        model.DiscreteData ? meanNll / (model.Dimension * Math.Log(2.0)) : meanNll;

    /// <summary>The mean loss of per-sample log-likelihoods (nats), in the model's unit.</summary>
    public static double Mean(FlowModel model, IReadOnlyList<double> logLikelihoods)
    {
        if (logLikelihoods.Count == 0) return double.NaN;
        double sum = 0;
        foreach (var v in logLikelihoods) sum += v;
        return FromMeanNll(model, -sum / logLikelihoods.Count);
    }
}
