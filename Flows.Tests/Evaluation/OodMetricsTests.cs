using System.Text.Json;
using Flows.Core.Evaluation;
using Flows.Kernels;

namespace Flows.Tests.Evaluation;

public class OodMetricsTests
{
    private const ScoreDirection In = ScoreDirection.HigherIsInDistribution;
    private static readonly double[] TestIn = [3, 3, 2, 5, 1, 2];
    private static readonly double[] Ood = [2, 1, 1, 3, 0];
    // Sorted descending: 6 5 4 3 2.5 2 2 1.5 1 0.5.
    private static readonly double[] Validation = [4, 3, 2.5, 2, 2, 1.5, 1, 0.5, 6, 5];
    private static readonly BootstrapSettings Boot = new() { Resamples = 200, Seed = 4 };

    [Test]
    public void EveryFieldOnAHandComputedCase()
    {
        var m = OodMetrics.Compute(TestIn, Ood, In, Validation, targetTpr: 0.8, bootstrap: Boot);
        var ci = AurocBootstrap.Compute(TestIn, Ood, In, Boot);
        Assert.Multiple(() =>
        {
            Assert.That(m.Direction, Is.EqualTo(In));
            Assert.That(m.InDistCount, Is.EqualTo(6));
            Assert.That(m.OodCount, Is.EqualTo(5));
            Assert.That(m.Auroc, Is.EqualTo(23.0 / 30).Within(1e-15));        // DetectionMetricsTests: 2U = 46
            Assert.That(m.AuprIn, Is.EqualTo(0.7547619047619047).Within(1e-14)); // sklearn, SklearnReferenceTests
            Assert.That(m.AuprOut, Is.EqualTo(0.7142857142857142).Within(1e-14));
            Assert.That(m.Fpr95, Is.EqualTo(0.8));                               // always at 95%, whatever the target
            Assert.That(m.AurocLow, Is.EqualTo(ci.Low));
            Assert.That(m.AurocHigh, Is.EqualTo(ci.High));
            Assert.That(m.AurocConfidenceLevel, Is.EqualTo(0.95));
            // Validation, target 0.8: k = 8 (8/10), the 8th of the sorted validation scores is 1.5.
            Assert.That(m.TargetTpr, Is.EqualTo(0.8));
            Assert.That(m.Threshold, Is.EqualTo(1.5));
            Assert.That(m.ThresholdSource, Is.EqualTo(ThresholdSource.Validation));
            // Test in ≥ 1.5: {3, 3, 2, 5, 2} = 5/6; OOD ≥ 1.5: {2, 3} = 2/5.
            Assert.That(m.ThresholdTpr, Is.EqualTo(5.0 / 6));
            Assert.That(m.ThresholdFpr, Is.EqualTo(0.4));
            Assert.That(m.ToThresholdRule().Rule, Is.EqualTo("accept as in-distribution if score ≥ 1.5"));
        });
    }

    [Test]
    public void WithoutValidationTheThresholdComesFromTheTestSetAndSaysSo()
    {
        // Test in descending 5 3 3 2 2 1, target 0.8: k = 5 (5/6 ≥ 0.8 > 4/6), t = 2; TPR 5/6; OOD ≥ 2: {2, 3} = 2/5.
        var m = OodMetrics.Compute(TestIn, Ood, In, targetTpr: 0.8, bootstrap: Boot);
        Assert.That(m.ThresholdSource, Is.EqualTo(ThresholdSource.InDistributionTest));
        Assert.That(m.Threshold, Is.EqualTo(2));
        Assert.That(m.ThresholdTpr, Is.EqualTo(5.0 / 6));
        Assert.That(m.ThresholdFpr, Is.EqualTo(0.4));
        // At the default target the threshold metrics are FPR95's own.
        var d = OodMetrics.Compute(TestIn, Ood, In, bootstrap: Boot);
        Assert.That(d.TargetTpr, Is.EqualTo(0.95));
        Assert.That(d.ThresholdFpr, Is.EqualTo(d.Fpr95));
    }

    [Test]
    public void AHigherIsOodScoreGivesTheSameMetricsAsItsNegation()
    {
        var a = Enumerable.Range(0, 400).Select(i => 0.7 + (double)CounterRng.Normal(1, (ulong)i)).Select(x => Math.Round(x, 1)).ToArray();
        var b = Enumerable.Range(0, 300).Select(i => (double)CounterRng.Normal(2, (ulong)i)).Select(x => Math.Round(x, 1)).ToArray();
        var v = Enumerable.Range(0, 250).Select(i => 0.7 + (double)CounterRng.Normal(3, (ulong)i)).ToArray();
        static double[] Neg(double[] x) => x.Select(s => -s).ToArray();

        var up = OodMetrics.Compute(a, b, In, v, 0.9, Boot);
        var down = OodMetrics.Compute(Neg(a), Neg(b), ScoreDirection.HigherIsOod, Neg(v), 0.9, Boot);
        Assert.That(down with { Direction = In, Threshold = -down.Threshold }, Is.EqualTo(up));
        Assert.That(down.ToThresholdRule().Rule, Does.Contain("≤"));
        // And reading the same numbers in the wrong direction inverts AUROC: the failure this flag prevents.
        var wrong = OodMetrics.Compute(a, b, ScoreDirection.HigherIsOod, v, 0.9, Boot);
        Assert.That(wrong.Auroc, Is.EqualTo(1 - up.Auroc).Within(1e-15));
        Assert.That(wrong.AuprIn, Is.Not.EqualTo(up.AuprIn));
    }

    [Test]
    public void TheRecordAgreesWithTheSingleMetricFunctions()
    {
        var a = Enumerable.Range(0, 500).Select(i => 0.5 + (double)CounterRng.Normal(5, (ulong)i)).ToArray();
        var b = Enumerable.Range(0, 400).Select(i => (double)CounterRng.Normal(6, (ulong)i)).ToArray();
        var v = Enumerable.Range(0, 300).Select(i => 0.5 + (double)CounterRng.Normal(7, (ulong)i)).ToArray();
        var m = OodMetrics.Compute(a, b, In, v, bootstrap: Boot);
        var t = CalibratedThreshold.Calibrate(v, In);
        Assert.Multiple(() =>
        {
            Assert.That(m.Auroc, Is.EqualTo(DetectionMetrics.Auroc(a, b, In)));
            Assert.That(m.AuprIn, Is.EqualTo(DetectionMetrics.AuprIn(a, b, In)));
            Assert.That(m.AuprOut, Is.EqualTo(DetectionMetrics.AuprOut(a, b, In)));
            Assert.That(m.Fpr95, Is.EqualTo(DetectionMetrics.Fpr95(a, b, In)));
            Assert.That(m.Threshold, Is.EqualTo(t.Threshold));
            Assert.That(m.ThresholdTpr, Is.EqualTo(t.TruePositiveRate(a)));
            Assert.That(m.ThresholdFpr, Is.EqualTo(t.FalsePositiveRate(b)));
            Assert.That(m.AurocLow, Is.LessThanOrEqualTo(m.Auroc));
            Assert.That(m.AurocHigh, Is.GreaterThanOrEqualTo(m.Auroc));
        });
    }

    [Test]
    public void TheRecordRoundTripsThroughJson()
    {
        // The CLI writes these beside its figures; every field must survive System.Text.Json unchanged.
        var m = OodMetrics.Compute(TestIn, Ood, ScoreDirection.HigherIsOod, Validation, 0.8, Boot);
        string json = JsonSerializer.Serialize(m);
        Assert.That(json, Does.Contain("\"AuprOut\":").And.Not.Contain("Rule"));
        Assert.That(JsonSerializer.Deserialize<OodMetrics>(json), Is.EqualTo(m));
    }
}
