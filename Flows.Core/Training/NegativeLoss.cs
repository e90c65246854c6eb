namespace Flows.Core.Training;

/// <summary>
/// The loss of one negative-training step (docs/MODELS.md §2 E3, train_unsup_ood_negative.py:115–129), decided on the
/// host from the per-sample log-likelihoods of the mixed batch (in-distribution first, OOD after):
/// the OOD half's NLL has its sign flipped (`loss[bs:] *= -1`), so its per-sample term is ll_ood; the OOD
/// samples whose term is above the threshold (`loss_negative &gt; negative_val`) are kept and
/// loss = ½·(mean NLL_in + mean ll_ood,kept). When none is kept, loss = mean NLL_in (the fallback).
/// The loss is Σ wᵢ·llᵢ with the returned weights, which gives the same gradient as the masked means.
/// </summary>
public static class NegativeLoss
{
    /// <summary>The weights and the parts of one step's loss.</summary>
    /// <param name="Weights">Per sample: loss = Σ Weights[i]·ll[i].</param>
    /// <param name="InCount">How many samples (the first) are in-distribution; the rest are OOD.</param>
    /// <param name="Loss">The loss value (nats).</param>
    /// <param name="PositiveNll">Mean NLL of the in-distribution half (nats).</param>
    /// <param name="NegativeTerm">Mean ll of the kept OOD samples (nats); 0 in the fallback, as the script's `torch.tensor(0.)`.</param>
    /// <param name="Kept">How many OOD samples were above the threshold.</param>
    public sealed record Terms(float[] Weights, int InCount, double Loss, double PositiveNll, double NegativeTerm, int Kept)
    {
        /// <summary>True when no OOD sample was above the threshold, so only the in-distribution NLL was trained.</summary>
        public bool Fallback => Kept == 0;

        /// <summary>How many OOD samples the batch held.</summary>
        public int OodCount => Weights.Length - InCount;
    }

    /// <summary>The loss terms for per-sample log-likelihoods <paramref name="logLikelihoods"/> whose first <paramref name="inCount"/> are in-distribution.</summary>
    public static Terms Compute(ReadOnlySpan<float> logLikelihoods, int inCount, double negativeValue)
    {
        int n = logLikelihoods.Length;
        if (inCount < 1 || inCount >= n)
            throw new ArgumentException($"negative training: a mixed batch needs in-distribution and OOD samples, got {inCount} of {n} in-distribution");
        double positive = 0;
        for (int i = 0; i < inCount; i++) positive -= logLikelihoods[i];
        positive /= inCount;

        double negative = 0;
        int kept = 0;
        for (int i = inCount; i < n; i++)
            if (logLikelihoods[i] > negativeValue) { negative += logLikelihoods[i]; kept++; }

        var weights = new float[n];
        if (kept == 0)
        {
            for (int i = 0; i < inCount; i++) weights[i] = -1f / inCount;
            return new Terms(weights, inCount, positive, positive, 0, 0);
        }
        negative /= kept;
        for (int i = 0; i < inCount; i++) weights[i] = (float)(-0.5 / inCount);
        for (int i = inCount; i < n; i++)
            if (logLikelihoods[i] > negativeValue) weights[i] = (float)(0.5 / kept);
        return new Terms(weights, inCount, 0.5 * (positive + negative), positive, negative, kept);
    }
}
