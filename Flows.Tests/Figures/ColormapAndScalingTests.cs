using Flows.Core.Figures;
using SixLabors.ImageSharp.PixelFormats;

namespace Flows.Tests.Figures;

public class ColormapAndScalingTests
{
    [Test]
    public void IceEndpointsMatchTheCmoceanTable()
    {
        // 0: .0153 .0225 .0727 and 255: .9181 .9918 .9928, times 255, rounded.
        Assert.That(Colormap.Ice.Map(0), Is.EqualTo(new Rgba32(4, 6, 19)));
        Assert.That(Colormap.Ice.Map(1), Is.EqualTo(new Rgba32(234, 253, 253)));
        Assert.That(Colormap.Ice.Map(-5), Is.EqualTo(Colormap.Ice.Map(0)));
        Assert.That(Colormap.Ice.Map(double.NaN), Is.EqualTo(Colormap.Ice.Map(0)));
        // Anchor 128: .2601 .4818 .7194.
        Assert.That(Colormap.Ice[128], Is.EqualTo(new Rgba32(66, 123, 183)));
    }

    [Test]
    public void IceGetsBrighterAlongTheTable()
    {
        var lum = Enumerable.Range(0, 256).Select(i => Colormap.Ice[i]).Select(c => 0.3 * c.R + 0.59 * c.G + 0.11 * c.B).ToArray();
        Assert.That(lum, Is.Ordered.Ascending);
    }

    [Test]
    public void GrayEndpointsAreBlackAndWhite()
    {
        Assert.That(Colormap.Gray.Map(0), Is.EqualTo(new Rgba32(0, 0, 0)));
        Assert.That(Colormap.Gray.Map(1), Is.EqualTo(new Rgba32(255, 255, 255)));
    }

    [Test]
    public void StandardizeOnAKnownArray()
    {
        // mean 2.5, population std √1.25: z = (−1.342, −0.447, 0.447, 1.342), clipped to [0, 1].
        var z = CellScaling.Standardize.Apply(new float[] { 1, 2, 3, 4 });
        Assert.That(z, Is.EqualTo(new[] { 0f, 0f, (float)(0.5 / Math.Sqrt(1.25)), 1f }).Within(1e-6f));
    }

    [Test]
    public void AutoscaleClipAndRange()
    {
        Assert.That(CellScaling.Autoscale.Apply(new float[] { 2, 4, 6 }), Is.EqualTo(new[] { 0f, 0.5f, 1f }));
        Assert.That(CellScaling.AsIs.Apply(new float[] { -1, 0.5f, 2 }), Is.EqualTo(new[] { 0f, 0.5f, 1f }));
        Assert.That(CellScaling.ClipTo(-2, 2).Apply(new float[] { -3, 0, 1 }), Is.EqualTo(new[] { 0f, 0.5f, 0.75f }));
        Assert.That(CellScaling.Autoscale.Apply(new float[] { 3, 3 }), Is.EqualTo(new[] { 0f, 0f }));
        Assert.That(CellScaling.Autoscale.Apply(new float[] { 0, float.NaN, 10 }), Is.EqualTo(new[] { 0f, 0f, 1f }));
    }
}
