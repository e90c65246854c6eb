using Flows.Core.Evaluation;
using Flows.Tests.Checkpoints;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Flows.Tests.Figures;

/// <summary>The in-distribution set stays visible where other sets cover the same range (issue: it was hidden behind them).</summary>
public class HistogramOverlapTests
{
    private static readonly Rgba32 Tab10Blue = new(0x1f, 0x77, 0xb4);

    private static double[] Normal(int seed, int n) =>
        Enumerable.Range(0, n).Select(_ => 0.0).Select((_, i) =>
        {
            var rng = new Random(seed * 100_003 + i);
            return -2000 + 300 * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        }).ToArray();

    // Pixels of the plot's middle (away from the legend in the upper left) within a few levels of the color.
    private static int CountNear(Image<Rgba32> img, Rgba32 color, int tolerance = 12)
    {
        int count = 0;
        img.ProcessPixelRows(rows =>
        {
            for (int y = rows.Height / 3; y < rows.Height * 9 / 10; y++)
            {
                var row = rows.GetRowSpan(y);
                for (int x = rows.Width * 3 / 10; x < rows.Width * 7 / 10; x++)
                {
                    var p = row[x];
                    if (Math.Abs(p.R - color.R) <= tolerance && Math.Abs(p.G - color.G) <= tolerance && Math.Abs(p.B - color.B) <= tolerance)
                        count++;
                }
            }
        });
        return count;
    }

    [Test]
    public void TheInDistributionSetIsVisibleOverAnIdenticalOodSet()
    {
        using var dir = new TempDir();
        var values = Normal(1, 3000);
        // Identical values: the second set's bars cover the first's exactly; three sets make it worse.
        var sets = new List<(string, double[])> { ("in (test)", values), ("ood a", values), ("ood b", values) };
        string path = dir.File("hist.png");
        LikelihoodHistogram.Save(path, sets, new HistogramOptions { Width = 640, Height = 400, Kde = false });
        using var img = Image.Load<Rgba32>(path);
        // The in-distribution set's opaque outline is drawn last: its own tab10 blue shows in the overlap.
        Assert.That(CountNear(img, Tab10Blue), Is.GreaterThan(50));
    }

    [Test]
    public void DrawOrderPutsTheFirstSetOnTopAndTheOutlineFollowsTheBars()
    {
        Assert.That(LikelihoodHistogram.DrawOrder(3), Is.EqualTo(new[] { 2, 1, 0 }));
        var (x, y) = LikelihoodHistogram.StepOutline([0, 1, 3], [0.5, 0.25]);
        Assert.That(x, Is.EqualTo(new double[] { 0, 0, 1, 1, 3, 3 }));
        Assert.That(y, Is.EqualTo(new double[] { 0, 0.5, 0.5, 0.25, 0.25, 0 }));
    }

    [Test]
    public void TheKdeLineIsDrawnByDefaultAndCanBeTurnedOff()
    {
        Assert.That(new HistogramOptions().Kde, Is.True, "seaborn's distplot draws the KDE by default");
        using var dir = new TempDir();
        var sets = new List<(string, double[])> { ("in (test)", Normal(2, 2000)) };
        string with = dir.File("kde.png"), without = dir.File("plain.png");
        LikelihoodHistogram.Save(with, sets, new HistogramOptions { Width = 640, Height = 400 });
        LikelihoodHistogram.Save(without, sets, new HistogramOptions { Width = 640, Height = 400, Kde = false });
        using var a = Image.Load<Rgba32>(with);
        using var b = Image.Load<Rgba32>(without);
        // The smooth line adds pure set-colored pixels across the bars' tops.
        Assert.That(CountNear(a, Tab10Blue), Is.GreaterThan(CountNear(b, Tab10Blue)));
    }
}
