using Flows.Core.Evaluation;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Flows.Tests.Data;

/// <summary>Figure 1(a)'s zoomed inset (docs/MODELS.md §2 E1): its documented range, and that it is drawn where it says.</summary>
public sealed class ImageNet64HistogramInsetTests
{
    private TempFolder _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempFolder();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    [Test]
    public void TheRangeIsTheInDistributionPercentilesByNumpysRule()
    {
        // numpy.percentile([1..10], [10, 90]) = [1.9, 9.1]; non-finite values are left out first.
        double[] values = [.. Enumerable.Range(1, 10).Select(i => (double)i), double.NaN, double.NegativeInfinity];
        var (lo, hi) = HistogramInset.Window(values, new HistogramInsetOptions { LowPercentile = 10, HighPercentile = 90 });
        Assert.That(lo, Is.EqualTo(1.9).Within(1e-12));
        Assert.That(hi, Is.EqualTo(9.1).Within(1e-12));
        Assert.That(HistogramInset.Window([3, 3, 3], new HistogramInsetOptions()), Is.EqualTo((2.5, 3.5)));
        Assert.That(() => HistogramInset.Window(values, new HistogramInsetOptions { LowPercentile = 90, HighPercentile = 10 }), Throws.ArgumentException);
    }

    [TestCase(InsetCorner.UpperRight)]
    [TestCase(InsetCorner.LowerLeft)]
    public void TheInsetChangesOnlyItsCorner(InsetCorner corner)
    {
        var rng = new Random(3);
        double[] Normal(double mean, double sd, int n) =>
            [.. Enumerable.Range(0, n).Select(_ => mean + sd * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()))];
        var sets = new List<(string, double[])> { ("ImageNet", Normal(-9000, 300, 2000)), ("CelebA", Normal(-7000, 400, 2000)), ("SVHN", Normal(-4000, 500, 2000)) };
        var inset = new HistogramInsetOptions { InDistributionSet = 0, Corner = corner };
        string plain = _dir.File("plain.png"), zoomed = _dir.File("zoomed.png");

        LikelihoodHistogram.Save(plain, sets);
        LikelihoodHistogram.Save(zoomed, sets, new HistogramOptions { Inset = inset });

        using var a = Image.Load<Rgba32>(plain);
        using var b = Image.Load<Rgba32>(zoomed);
        var box = HistogramInset.Placement(a.Width, a.Height, inset);
        int inside = 0, outside = 0;
        for (int y = 0; y < a.Height; y++)
            for (int x = 0; x < a.Width; x++)
                if (!a[x, y].Equals(b[x, y]))
                {
                    if (box.Contains(x, y)) inside++;
                    else outside++;
                }
        Assert.That(outside, Is.Zero, "pixels outside the inset changed");
        Assert.That(inside, Is.GreaterThan(box.Width * box.Height / 10), "the inset is (nearly) blank");
        Assert.That(corner == InsetCorner.UpperRight ? box.X > a.Width / 2 && box.Y < a.Height / 2 : box.X < a.Width / 2 && box.Y > a.Height / 2, Is.True);
    }

    [Test]
    public void AnInsetOnAMissingSetIsRefused() =>
        Assert.That(() => LikelihoodHistogram.Save(_dir.File("x.png"), [("a", new double[] { 1, 2, 3 })], new HistogramOptions { Inset = new HistogramInsetOptions { InDistributionSet = 1 } }),
            Throws.ArgumentException.With.Message.Contains("not one of the 1 sets"));
}
