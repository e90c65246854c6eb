using Flows.Core.Evaluation;
using Flows.Kernels;

namespace Flows.Tests.Evaluation;

/// <summary>AUROC, AUPR-In, AUPR-Out and FPR95 on cases small enough to compute by hand.</summary>
public class DetectionMetricsTests
{
    private const ScoreDirection In = ScoreDirection.HigherIsInDistribution;

    // in = [3, 3, 2, 5, 1, 2] (6), ood = [2, 1, 1, 3, 0] (5). Groups of equal score, descending, as (in, ood):
    // 5:(1,0)  3:(2,1)  2:(2,1)  1:(1,2)  0:(0,1).
    private static readonly double[] TiedIn = [3, 3, 2, 5, 1, 2];
    private static readonly double[] TiedOod = [2, 1, 1, 3, 0];

    [Test]
    public void AurocWithTiesCountsHalfPerTiedPair()
    {
        // 2U = Σ ood_g·(2·in_above + in_g): 1·(2·1+2) + 1·(2·3+2) + 2·(2·5+1) + 1·(2·6+0) = 4 + 8 + 22 + 12 = 46,
        // so U = 23 of 6·5 = 30 pairs: 23/30.
        Assert.That(DetectionMetrics.Auroc(TiedIn, TiedOod, In), Is.EqualTo(23.0 / 30).Within(1e-15));
    }

    [Test]
    public void AuprInStepsOverDistinctThresholds()
    {
        // In positive, thresholds descending; (TP, FP) at ≥ t and ΔR = Δ TP / 6:
        // t=5: (1,0) P=1   ΔR=1/6;  t=3: (3,1) P=3/4 ΔR=2/6;  t=2: (5,2) P=5/7 ΔR=2/6;  t=1: (6,4) P=6/10 ΔR=1/6;
        // t=0: no positive, ΔR=0.  AP = 1/6 + (2/6)(3/4) + (2/6)(5/7) + (1/6)(6/10).
        double expected = 1.0 / 6 + 2.0 / 6 * 3 / 4 + 2.0 / 6 * 5 / 7 + 1.0 / 6 * 6 / 10;
        Assert.That(DetectionMetrics.AuprIn(TiedIn, TiedOod, In), Is.EqualTo(expected).Within(1e-15));
    }

    [Test]
    public void AuprOutTakesOodAsPositiveFromTheLowestScoreUp()
    {
        // OOD positive, thresholds ascending (score ≤ t flagged OOD); (TP, FP), ΔR = Δ TP / 5:
        // t=0: (1,0) P=1 ΔR=1/5;  t=1: (3,1) P=3/4 ΔR=2/5;  t=2: (4,3) P=4/7 ΔR=1/5;  t=3: (5,5) P=1/2 ΔR=1/5;
        // t=5: no positive.  AP = 1/5 + (2/5)(3/4) + (1/5)(4/7) + (1/5)(1/2).
        double expected = 1.0 / 5 + 2.0 / 5 * 3 / 4 + 1.0 / 5 * 4 / 7 + 1.0 / 5 / 2;
        Assert.That(DetectionMetrics.AuprOut(TiedIn, TiedOod, In), Is.EqualTo(expected).Within(1e-15));
    }

    [Test]
    public void Fpr95UsesTheStrictestThresholdKeepingNinetyFivePercent()
    {
        // in sorted descending: 5 3 3 2 2 1. TPR at t = the k-th is k/6 only if no tie continues past it;
        // 5/6 = 0.83 < 0.95, so k = 6 and t = 1; OOD ≥ 1: {2, 1, 1, 3} = 4 of 5.
        Assert.That(DetectionMetrics.Fpr95(TiedIn, TiedOod, In), Is.EqualTo(0.8));
        // At 80% TPR: k = 5 (5/6 ≥ 0.8 > 4/6), t = 2; OOD ≥ 2: {2, 3} = 2 of 5.
        Assert.That(DetectionMetrics.FprAtTpr(TiedIn, TiedOod, In, 0.8), Is.EqualTo(0.4));
        // At 1/2: k = 3, t = 3 (the tie 3, 3 is the 2nd and 3rd); OOD ≥ 3: {3} = 1 of 5.
        Assert.That(DetectionMetrics.FprAtTpr(TiedIn, TiedOod, In, 0.5), Is.EqualTo(0.2));
    }

    [Test]
    public void AnOodSampleTiedWithTheThresholdIsAccepted()
    {
        // in = [1, 2], target 1 → t = 1; the OOD score 1 equals t and counts as accepted, 0 does not.
        Assert.That(DetectionMetrics.FprAtTpr([1.0, 2], [1.0, 0], In, 1.0), Is.EqualTo(0.5));
    }

    [Test]
    public void PerfectSeparation()
    {
        double[] inD = [3, 4, 5], ood = [0, 1, 2];
        Assert.That(DetectionMetrics.Auroc(inD, ood, In), Is.EqualTo(1.0));
        Assert.That(DetectionMetrics.AuprIn(inD, ood, In), Is.EqualTo(1.0));
        Assert.That(DetectionMetrics.AuprOut(inD, ood, In), Is.EqualTo(1.0));
        Assert.That(DetectionMetrics.Fpr95(inD, ood, In), Is.EqualTo(0.0));
    }

    [Test]
    public void InvertedSeparation()
    {
        double[] inD = [0, 1, 2], ood = [3, 4, 5];
        Assert.That(DetectionMetrics.Auroc(inD, ood, In), Is.EqualTo(0.0));
        // AUPR-In: the three OOD scores come first (no recall), then t=2: P=1/4, t=1: P=2/5, t=0: P=3/6, ΔR=1/3 each.
        Assert.That(DetectionMetrics.AuprIn(inD, ood, In), Is.EqualTo((1.0 / 4 + 2.0 / 5 + 3.0 / 6) / 3).Within(1e-15));
        // AUPR-Out symmetrically: in ascending order t=0,1,2 are in-distribution, then t=3: P=1/4, 4: 2/5, 5: 3/6.
        Assert.That(DetectionMetrics.AuprOut(inD, ood, In), Is.EqualTo((1.0 / 4 + 2.0 / 5 + 3.0 / 6) / 3).Within(1e-15));
        Assert.That(DetectionMetrics.Fpr95(inD, ood, In), Is.EqualTo(1.0));
    }

    [Test]
    public void AllScoresTiedGiveChanceLevels()
    {
        // One threshold holds everything: AUROC ½, precision = the positive share, every OOD sample accepted.
        double[] inD = [1, 1], ood = [1, 1, 1];
        Assert.That(DetectionMetrics.Auroc(inD, ood, In), Is.EqualTo(0.5));
        Assert.That(DetectionMetrics.AuprIn(inD, ood, In), Is.EqualTo(2.0 / 5));
        Assert.That(DetectionMetrics.AuprOut(inD, ood, In), Is.EqualTo(3.0 / 5));
        Assert.That(DetectionMetrics.Fpr95(inD, ood, In), Is.EqualTo(1.0));
    }

    [Test]
    public void InfinitiesAndSignedZerosAreOrderedAsNumbers()
    {
        // −0 == +0 is one tie group; ±∞ sit at the ends.
        Assert.That(DetectionMetrics.Auroc([double.PositiveInfinity, 0.0], [-0.0, double.NegativeInfinity], In), Is.EqualTo(0.875));
        Assert.That(DetectionMetrics.Auroc([double.PositiveInfinity], [double.PositiveInfinity], ScoreDirection.HigherIsOod), Is.EqualTo(0.5));
    }

    [Test]
    public void LegacyAurocComputeIsTheSameImplementation()
    {
        double[] a = [0.3, -1, 2, 2, 7.5], b = [2, 0.3, -4, 9];
        Assert.That(Auroc.Compute(a, b), Is.EqualTo(DetectionMetrics.Auroc(a, b, In)));
    }

    [Test]
    public void AurocAgreesWithPairCountingOnRandomIntegers()
    {
        // Brute force over all pairs, on small integers so there are many ties.
        for (ulong seed = 1; seed <= 20; seed++)
        {
            var a = Enumerable.Range(0, 17).Select(i => (double)(CounterRng.Hash(seed, (ulong)i) % 7)).ToArray();
            var b = Enumerable.Range(0, 13).Select(i => (double)(CounterRng.Hash(seed + 100, (ulong)i) % 7)).ToArray();
            double wins = 0;
            foreach (var x in a) foreach (var y in b) wins += x > y ? 1 : x == y ? 0.5 : 0;
            Assert.That(DetectionMetrics.Auroc(a, b, In), Is.EqualTo(wins / (a.Length * b.Length)).Within(1e-15));
        }
    }
}
