using Flows.Core.Training;

namespace Flows.Tests.Training;

/// <summary>The loss of a negative-training step (docs/MODELS.md §2 E3, train_unsup_ood_negative.py:118–129) on constructed log-likelihoods.</summary>
public sealed class NegativeLossTests
{
    [Test]
    public void KeepsTheOodSamplesAboveTheThresholdAndHalvesTheSum()
    {
        // Two in-distribution samples (NLL 100, 200), three OOD ones: -50 and -1000 are above -30000, -40000 is not.
        var terms = NegativeLoss.Compute([-100f, -200f, -50f, -40000f, -1000f], inCount: 2, negativeValue: -30000);
        Assert.That(terms.Fallback, Is.False);
        Assert.That(terms.Kept, Is.EqualTo(2));
        Assert.That(terms.PositiveNll, Is.EqualTo(150).Within(1e-9));
        Assert.That(terms.NegativeTerm, Is.EqualTo(-525).Within(1e-9));
        Assert.That(terms.Loss, Is.EqualTo(0.5 * (150 - 525)).Within(1e-9));
        Assert.That(terms.Weights, Is.EqualTo(new[] { -0.25f, -0.25f, 0.25f, 0f, 0.25f }));
    }

    [Test]
    public void FallsBackToTheInDistributionNllWhenTheOodLikelihoodCrossesTheThreshold()
    {
        // As training pushes the OOD log-likelihoods down, the step's loss switches from the mixed loss to the
        // plain in-distribution NLL once the last OOD sample is at or below negative_val (strict '>' in the script).
        var inDist = new[] { -100f, -300f };
        float[] oodPerStep = [-29000f, -29999f, -30000f, -31000f];
        var fallbacks = new List<bool>();
        foreach (var ood in oodPerStep)
        {
            var terms = NegativeLoss.Compute([.. inDist, ood, -50000f], inCount: 2, negativeValue: -30000);
            fallbacks.Add(terms.Fallback);
            if (terms.Fallback)
            {
                Assert.That(terms.Loss, Is.EqualTo(200).Within(1e-9), "fallback: mean NLL of the in-distribution half");
                Assert.That(terms.NegativeTerm, Is.Zero);
                Assert.That(terms.Weights, Is.EqualTo(new[] { -0.5f, -0.5f, 0f, 0f }));
            }
            else
                Assert.That(terms.Loss, Is.EqualTo(0.5 * (200 + ood)).Within(1e-6));
        }
        Assert.That(fallbacks, Is.EqualTo(new[] { false, false, true, true }));
    }

    [Test]
    public void ABatchWithoutOodSamplesIsRefused() =>
        Assert.Throws<ArgumentException>(() => NegativeLoss.Compute([-1f, -2f], inCount: 2, negativeValue: -30000));
}
