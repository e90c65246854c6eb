using Flows.Core.Figures;
using SixLabors.ImageSharp.PixelFormats;

namespace Flows.Tests.Figures;

public class LatentViewAndViridisTests
{
    [Test]
    public void ViridisEndpointsAndMiddleMatchMatplotlib()
    {
        // matplotlib's viridis: entry 0 = #440154, entry 128 = #21918c, entry 255 = #fde725.
        Assert.That(Colormap.Viridis.Map(0), Is.EqualTo(new Rgba32(0x44, 0x01, 0x54)));
        Assert.That(Colormap.Viridis[128], Is.EqualTo(new Rgba32(0x21, 0x91, 0x8c)));
        Assert.That(Colormap.Viridis.Map(1), Is.EqualTo(new Rgba32(0xfd, 0xe7, 0x25)));
        Assert.That(Colormap.Viridis.Map(double.NaN), Is.EqualTo(Colormap.Viridis.Map(0)));
        Assert.That(Colormap.Viridis.Name, Is.EqualTo("viridis"));
    }

    [Test]
    public void ViridisGetsBrighterAlongTheTable()
    {
        // Viridis is perceptually uniform with monotone lightness; the luma of the interpolated table rises too.
        var luma = Enumerable.Range(0, 256).Select(i => Colormap.Viridis[i]).Select(c => 0.3 * c.R + 0.59 * c.G + 0.11 * c.B).ToArray();
        Assert.That(luma, Is.Ordered.Ascending);
    }

    [Test]
    public void ClippedRgbViewClipsEveryValueToTheUnitRange()
    {
        var view = LatentViews.ClippedRgb(new[] { -1.5f, 0f, 0.25f, 1f, 3f, float.NaN, float.PositiveInfinity });
        Assert.That(view, Is.EqualTo(new[] { 0f, 0f, 0.25f, 1f, 1f, 0f, 0f }));
    }

    [Test]
    public void SigmoidViewLiesInTheOpenUnitIntervalAndMatchesTheFormula()
    {
        var z = Enumerable.Range(-30, 61).Select(i => i * 0.5f).ToArray();
        var view = LatentViews.Sigmoid(z);
        Assert.That(view, Has.All.GreaterThan(0f).And.All.LessThan(1f));
        Assert.That(view, Is.Ordered.Ascending);
        Assert.That(view[30], Is.EqualTo(0.5f));
        Assert.That(view[34], Is.EqualTo((float)(1 / (1 + Math.Exp(-2)))).Within(1e-7), "sigmoid(2) = 0.8808");
        // Far tails neither overflow nor turn into NaN.
        Assert.That(LatentViews.Sigmoid(new[] { -1000f, 1000f }), Is.EqualTo(new[] { 0f, 1f }));
    }
}
