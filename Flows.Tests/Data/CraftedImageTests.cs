using Flows.Core.Data;

namespace Flows.Tests.Data;

/// <summary>Image files whose headers lie: each is refused by name, and in a folder it is skipped, not fatal.</summary>
public class CraftedImageTests
{
    public static IEnumerable<TestCaseData> Crafted()
    {
        yield return new TestCaseData("wide.bmp", CraftedImages.Bmp(70_000, 1)).SetName("BmpWiderThan65535");
        yield return new TestCaseData("zero-bpp.bmp", CraftedImages.Bmp(4, 4, bitsPerPixel: 0, pixelBytes: 64)).SetName("BmpWithZeroBitsPerPixel");
        yield return new TestCaseData("header-only.bmp", CraftedImages.Bmp(16, 16, pixelBytes: 0)).SetName("BmpHoldingOnlyItsHeader");
        yield return new TestCaseData("short.bmp", CraftedImages.Bmp(16, 16, pixelBytes: 100)).SetName("BmpWithTooFewPixelBytes");
        yield return new TestCaseData("liar.png", CraftedImages.PngClaiming(4000, 4000)).SetName("PngClaiming4000x4000With64Bytes");
    }

    [TestCaseSource(nameof(Crafted))]
    public void TheDecoderRefusesItByName(string name, byte[] bytes)
    {
        using var dir = new TempFolder();
        string path = dir.File(name);
        File.WriteAllBytes(path, bytes);
        var decoder = new SafeImageDecoder(ImageDecodeLimits.Default);
        var ex = Assert.Throws<DataException>(() => decoder.LoadRgb(path).Dispose())!;
        Assert.That(ex.Message, Does.Contain(path));
        Assert.That(ex.Message, Does.Not.Contain(Environment.NewLine));
    }

    [TestCaseSource(nameof(Crafted))]
    public void AFolderSkipsItAndKeepsTheGoodImages(string name, byte[] bytes)
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("a.png"), CraftedImages.Png(8, 8, gray: true));
        File.WriteAllBytes(dir.File(name), bytes);
        File.WriteAllBytes(dir.File("z.png"), CraftedImages.Png(8, 8, gray: true));
        var log = new List<string>();

        var set = ImageFolderReader.Read("crafted", dir.Path, new ImageFolderOptions(null, null, ImageDecodeLimits.Default, log.Add));

        Assert.That(set.Count, Is.EqualTo(2));
        Assert.That(log, Has.Some.Contains(name).And.Contains("skipped"));
    }

    [Test]
    public void AGoodBmpStillDecodes()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("ok.bmp"), CraftedImages.Bmp(5, 3));
        using var image = new SafeImageDecoder(ImageDecodeLimits.Default).LoadRgb(dir.File("ok.bmp"));
        Assert.That((image.Width, image.Height), Is.EqualTo((5, 3)));
    }

    [Test]
    public void ABottomUpAndATopDownBmpBothDecode()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("td.bmp"), CraftedImages.Bmp(6, -4));
        using var image = new SafeImageDecoder(ImageDecodeLimits.Default).LoadRgb(dir.File("td.bmp"));
        Assert.That((image.Width, image.Height), Is.EqualTo((6, 4)));
    }
}
