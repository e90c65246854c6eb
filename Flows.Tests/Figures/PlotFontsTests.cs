using Flows.Core.Figures;
using Flows.Tests.Checkpoints;

namespace Flows.Tests.Figures;

public class PlotFontsTests
{
    [Test]
    public void EmptyFoldersYieldNoFont()
    {
        using var dir = new TempDir();
        Assert.That(PlotFonts.FindFontFile(new[] { dir.Path, dir.File("missing") }, preferredOnly: false), Is.Null);
    }

    [Test]
    public void PrefersACommonSansFontAndFallsBackToAnyTtf()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("truetype/other"));
        File.WriteAllBytes(dir.File("truetype/other/AaaSerif.ttf"), new byte[] { 0 });
        Assert.That(PlotFonts.FindFontFile(new[] { dir.Path }, preferredOnly: true), Is.Null);
        Assert.That(PlotFonts.FindFontFile(new[] { dir.Path }, preferredOnly: false), Does.EndWith("AaaSerif.ttf"));

        Directory.CreateDirectory(dir.File("truetype/dejavu"));
        File.WriteAllBytes(dir.File("truetype/dejavu/DejaVuSans.ttf"), new byte[] { 0 });
        Assert.That(PlotFonts.FindFontFile(new[] { dir.Path }, preferredOnly: false), Does.EndWith("DejaVuSans.ttf"));
    }

    [Test]
    public void ConfigurationNeverThrowsAndExplainsMissingText()
    {
        var writer = new StringWriter();
        var status = PlotFonts.EnsureConfigured(writer);
        // Either a font with glyphs was found, or there is exactly one warning naming the fix.
        if (status.TextAvailable) Assert.That(status.Warning, Is.Null);
        else Assert.That(status.Warning, Does.Contain(PlotFonts.InstallHint));
    }
}
