using Flows.Core.Figures;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Flows.Tests.Figures;

public class BitmapFontTests
{
    private static string Pattern(char c) =>
        string.Concat(Enumerable.Range(0, 35).Select(i => BitmapFont.IsSet(c, i % 5, i / 5) ? '#' : '.'));

    [Test]
    public void EveryPrintableCharacterHasItsOwnGlyph()
    {
        var printable = Enumerable.Range('!', '~' - '!' + 1).Select(i => (char)i).ToArray();
        Assert.That(printable.Select(Pattern), Is.All.Contains("#"), "no visible character is blank");
        Assert.That(printable.Select(Pattern).Distinct().Count(), Is.EqualTo(printable.Length), "no two characters look the same");
        Assert.That(Pattern(' '), Does.Not.Contain("#"));
    }

    [Test]
    public void CapitalLHasAVerticalBarAndAFoot()
    {
        for (int row = 0; row < 7; row++) Assert.That(BitmapFont.IsSet('L', 0, row), Is.True);
        for (int col = 0; col < 5; col++) Assert.That(BitmapFont.IsSet('L', col, 6), Is.True);
        Assert.That(BitmapFont.IsSet('L', 4, 0), Is.False);
    }

    [Test]
    public void UnknownCharactersDrawAsQuestionMark() =>
        Assert.That(Pattern('é'), Is.EqualTo(Pattern('?')));

    [Test]
    public void MeasureCountsAdvanceScaleAndLines()
    {
        Assert.That(BitmapFont.Measure("ab", 1), Is.EqualTo((11, 7)));
        Assert.That(BitmapFont.Measure("ab", 3), Is.EqualTo((33, 21)));
        Assert.That(BitmapFont.Measure("abc\nd", 2), Is.EqualTo((34, 30)));
        Assert.That(BitmapFont.Measure("", 2), Is.EqualTo((0, 0)));
    }

    [Test]
    public void DrawTextChangesPixelsOnlyInsideTheTextBox()
    {
        using var img = new Image<Rgba32>(40, 20, new Rgba32(255, 255, 255));
        var red = new Rgba32(255, 0, 0);
        BitmapFont.DrawText(img, 3, 4, "Hi", red, scale: 2);
        var (w, h) = BitmapFont.Measure("Hi", 2);
        int inside = 0, outside = 0;
        for (int y = 0; y < img.Height; y++)
            for (int x = 0; x < img.Width; x++)
            {
                if (img[x, y] != red) continue;
                if (x >= 3 && x < 3 + w && y >= 4 && y < 4 + h) inside++;
                else outside++;
            }
        Assert.That(outside, Is.Zero);
        // 'H' has 7+7+1 = 15 set pixels... counted from the glyph itself, times 4 for scale 2.
        int expected = "Hi".Sum(c => Enumerable.Range(0, 35).Count(i => BitmapFont.IsSet(c, i % 5, i / 5))) * 4;
        Assert.That(inside, Is.EqualTo(expected));
    }

    [Test]
    public void TextPartlyOutsideTheImageIsClipped()
    {
        using var img = new Image<Rgba32>(8, 8);
        Assert.That(() => BitmapFont.DrawText(img, -3, 5, "Wide text", new Rgba32(0, 0, 0), 2), Throws.Nothing);
    }
}
