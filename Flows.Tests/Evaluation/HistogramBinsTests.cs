using Flows.Core.Evaluation;

namespace Flows.Tests.Evaluation;

public class HistogramBinsTests
{
    [Test]
    public void PercentileInterpolatesLikeNumpy()
    {
        var v = new double[] { 1, 2, 3, 4 };
        Assert.That(HistogramBins.Percentile(v, 25), Is.EqualTo(1.75));
        Assert.That(HistogramBins.Percentile(v, 75), Is.EqualTo(3.25));
        Assert.That(HistogramBins.Percentile(v, 100), Is.EqualTo(4));
    }

    [Test]
    public void FreedmanDiaconisCountByHand()
    {
        // 0..7: IQR = 5.25 − 1.75 = 3.5, h = 7 / 8^(1/3) = 3.5, range 7 → 2 bins.
        Assert.That(HistogramBins.FreedmanDiaconisCount(Enumerable.Range(0, 8).Select(i => (double)i).ToArray()), Is.EqualTo(2));
        // IQR 0 falls back to √n: 16 values, 12 of them equal → 4 bins.
        var flat = Enumerable.Repeat(5.0, 12).Concat(new[] { 0.0, 1, 9, 10 }).ToArray();
        Assert.That(HistogramBins.FreedmanDiaconisCount(flat), Is.EqualTo(4));
    }

    [Test]
    public void BinCountIsCappedAtFifty()
    {
        var rng = new Random(3);
        // Uniform: FD gives ceil(1 / (2·0.5 / 100000^(1/3))) = 47 bins, under the cap.
        var uniform = Enumerable.Range(0, 100_000).Select(_ => rng.NextDouble()).ToArray();
        Assert.That(HistogramBins.FreedmanDiaconisCount(uniform), Is.EqualTo(47));
        // Gaussian: range ≈ 8.5σ against h ≈ 0.058σ gives ~150 bins, so the cap applies.
        var many = Enumerable.Range(0, 100_000)
            .Select(_ => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble())).ToArray();
        Assert.That(HistogramBins.FreedmanDiaconisCount(many), Is.EqualTo(50));
        Assert.That(HistogramBins.SharedEdges(new[] { many }), Has.Length.EqualTo(51));
    }

    [Test]
    public void SharedEdgesSpanAllSets()
    {
        var edges = HistogramBins.SharedEdges(new[] { new[] { -3.0, -1, 0 }, new[] { 2.0, 5 } });
        Assert.That(edges[0], Is.EqualTo(-3.0));
        Assert.That(edges[^1], Is.EqualTo(5.0));
        Assert.That(edges, Is.Ordered.Ascending);
    }

    [Test]
    public void DensityIntegratesToOneAndCountsTheLastEdge()
    {
        var edges = new[] { 0.0, 1, 3 };
        var d = HistogramBins.Density(new[] { 0.0, 0.5, 1, 3 }, edges);
        // 2 values in [0,1): 2/(4·1); 2 values in [1,3]: 2/(4·2).
        Assert.That(d, Is.EqualTo(new[] { 0.5, 0.25 }));
        Assert.That(d[0] * 1 + d[1] * 2, Is.EqualTo(1.0));
    }

    [Test]
    public void ConstantValuesGetOneBin()
    {
        var edges = HistogramBins.SharedEdges(new[] { new[] { 2.0, 2, 2 } });
        Assert.That(edges, Is.EqualTo(new[] { 1.5, 2.5 }));
        Assert.That(HistogramBins.Density(new[] { 2.0, 2, 2 }, edges), Is.EqualTo(new[] { 1.0 }));
    }
}
