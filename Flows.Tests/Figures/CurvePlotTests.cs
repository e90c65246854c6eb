using Flows.Core.Figures;
using Flows.Tests.Checkpoints;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Flows.Tests.Figures;

public class CurvePlotTests
{
    [Test]
    public void SavesAPngOfTheRequestedSize()
    {
        using var dir = new TempDir();
        string path = dir.File("loss.png");
        CurvePlot.Save(path, new[]
        {
            CurveSeries.OverSteps("train bpd", new[] { 5.0, 4.1, 3.7, 3.5, double.NaN, 3.4 }),
            CurveSeries.OverSteps("test bpd", new[] { 5.2, 4.3, 3.9, 3.8, 3.8, 3.7 }),
        }, yLabel: "bits/dim", title: "RealNVP", width: 500, height: 300);

        Assert.That(new FileInfo(path).Length, Is.GreaterThan(0));
        using var img = Image.Load<Rgba32>(path);
        Assert.That((img.Width, img.Height), Is.EqualTo((500, 300)));
        var blue = Palette.Tab10(0);
        bool lineDrawn = false;
        img.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
                foreach (var p in rows.GetRowSpan(y))
                    lineDrawn |= Math.Abs(p.R - blue.R) < 8 && Math.Abs(p.G - blue.G) < 8 && Math.Abs(p.B - blue.B) < 8;
        });
        Assert.That(lineDrawn, Is.True);
    }

    [Test]
    public void AllNaNSeriesStillSaves()
    {
        using var dir = new TempDir();
        string path = dir.File("nan.png");
        CurvePlot.Save(path, new[] { CurveSeries.OverSteps("diverged", new[] { double.NaN, double.NaN }) });
        using var img = Image.Load<Rgba32>(path);
        Assert.That(img.Width, Is.EqualTo(800));
    }

    [Test]
    public void MismatchedSeriesIsRefused() =>
        Assert.That(() => CurvePlot.Save("x.png", new[] { new CurveSeries("a", new[] { 1.0 }, new[] { 1.0, 2.0 }) }),
            Throws.ArgumentException.With.Message.Contains("'a'"));
}
