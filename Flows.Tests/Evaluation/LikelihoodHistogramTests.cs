using Flows.Core.Evaluation;
using Flows.Tests.Checkpoints;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Flows.Tests.Evaluation;

public class LikelihoodHistogramTests
{
    private static double[] Normal(Random rng, int n, double mean, double std) =>
        Enumerable.Range(0, n).Select(_ =>
            mean + std * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble())).ToArray();

    [Test]
    public void SavesAPngOfTheRequestedSizeWithTheSetColors()
    {
        using var dir = new TempDir();
        string path = dir.File("hist.png");
        var rng = new Random(11);
        var sets = new List<(string, double[])>
        {
            ("FashionMNIST test", Normal(rng, 2000, -2000, 300)),
            ("MNIST OOD", Normal(rng, 2000, -1000, 200).Append(-50_000).ToArray()),
        };

        var result = LikelihoodHistogram.Save(path, sets, new HistogramOptions { DropBelow = -10000, Width = 640, Height = 400 });

        using var img = Image.Load<Rgba32>(path);
        Assert.That((img.Width, img.Height), Is.EqualTo((640, 400)));
        Assert.That(result.Sets[1].Dropped, Is.EqualTo(1), "the −50000 outlier is dropped");
        Assert.That(result.Sets[0].Kept, Is.EqualTo(2000));
        Assert.That(result.Edges.Length - 1, Is.LessThanOrEqualTo(50));
        foreach (var s in result.Sets)
        {
            double area = 0;
            for (int b = 0; b < s.Density.Length; b++) area += s.Density[b] * (result.Edges[b + 1] - result.Edges[b]);
            Assert.That(area, Is.EqualTo(1.0).Within(1e-9));
        }
        // Both semi-transparent tab10 colors appear: a bluish and an orangish pixel over the white background.
        bool blue = false, orange = false;
        img.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
                foreach (var p in rows.GetRowSpan(y))
                {
                    blue |= p.B > 150 && p.R < 180 && p.B - p.R > 40;
                    orange |= p.R > 200 && p.B < 170 && p.R - p.B > 60;
                }
        });
        Assert.That(blue && orange, Is.True);
    }

    [Test]
    public void PercentileDropMatchesTheTrainingScripts()
    {
        var values = Enumerable.Range(0, 100).Select(i => (double)i).ToArray();
        var r = LikelihoodHistogram.Compute(new[] { ("a", values) }, new HistogramOptions { DropBelowPercentile = 5 });
        // Threshold = sorted[int(0.05·100)] = 5: values 0..4 are dropped.
        Assert.That(r.Sets[0].Dropped, Is.EqualTo(5));
        Assert.That(r.Edges[0], Is.EqualTo(5.0));
    }

    [Test]
    public void NonFiniteValuesAreDroppedAndAllDroppedIsAnError()
    {
        var r = LikelihoodHistogram.Compute(new[] { ("a", new[] { 1.0, double.NaN, double.NegativeInfinity, 2 }) });
        Assert.That(r.Sets[0].Kept, Is.EqualTo(2));
        Assert.That(() => LikelihoodHistogram.Compute(new[] { ("a", new[] { -20000.0 }) }, new HistogramOptions { DropBelow = -10000 }),
            Throws.ArgumentException.With.Message.Contains("No finite values"));
    }
}
