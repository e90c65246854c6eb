using Flows.Core.Data;
using Flows.Core.Figures;
using Flows.Core.Inspection;
using Flows.Tests.Checkpoints;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Flows.Tests.Inspection;

/// <summary>Every inspection figure is written, is a real PNG and has the pixel size its layout implies.</summary>
public class FigureFileTests
{
    private const int Pad = 2, Up = 2, Side = 8;

    private static int W(string text) => BitmapFont.Measure(text).Width;

    private static (int Width, int Height) Decode(string path)
    {
        Assert.That(new FileInfo(path).Length, Is.GreaterThan(0), path);
        using var image = Image.Load<Rgba32>(path);
        return (image.Width, image.Height);
    }

    [Test]
    public void InspectWritesCouplingLatentAndSampleFiguresOfTheExpectedSize()
    {
        var model = TinyModels.Create("realnvp", Side);
        var sets = new Dictionary<string, ImageDataset>
        {
            ["toy"] = TinyModels.Dataset("toy", 40, Side, seed: 1),
            ["other"] = TinyModels.Dataset("other", 40, Side, seed: 2),
        };
        using var dir = new TempDir();
        var written = InspectionArtifacts.Write(model, [("toy", 3), ("other", 39)], s => sets[s], dir.Path, 5, 6, draws: 3);
        Assert.That(written.Select(w => w.Kind), Is.EquivalentTo(new[] { "couplings toy:3", "couplings other:39", "latents", "samples" }));

        // Couplings: 3 rows (out, exp(s), t) × (input + 10 couplings); a cell is the widest of 16 px and "input".
        int cell = Math.Max(Side * Up, W("input"));
        int left = new[] { "out", "exp(s)", "t" }.Max(W) + Pad;
        int top = BitmapFont.Measure("input").Height + Pad;
        Assert.That(Decode(dir.File("couplings_toy_3.png")), Is.EqualTo((left + Pad + 11 * (cell + Pad), top + Pad + 3 * (Side * Up + Pad))));
        Assert.That(Decode(dir.File("couplings_other_39.png")), Is.EqualTo((left + Pad + 11 * (cell + Pad), top + Pad + 3 * (Side * Up + Pad))));

        // Latents: 4 rows (RealNVP has BatchNorm) × 2 images labelled SET:INDEX.
        int latentCell = Math.Max(Side * Up, Math.Max(W("toy:3"), W("other:39")));
        int latentLeft = new[] { "input", "z", "z avg 3", "z BN-train" }.Max(W) + Pad;
        Assert.That(Decode(dir.File("latents.png")), Is.EqualTo((latentLeft + Pad + 2 * (latentCell + Pad), top + Pad + 4 * (Side * Up + Pad))));

        // Samples: 3×3 without labels.
        Assert.That(Decode(dir.File("samples.png")), Is.EqualTo((Pad + 3 * (Side * Up + Pad), Pad + 3 * (Side * Up + Pad))));
    }

    [Test]
    public void SmallModelsGetTheCoAdaptationGridAndGlowHasNoBatchNormRow()
    {
        var horizontal = TinyModels.Create("horizontal3", Side);
        var glow = TinyModels.Create("glow", Side);
        var sets = new Dictionary<string, ImageDataset> { ["toy"] = TinyModels.Dataset("toy", 4, Side, seed: 1) };
        using var dir = new TempDir();
        var written = InspectionArtifacts.Write(horizontal, [("toy", 0), ("toy", 1)], s => sets[s], dir.Path, 5, 6, draws: 2);
        Assert.That(written.Select(w => w.Kind), Does.Contain("couplings all"));
        // 6 rows (3 per image) × (input + 3 layers), upscale 3.
        int cell = Math.Max(Side * 3, W("layer 1"));
        int left = W("toy:0 exp(s)") + Pad;
        int top = BitmapFont.Measure("input").Height + Pad;
        Assert.That(Decode(dir.File("couplings_all.png")), Is.EqualTo((left + Pad + 4 * (cell + Pad), top + Pad + 6 * (Side * 3 + Pad))));

        using var glowDir = new TempDir();
        InspectionArtifacts.Write(glow, [("toy", 2)], s => sets[s], glowDir.Path, 5, 6, draws: 2);
        int latentLeft = new[] { "input", "z", "z avg 2" }.Max(W) + Pad;
        int latentCell = Math.Max(Side * Up, W("toy:2"));
        Assert.That(Decode(glowDir.File("latents.png")), Is.EqualTo((latentLeft + Pad + latentCell + Pad, top + Pad + 3 * (Side * Up + Pad))));
    }

    [Test]
    public void ImageSpecsAreParsedAndBadOnesNamed()
    {
        Assert.That(InspectionArtifacts.ParseImage("fashionmnist:4"), Is.EqualTo(("fashionmnist", 4)));
        Assert.That(() => InspectionArtifacts.ParseImage("mnist"), Throws.ArgumentException.With.Message.Contains("SET:INDEX"));
        var sets = new Dictionary<string, ImageDataset> { ["toy"] = TinyModels.Dataset("toy", 4, Side, seed: 1) };
        using var dir = new TempDir();
        Assert.That(() => InspectionArtifacts.Write(TinyModels.Create("horizontal3", Side), [("toy", 4)], s => sets[s], dir.Path, 1, 1),
            Throws.ArgumentException.With.Message.Contains("toy:4"));
    }
}
