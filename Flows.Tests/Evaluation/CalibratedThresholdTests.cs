using Flows.Core.Evaluation;

namespace Flows.Tests.Evaluation;

public class CalibratedThresholdTests
{
    private static readonly double[] OneToTen = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];

    [Test]
    public void TheThresholdIsTheKthMostInDistributionValidationScore()
    {
        // Sorted descending 10..1, TPR at the k-th is k/10: the smallest k with k/10 ≥ target.
        // 0.95 → k = 10 (9/10 < 0.95): t = 1.  0.9 → k = 9: t = 2.  0.8 → k = 8: t = 3.  0.05 → k = 1: t = 10.
        Assert.That(CalibratedThreshold.Calibrate(OneToTen, ScoreDirection.HigherIsInDistribution).Threshold, Is.EqualTo(1));
        Assert.That(CalibratedThreshold.Calibrate(OneToTen, ScoreDirection.HigherIsInDistribution, 0.9).Threshold, Is.EqualTo(2));
        Assert.That(CalibratedThreshold.Calibrate(OneToTen, ScoreDirection.HigherIsInDistribution, 0.8).Threshold, Is.EqualTo(3));
        Assert.That(CalibratedThreshold.Calibrate(OneToTen, ScoreDirection.HigherIsInDistribution, 0.05).Threshold, Is.EqualTo(10));
        Assert.That(CalibratedThreshold.Calibrate(OneToTen, ScoreDirection.HigherIsInDistribution, 1.0).Threshold, Is.EqualTo(1));
    }

    [Test]
    public void ATargetOfExactlyKOverNPicksTheKthScoreDespiteRounding()
    {
        // k/n·n is not always k in doubles (e.g. 0.57·100 = 56.99999999999999); the rule is "k/n ≥ target" as
        // doubles, so target = k/n must give exactly the k-th score and a validation TPR of exactly k/n.
        for (int n = 1; n <= 60; n++)
        {
            var desc = Enumerable.Range(0, n).Select(i => (double)(n - i)).ToArray(); // n, n−1, …, 1
            for (int k = 1; k <= n; k++)
            {
                double target = (double)k / n;
                var t = CalibratedThreshold.Calibrate(desc, ScoreDirection.HigherIsInDistribution, target);
                Assert.That(t.Threshold, Is.EqualTo(desc[k - 1]), $"n={n} k={k}");
                Assert.That(t.TruePositiveRate(desc), Is.EqualTo(target), $"n={n} k={k}");
            }
        }
    }

    [Test]
    public void TiesAtTheThresholdAreAllAcceptedSoTheTprCanExceedTheTarget()
    {
        // [5, 5, 5, 5, 1], target ½: k = 3 (2/5 < ½ ≤ 3/5) and the 3rd is 5, so all four 5s are accepted: TPR 4/5.
        var t = CalibratedThreshold.Calibrate([5.0, 5, 5, 5, 1], ScoreDirection.HigherIsInDistribution, 0.5);
        Assert.That(t.Threshold, Is.EqualTo(5));
        Assert.That(t.TruePositiveRate([5.0, 5, 5, 5, 1]), Is.EqualTo(0.8));
    }

    [Test]
    public void AHigherIsOodThresholdAcceptsScoresAtOrBelowIt()
    {
        // NLL-like validation 1..10, target 0.9: the 9 lowest are kept, t = 9, rule "score ≤ 9".
        var t = CalibratedThreshold.Calibrate(OneToTen.Reverse().ToArray(), ScoreDirection.HigherIsOod, 0.9);
        Assert.That(t.Threshold, Is.EqualTo(9));
        Assert.That(t.Direction, Is.EqualTo(ScoreDirection.HigherIsOod));
        Assert.That(t.Rule, Is.EqualTo("accept as in-distribution if score ≤ 9"));
        Assert.That(t.Accepts(9), Is.True);
        Assert.That(t.Accepts(-100), Is.True);
        Assert.That(t.Accepts(9.5), Is.False);
        // On other sets: in-distribution test [2, 8, 9, 12] keeps 3 of 4; OOD [8.5, 20, 30, 40, 50] accepts 1 of 5.
        Assert.That(t.TruePositiveRate([2.0, 8, 9, 12]), Is.EqualTo(0.75));
        Assert.That(t.FalsePositiveRate([8.5, 20, 30, 40, 50]), Is.EqualTo(0.2));
    }

    [Test]
    public void AHigherIsInDistributionThresholdAcceptsScoresAtOrAboveIt()
    {
        var t = CalibratedThreshold.Calibrate(OneToTen, ScoreDirection.HigherIsInDistribution, 0.9);
        Assert.That(t.Rule, Is.EqualTo("accept as in-distribution if score ≥ 2"));
        Assert.That(t.ToString(), Is.EqualTo(t.Rule));
        Assert.That(t.Accepts(2), Is.True);
        Assert.That(t.Accepts(1.5), Is.False);
        Assert.That(t.TruePositiveRate([2.0, 8, 1, 12]), Is.EqualTo(0.75));
        Assert.That(t.FalsePositiveRate([0.0, 1, 3, -5]), Is.EqualTo(0.25));
    }

    [Test]
    public void CalibrationOnNegatedScoresWithTheOtherDirectionIsTheSameRule()
    {
        double[] v = [0.3, -1.2, 4.4, 4.4, 0.0, 2.5, -7, 1.1];
        foreach (double target in new[] { 0.1, 0.5, 0.8, 0.95, 1.0 })
        {
            var a = CalibratedThreshold.Calibrate(v, ScoreDirection.HigherIsInDistribution, target);
            var b = CalibratedThreshold.Calibrate(v.Select(x => -x).ToArray(), ScoreDirection.HigherIsOod, target);
            Assert.That(b.Threshold, Is.EqualTo(-a.Threshold));
            foreach (double x in v) Assert.That(b.Accepts(-x), Is.EqualTo(a.Accepts(x)));
        }
    }

    [Test]
    public void AGivenThresholdCanBeRebuiltAndApplied()
    {
        var t = new CalibratedThreshold(-812.5, ScoreDirection.HigherIsInDistribution);
        Assert.That(t.Rule, Is.EqualTo("accept as in-distribution if score ≥ -812.5"));
        Assert.That(t.Accepts(-800), Is.True);
        Assert.That(new CalibratedThreshold(double.PositiveInfinity, ScoreDirection.HigherIsOod).Accepts(1e300), Is.True);
    }
}
