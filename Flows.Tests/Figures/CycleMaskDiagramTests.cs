using Flows.Core.Figures;
using Flows.Core.Flows;
using SixLabors.ImageSharp.PixelFormats;

namespace Flows.Tests.Figures;

public class CycleMaskDiagramTests
{
    private static QuadrantMask[] Cycle() => Enumerable.Range(0, 4).Select(i => new QuadrantMask(i, (i + 1) % 4)).ToArray();

    // The grid's float → byte rounding (round half away from zero).
    private static byte ToByte(float unit) => (byte)Math.Clamp((int)Math.Round(unit * 255.0, MidpointRounding.AwayFromZero), 0, 255);

    private static Rgba32 Color((float R, float G, float B) c) => new(ToByte(c.R), ToByte(c.G), ToByte(c.B));

    [Test]
    public void EveryCellPixelShowsTheMaskRole()
    {
        const int h = 6, w = 8;
        foreach (var mask in Cycle())
        {
            var cell = CycleMaskDiagram.Cell(mask, h, w);
            var b = mask.IdentityPattern([1, h, w]);
            var m = mask.TransformedPattern([1, h, w]);
            for (int i = 0; i < h * w; i++)
            {
                var expected = b[i] > 0 ? CycleMaskDiagram.Conditioning : m[i] > 0 ? CycleMaskDiagram.Transformed : CycleMaskDiagram.PassThrough;
                Assert.That((cell[i], cell[h * w + i], cell[2 * h * w + i]), Is.EqualTo(expected), $"{mask} pixel {i}");
            }
        }
        // Quadrant 0 is top-left: the first layer conditions on pixel (0, 0) and transforms (0, w−1).
        var first = CycleMaskDiagram.Cell(Cycle()[0], h, w);
        Assert.That(first[0], Is.EqualTo(CycleMaskDiagram.Conditioning.R));
        Assert.That(first[w - 1], Is.EqualTo(CycleMaskDiagram.Transformed.R));
    }

    [Test]
    public void TheRenderedPanelsEqualTheMasksAndNameTheArrows()
    {
        const int side = 8, up = 3;
        var masks = Cycle();
        var grid = CycleMaskDiagram.Grid(masks, side, side, up);
        Assert.That(grid.ColumnLabels, Is.EqualTo(new[] { "layer 1: 0->1", "layer 2: 1->2", "layer 3: 2->3", "layer 4: 3->0" }));
        using var image = grid.Render();
        int pad = grid.Padding;
        int cellW = Math.Max(side * up, grid.ColumnLabels!.Max(l => BitmapFont.Measure(l).Width));
        int top = BitmapFont.Measure("layer 1: 0->1").Height + pad;
        for (int k = 0; k < masks.Length; k++)
        {
            var cell = CycleMaskDiagram.Cell(masks[k], side, side);
            int x0 = pad + k * (cellW + pad) + (cellW - side * up) / 2, y0 = top + pad;
            for (int i = 0; i < side; i++)
                for (int j = 0; j < side; j++)
                {
                    int p = i * side + j;
                    var expected = new Rgba32(ToByte(cell[p]), ToByte(cell[64 + p]), ToByte(cell[128 + p]));
                    Assert.That(image[x0 + j * up + 1, y0 + i * up + 1], Is.EqualTo(expected), $"panel {k} pixel ({i}, {j})");
                }
            // The transformed quadrant of layer k is the conditioning quadrant of layer k + 1: the cycle 0→1→2→3→0.
            Assert.That(masks[(k + 1) % 4].InputQuadrant, Is.EqualTo(masks[k].OutputQuadrant));
        }
        Assert.That(image[pad + (cellW - side * up) / 2 + 1, top + pad + 1], Is.EqualTo(Color(CycleMaskDiagram.Conditioning)), "layer 1 conditions on the top-left");
    }
}
