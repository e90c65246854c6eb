using Flows.Core.Evaluation;
using Flows.Tests.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Flows.Tests.App;

/// <summary>`flows ood --inset` (and `experiments --inset`): Figure 1(a)'s zoomed inset on likelihoods.png (docs/MODELS.md §2 E1).</summary>
[NonParallelizable]
public sealed class HistogramInsetCommandTests
{
    private TempFolder _dir = null!;

    [SetUp]
    public void CreateFolder() => _dir = new TempFolder();

    [TearDown]
    public void RemoveFolder() => _dir.Dispose();

    private static string LastLine(string text) => text.Trim().Split('\n')[^1];

    [Test]
    public void TheFlagDrawsTheInsetInItsCornerAndLeavesTheRestOfTheFigureAlone()
    {
        string data = RealData.Folder();
        string run = _dir.File("run");
        var (code, _, error) = App.Run(["train", "--preset", "smoke", "--steps", "2", "--train-limit", "100", "--test-limit", "30",
            "--data-dir", data, "--offline", "--out", run, "--device", "cpu", "--seed", "1"]);
        Assert.That(code, Is.EqualTo(0), error);
        string[] Ood(string outDir, params string[] extra) =>
            ["ood", "--checkpoint", Path.Combine(run, "checkpoint.safetensors"), "--ood", "mnist", "--limit", "30", "--batch", "15", "--bootstrap", "2",
             "--data-dir", data, "--offline", "--out", outDir, "--device", "cpu", .. extra];

        (code, _, error) = App.Run(Ood(_dir.File("plain")));
        Assert.That(code, Is.EqualTo(0), error);
        (code, _, error) = App.Run(Ood(_dir.File("inset"), "--inset"));
        Assert.That(code, Is.EqualTo(0), error);
        (code, _, error) = App.Run(Ood(_dir.File("narrow"), "--inset", "--inset-percentiles", "40,60"));
        Assert.That(code, Is.EqualTo(0), error);

        using var plain = Image.Load<Rgba32>(Path.Combine(_dir.File("plain"), "likelihoods.png"));
        using var inset = Image.Load<Rgba32>(Path.Combine(_dir.File("inset"), "likelihoods.png"));
        using var narrow = Image.Load<Rgba32>(Path.Combine(_dir.File("narrow"), "likelihoods.png"));
        Assert.That((inset.Width, inset.Height), Is.EqualTo((plain.Width, plain.Height)));
        var box = HistogramInset.Placement(plain.Width, plain.Height, new HistogramInsetOptions());
        int inside = 0, outside = 0, zoomDiffers = 0;
        for (int y = 0; y < plain.Height; y++)
            for (int x = 0; x < plain.Width; x++)
            {
                bool changed = plain[x, y] != inset[x, y];
                if (box.Contains(x, y)) inside += changed ? 1 : 0;
                else outside += changed ? 1 : 0;
                if (box.Contains(x, y) && narrow[x, y] != inset[x, y]) zoomDiffers++;
            }
        Assert.That(outside, Is.EqualTo(0), "outside the upper-right inset the figure is the one without --inset");
        Assert.That(inside, Is.GreaterThan(box.Width * box.Height / 10), "the inset is drawn");
        Assert.That(zoomDiffers, Is.GreaterThan(0), "--inset-percentiles changes the zoom");
    }

    [TestCase("ood", new[] { "--inset-percentiles", "5,95" }, "add --inset")]
    [TestCase("ood", new[] { "--inset", "--inset-percentiles", "95,5" }, "0 <= LO < HI <= 100")]
    [TestCase("ood", new[] { "--inset", "--inset-percentiles", "5" }, "two percentiles LO,HI")]
    [TestCase("ood", new[] { "--inset", "--inset-percentiles", "0,101" }, "got '0,101'")]
    [TestCase("experiments", new[] { "--inset", "--inset-percentiles", "a,b" }, "two percentiles LO,HI")]
    public void BadInsetUseFailsInOneLineBeforeAnythingIsRead(string command, string[] flags, string fragment)
    {
        string[] args = command == "ood"
            ? ["ood", "--checkpoint", "/nonexistent/c.safetensors", .. flags]
            : ["experiments", "--out", _dir.File("exp"), "--data-dir", "/nonexistent", "--offline", .. flags];
        var (code, _, error) = App.Run(args);
        Assert.That(code, Is.EqualTo(2), error);
        Assert.That(LastLine(error), Does.StartWith("error: ").And.Contain(fragment));
        Assert.That(Directory.Exists(_dir.File("exp")), Is.False, "experiments wrote nothing");
    }

    [Test]
    public void TheHelpOfBothCommandsNamesTheFlag()
    {
        foreach (var command in new[] { "ood", "experiments" })
        {
            var (code, output, error) = App.Run([command, "--help"]);
            Assert.That(code, Is.EqualTo(0), error);
            Assert.That(output + error, Does.Contain("--inset").And.Contain("--inset-percentiles").And.Contain("5th-95th percentile"), command);
        }
    }
}
