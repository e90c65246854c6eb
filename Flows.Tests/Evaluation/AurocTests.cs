using Flows.Core.Evaluation;

namespace Flows.Tests.Evaluation;

public class AurocTests
{
    [Test]
    public void PerfectSeparationIsOne() =>
        Assert.That(Auroc.Compute(new[] { 3.0, 4, 5 }, new[] { 0.0, 1, 2 }), Is.EqualTo(1.0));

    [Test]
    public void ReversedIsZero() =>
        Assert.That(Auroc.Compute(new[] { 0.0, 1, 2 }, new[] { 3.0, 4, 5 }), Is.EqualTo(0.0));

    [Test]
    public void AllTiedIsOneHalf() =>
        Assert.That(Auroc.Compute(new[] { 1.0, 1 }, new[] { 1.0, 1, 1 }), Is.EqualTo(0.5));

    [Test]
    public void PartialTies()
    {
        // Pairs (in, ood): (1,2) 0, (1,0) 1, (2,2) ½, (2,0) 1, (3,2) 1, (3,0) 1 → 4.5 / 6.
        Assert.That(Auroc.Compute(new[] { 1.0, 2, 3 }, new[] { 2.0, 0 }), Is.EqualTo(0.75).Within(1e-15));
    }

    [Test]
    public void ThreeVersusFourWithATie()
    {
        // Sorted: 0.1 o(1) 0.3 o(2) 0.4 i(3) 0.5 o(4) 0.8 i,o (5.5) 0.9 i(7).
        // Rank sum of in = 3 + 5.5 + 7 = 15.5; U = 15.5 − 3·4/2 = 9.5; AUC = 9.5 / 12.
        double auc = Auroc.Compute(new[] { 0.9, 0.8, 0.4 }, new[] { 0.8, 0.3, 0.5, 0.1 });
        Assert.That(auc, Is.EqualTo(19.0 / 24.0).Within(1e-15));
    }

    [Test]
    public void MatchesPairwiseCountingOnRandomScoresWithManyTies()
    {
        var rng = new Random(7);
        var a = Enumerable.Range(0, 300).Select(_ => (double)rng.Next(20)).ToArray();
        var b = Enumerable.Range(0, 211).Select(_ => (double)rng.Next(15)).ToArray();
        double wins = 0;
        foreach (var x in a)
            foreach (var y in b)
                wins += x > y ? 1 : x == y ? 0.5 : 0;
        Assert.That(Auroc.Compute(a, b), Is.EqualTo(wins / (a.Length * b.Length)).Within(1e-12));
        Assert.That(Auroc.Compute(b, a), Is.EqualTo(1 - wins / (a.Length * b.Length)).Within(1e-12));
    }

    [Test]
    public void InfinitiesAreOrderedNotRejected() =>
        Assert.That(Auroc.Compute(new[] { double.PositiveInfinity }, new[] { double.NegativeInfinity, 0 }), Is.EqualTo(1.0));

    [Test]
    public void NaNIsRejected()
    {
        Assert.That(() => Auroc.Compute(new[] { 1.0, double.NaN }, new[] { 0.0 }),
            Throws.ArgumentException.With.Message.Contains("NaN").And.Message.Contains("Score 1"));
        Assert.That(() => Auroc.Compute(new[] { 1.0 }, new[] { double.NaN }), Throws.ArgumentException);
    }

    [Test]
    public void EmptySetsAreRejected()
    {
        Assert.That(() => Auroc.Compute(Array.Empty<double>(), new[] { 0.0 }), Throws.ArgumentException);
        Assert.That(() => Auroc.Compute(new[] { 0.0 }, Array.Empty<double>()), Throws.ArgumentException);
    }
}
