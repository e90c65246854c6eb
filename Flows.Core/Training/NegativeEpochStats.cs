namespace Flows.Core.Training;

/// <summary>
/// An epoch's running means of the negative-training terms, as the script's meters log them
/// (train_unsup_ood_negative.py:134–149: loss, loss_positive, loss_negative), plus how often the loss fell back
/// to the in-distribution NLL because no OOD sample was above the threshold.
/// </summary>
internal sealed class NegativeEpochStats
{
    private double _loss, _positive, _negative, _keptFraction;
    private int _steps, _fallbacks;

    public void Add(NegativeLoss.Terms terms)
    {
        _loss += terms.Loss;
        _positive += terms.PositiveNll;
        _negative += terms.NegativeTerm;
        _keptFraction += (double)terms.Kept / terms.OodCount;
        if (terms.Fallback) _fallbacks++;
        _steps++;
    }

    /// <summary>metrics.json fields: means in nats per image, and the fallback count.</summary>
    public IEnumerable<KeyValuePair<string, object?>> Metrics()
    {
        double n = Math.Max(1, _steps);
        return
        [
            new("train_loss_nats", _steps > 0 ? _loss / n : double.NaN),
            new("train_positive_nll", _steps > 0 ? _positive / n : double.NaN),
            new("train_negative_term", _steps > 0 ? _negative / n : double.NaN),
            new("ood_kept_fraction", _steps > 0 ? _keptFraction / n : double.NaN),
            new("fallback_steps", _fallbacks),
        ];
    }
}
