using Flows.Core.Evaluation;

namespace Flows.Tests.Figures;

public class KernelDensityTests
{
    private static double Phi(double u) => Math.Exp(-0.5 * u * u) / Math.Sqrt(2 * Math.PI);

    [Test]
    public void MatchesAHandComputationAtTwoPoints()
    {
        double[] values = [0, 1, 3];
        var f = KernelDensity.Evaluate(values, [0.0, 2.0], bandwidth: 1);
        // f(x) = mean of φ(x − vᵢ) with h = 1: at 0 (φ(0) + φ(1) + φ(3))/3 = 0.215115, at 2 (φ(2) + 2φ(1))/3 = 0.179311.
        Assert.That(f[0], Is.EqualTo(0.215115).Within(1e-6));
        Assert.That(f[1], Is.EqualTo(0.179311).Within(1e-6));
        Assert.That(f[0], Is.EqualTo((Phi(0) + Phi(1) + Phi(3)) / 3).Within(1e-12));

        var g = KernelDensity.Evaluate(values, [1.0], bandwidth: 2);
        Assert.That(g[0], Is.EqualTo((Phi(0.5) + Phi(0) + Phi(1)) / 3 / 2).Within(1e-12), "h scales both the argument and the height");
    }

    [Test]
    public void ScottAndSilvermanBandwidthsFollowStatsmodels()
    {
        double[] values = [0, 1, 3];
        // σ (n − 1) = 1.5275, IQR = 2 − 0.5 = 1.5, IQR/1.349 = 1.1119 is the smaller: A = 1.1119.
        double a = 1.5 / 1.349;
        Assert.That(KernelDensity.Bandwidth(values), Is.EqualTo(1.059 * a * Math.Pow(3, -0.2)).Within(1e-12));
        Assert.That(KernelDensity.Bandwidth(values, KdeBandwidth.Silverman), Is.EqualTo(0.9 * a * Math.Pow(3, -0.2)).Within(1e-12));
        Assert.That(KernelDensity.Bandwidth([5, 5, 5]), Is.EqualTo(1), "no spread: a unit bump, not a division by zero");
    }

    [Test]
    public void TheLineIntegratesToOne()
    {
        var rng = new Random(5);
        var values = Enumerable.Range(0, 3000).Select(_ => -2000 + 300 * (rng.NextDouble() + rng.NextDouble() + rng.NextDouble() - 1.5)).ToArray();
        var (x, y) = KernelDensity.Line(values);
        Assert.That(x, Has.Length.EqualTo(KernelDensity.GridSize));
        Assert.That(x[0], Is.LessThan(values.Min()));
        Assert.That(x[^1], Is.GreaterThan(values.Max()));
        double area = 0;
        for (int i = 1; i < x.Length; i++) area += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2;
        Assert.That(area, Is.EqualTo(1).Within(0.01));
    }

    [Test]
    public void BadBandwidthsAndEmptySetsAreNamed()
    {
        Assert.That(() => KernelDensity.Evaluate([1.0], [0.0], 0), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("bandwidth"));
        Assert.That(() => KernelDensity.Bandwidth([]), Throws.ArgumentException.With.Message.Contains("at least one value"));
    }
}
