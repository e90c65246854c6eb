using Flows.Core.Evaluation;

namespace Flows.Tests.Evaluation;

/// <summary>Bad inputs end in one ArgumentException whose message names the set and the problem.</summary>
public class MetricInputErrorTests
{
    private const ScoreDirection In = ScoreDirection.HigherIsInDistribution;
    private static readonly double[] Some = [1.0, 2.0];

    private const string EmptyIn = "The in-distribution scores are empty; OOD metrics need at least one score in each set. (Parameter 'inDistScores')";
    private const string EmptyOod = "The OOD scores are empty; OOD metrics need at least one score in each set. (Parameter 'oodScores')";

    private static IEnumerable<TestCaseData> EveryPairMetric()
    {
        yield return new TestCaseData(new Func<double[], double[], double>((a, b) => DetectionMetrics.Auroc(a, b, In))).SetArgDisplayNames("Auroc");
        yield return new TestCaseData(new Func<double[], double[], double>((a, b) => DetectionMetrics.AuprIn(a, b, In))).SetArgDisplayNames("AuprIn");
        yield return new TestCaseData(new Func<double[], double[], double>((a, b) => DetectionMetrics.AuprOut(a, b, In))).SetArgDisplayNames("AuprOut");
        yield return new TestCaseData(new Func<double[], double[], double>((a, b) => DetectionMetrics.Fpr95(a, b, In))).SetArgDisplayNames("Fpr95");
        yield return new TestCaseData(new Func<double[], double[], double>((a, b) => DetectionMetrics.FprAtTpr(a, b, In, 0.5))).SetArgDisplayNames("FprAtTpr");
        yield return new TestCaseData(new Func<double[], double[], double>((a, b) => AurocBootstrap.Compute(a, b, In, new BootstrapSettings { Resamples = 10 }).Low)).SetArgDisplayNames("Bootstrap");
        yield return new TestCaseData(new Func<double[], double[], double>((a, b) => Auroc.Compute(a, b))).SetArgDisplayNames("LegacyAuroc");
    }

    [TestCaseSource(nameof(EveryPairMetric))]
    public void EmptySetsAreNamed(Func<double[], double[], double> metric)
    {
        Assert.That(() => metric([], Some), Throws.ArgumentException.With.Message.EqualTo(EmptyIn));
        Assert.That(() => metric(Some, []), Throws.ArgumentException.With.Message.EqualTo(EmptyOod));
    }

    [TestCaseSource(nameof(EveryPairMetric))]
    public void NaNIsNamedWithItsIndex(Func<double[], double[], double> metric)
    {
        Assert.That(() => metric([1.0, double.NaN], Some), Throws.ArgumentException.With.Message.EqualTo(
            "Score 1 of the in-distribution scores is NaN; the model produced an invalid score for that sample (check it for numerical trouble). (Parameter 'inDistScores')"));
        Assert.That(() => metric(Some, [double.NaN]), Throws.ArgumentException.With.Message.EqualTo(
            "Score 0 of the OOD scores is NaN; the model produced an invalid score for that sample (check it for numerical trouble). (Parameter 'oodScores')"));
    }

    [TestCase(0.0, "0")]
    [TestCase(-0.1, "-0.1")]
    [TestCase(1.0000001, "1.0000001")]
    [TestCase(double.NaN, "NaN")]
    [TestCase(double.PositiveInfinity, "Infinity")]
    public void ATargetTprOutsideZeroToOneIsRefused(double target, string shown)
    {
        string message = $"Target TPR {shown} is outside (0, 1]; give the fraction of in-distribution samples to accept, such as 0.95. (Parameter 'targetTpr')";
        Assert.That(() => DetectionMetrics.FprAtTpr(Some, Some, In, target), Throws.ArgumentException.With.Message.EqualTo(message));
        Assert.That(() => CalibratedThreshold.Calibrate(Some, In, target), Throws.ArgumentException.With.Message.EqualTo(message));
        Assert.That(() => OodMetrics.Compute(Some, Some, In, targetTpr: target), Throws.ArgumentException.With.Message.EqualTo(message));
    }

    [Test]
    public void AnUndefinedDirectionIsRefused()
    {
        const string message = "Score direction 7 is not a ScoreDirection; use HigherIsInDistribution or HigherIsOod. (Parameter 'direction')";
        Assert.That(() => DetectionMetrics.Auroc(Some, Some, (ScoreDirection)7), Throws.ArgumentException.With.Message.EqualTo(message));
        Assert.That(() => CalibratedThreshold.Calibrate(Some, (ScoreDirection)7), Throws.ArgumentException.With.Message.EqualTo(message));
        Assert.That(() => new CalibratedThreshold(0, (ScoreDirection)7), Throws.ArgumentException.With.Message.EqualTo(message));
    }

    [Test]
    public void CalibrationSetsAreNamedAsValidation()
    {
        Assert.That(() => CalibratedThreshold.Calibrate([], In), Throws.ArgumentException.With.Message.EqualTo(
            "The in-distribution validation scores are empty; OOD metrics need at least one score in each set. (Parameter 'validationInDistScores')"));
        Assert.That(() => OodMetrics.Compute(Some, Some, In, inDistValidationScores: [0.5, double.NaN]), Throws.ArgumentException.With.Message.EqualTo(
            "Score 1 of the in-distribution validation scores is NaN; the model produced an invalid score for that sample (check it for numerical trouble). (Parameter 'inDistValidationScores')"));
        Assert.That(() => OodMetrics.Compute([], Some, In), Throws.ArgumentException.With.Message.EqualTo(
            "The in-distribution test scores are empty; OOD metrics need at least one score in each set. (Parameter 'inDistTestScores')"));
    }

    [Test]
    public void ThresholdRatesNameTheirSet()
    {
        var t = new CalibratedThreshold(0, In);
        Assert.That(() => t.FalsePositiveRate([]), Throws.ArgumentException.With.Message.EqualTo(EmptyOod));
        Assert.That(() => t.TruePositiveRate([]), Throws.ArgumentException.With.Message.EqualTo(EmptyIn));
        Assert.That(() => t.Accepts(double.NaN), Throws.ArgumentException.With.Message.EqualTo(
            "The score is NaN; a NaN score cannot be compared with a threshold. (Parameter 'score')"));
        Assert.That(() => new CalibratedThreshold(double.NaN, In), Throws.ArgumentException.With.Message.EqualTo(
            "The threshold is NaN; a threshold must be a number (±∞ are allowed). (Parameter 'threshold')"));
    }

    [Test]
    public void BadBootstrapSettingsAreRefused()
    {
        Assert.That(() => AurocBootstrap.Compute(Some, Some, In, new BootstrapSettings { Resamples = 1 }), Throws.ArgumentException.With.Message.EqualTo(
            "Bootstrap resamples 1 is too few; use at least 2 (1000 is usual). (Parameter 'settings')"));
        Assert.That(() => AurocBootstrap.Compute(Some, Some, In, new BootstrapSettings { ConfidenceLevel = 1 }), Throws.ArgumentException.With.Message.EqualTo(
            "Bootstrap confidence level 1 is outside (0, 1); use a fraction such as 0.95. (Parameter 'settings')"));
        Assert.That(() => AurocBootstrap.Compute(Some, Some, In, new BootstrapSettings { MaxDegreeOfParallelism = 0 }), Throws.ArgumentException.With.Message.EqualTo(
            "Bootstrap MaxDegreeOfParallelism 0 is invalid; use -1 (all cores) or a positive thread count. (Parameter 'settings')"));
        Assert.That(() => OodMetrics.Compute(Some, Some, In, bootstrap: new BootstrapSettings { Resamples = 0 }), Throws.ArgumentException.With.Message.EqualTo(
            "Bootstrap resamples 0 is too few; use at least 2 (1000 is usual). (Parameter 'bootstrap')"));
    }

    [Test]
    public void NullSetsThrowArgumentNull()
    {
        Assert.That(() => DetectionMetrics.Auroc(null!, Some, In), Throws.ArgumentNullException);
        Assert.That(() => OodMetrics.Compute(Some, null!, In), Throws.ArgumentNullException);
    }
}
