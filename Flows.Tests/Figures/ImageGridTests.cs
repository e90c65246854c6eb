using Flows.Core.Figures;
using Flows.Tests.Checkpoints;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Flows.Tests.Figures;

public class ImageGridTests
{
    private static float[] Ramp(int n) => Enumerable.Range(0, n).Select(i => (float)i).ToArray();

    private static ImageGrid TwoByThree()
    {
        var grid = new ImageGrid(2, 3) { Upscale = 2, Padding = 1, Scaling = CellScaling.Autoscale };
        for (int r = 0; r < 2; r++)
            for (int c = 0; c < 3; c++)
                grid.Set(r, c, Ramp(20), 1, 4, 5);
        return grid;
    }

    [Test]
    public void SavesAPngOfTheExpectedSize()
    {
        using var dir = new TempDir();
        string path = dir.File("grid.png");
        TwoByThree().Save(path);
        Assert.That(new FileInfo(path).Length, Is.GreaterThan(0));
        using var img = Image.Load<Rgba32>(path);
        // width = 1 + 3·(5·2 + 1) = 34; height = 1 + 2·(4·2 + 1) = 19.
        Assert.That((img.Width, img.Height), Is.EqualTo((34, 19)));
        // First cell's top-left pixel is the ramp minimum (ice low end), its bottom-right the maximum.
        Assert.That(img[1, 1], Is.EqualTo(Colormap.Ice.Map(0)));
        Assert.That(img[1 + 9, 1 + 7], Is.EqualTo(Colormap.Ice.Map(1)));
        Assert.That(img[0, 0], Is.EqualTo(new Rgba32(255, 255, 255)), "padding is background");
    }

    [Test]
    public void RgbCellsClipEachChannel()
    {
        var grid = new ImageGrid(1, 1) { Padding = 0 };
        grid.Set(0, 0, new[] { 1.5f, -0.2f, 0.5f }, 3, 1, 1);
        using var img = grid.Render();
        Assert.That(img[0, 0], Is.EqualTo(new Rgba32(255, 0, 128)));
    }

    [Test]
    public void PerCellScalingAndColormapOverrideTheGridDefaults()
    {
        var grid = new ImageGrid(1, 2) { Padding = 0, Scaling = CellScaling.AsIs, Colormap = Colormap.Ice };
        grid.Set(0, 0, new[] { 0.25f }, 1, 1, 1);
        grid.Set(0, 1, new[] { 10f, 20f }, 1, 1, 2, CellScaling.Autoscale, Colormap.Gray);
        using var img = grid.Render();
        Assert.That(img[0, 0], Is.EqualTo(Colormap.Ice.Map(0.25)));
        // Cells share the largest box (1×2), so the 1×1 cell is centred in a 2-pixel-wide box: x = 0.
        Assert.That(img[2, 0], Is.EqualTo(Colormap.Gray.Map(0)));
        Assert.That(img[3, 0], Is.EqualTo(Colormap.Gray.Map(1)));
    }

    [Test]
    public void LabelsAddMarginsAndChangePixelsOnlyWhereDrawn()
    {
        var plain = TwoByThree();
        plain.RowLabels = new[] { " ", " " };
        plain.ColumnLabels = new[] { " ", " ", "   " };
        var labelled = TwoByThree();
        labelled.RowLabels = new[] { "s", "t" };
        labelled.ColumnLabels = new[] { "0", "1", "2.3" };

        using var a = plain.Render();
        using var b = labelled.Render();
        var (w, h) = labelled.PixelSize();
        Assert.That((b.Width, b.Height), Is.EqualTo((w, h)));
        Assert.That((b.Width, b.Height), Is.EqualTo((a.Width, a.Height)), "blank labels of the same length reserve the same margins");
        var (noLabelW, noLabelH) = TwoByThree().PixelSize();
        Assert.That(b.Width, Is.GreaterThan(noLabelW));
        Assert.That(b.Height, Is.GreaterThan(noLabelH));

        int changed = 0, changedToLabelColor = 0;
        for (int y = 0; y < b.Height; y++)
            for (int x = 0; x < b.Width; x++)
            {
                if (a[x, y] == b[x, y]) continue;
                changed++;
                if (b[x, y] == labelled.LabelColor) changedToLabelColor++;
            }
        Assert.That(changed, Is.GreaterThan(10));
        Assert.That(changedToLabelColor, Is.EqualTo(changed));
    }

    [Test]
    public void LongColumnLabelsWidenTheCellsInsteadOfOverlapping()
    {
        var grid = new ImageGrid(1, 2) { Padding = 1, ColumnLabels = new[] { "layer 10", "layer 11" } };
        grid.Set(0, 0, new float[4], 1, 2, 2).Set(0, 1, new float[4], 1, 2, 2);
        int labelWidth = BitmapFont.Measure("layer 10").Width;
        Assert.That(grid.PixelSize().Width, Is.EqualTo(1 + 2 * (labelWidth + 1)));
        using var img = grid.Render();
        // The column gap right after the first label stays background.
        for (int y = 0; y < img.Height; y++)
            Assert.That(img[1 + labelWidth, y], Is.EqualTo(grid.Background));
    }

    [Test]
    public void BadCellsAreRefusedWithTheReason()
    {
        var grid = new ImageGrid(1, 1);
        Assert.That(() => grid.Set(0, 0, new float[8], 2, 2, 2), Throws.ArgumentException.With.Message.Contains("1 or 3 channels"));
        Assert.That(() => grid.Set(0, 0, new float[5], 1, 2, 2), Throws.ArgumentException.With.Message.Contains("5 values"));
        Assert.That(() => grid.Set(1, 0, new float[4], 1, 2, 2), Throws.TypeOf<ArgumentOutOfRangeException>());
        grid.RowLabels = new[] { "a", "b" };
        Assert.That(() => grid.Render(), Throws.InvalidOperationException.With.Message.Contains("row labels"));
    }
}
