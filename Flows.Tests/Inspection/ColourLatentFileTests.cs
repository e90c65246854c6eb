using Flows.Core;
using Flows.Core.Data;
using Flows.Core.Figures;
using Flows.Core.Flows;
using Flows.Core.Inspection;
using Flows.Tests.Checkpoints;
using Flows.Tests.Engine;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Flows.Tests.Inspection;

/// <summary>`flows inspect`'s colour latents (RGB models), sigmoid(z) view (Glow) and cycle-mask diagram (docs/MODELS.md §7.3, §7.6).</summary>
public class ColourLatentFileTests
{
    private const int Pad = 2, Up = 2, Side = 8;

    private static int W(string text) => BitmapFont.Measure(text).Width;

    private static MultiScaleFlow TinyRgb(int seed = 3)
    {
        var config = ModelConfig.Defaults("realnvp", new ImageShape(3, Side, Side)) with { Mid = 4, Blocks = 1 };
        return (MultiScaleFlow)FlowModels.Create(config, EngineBackend.Cpu, seed);
    }

    private static ImageDataset RgbDataset(string name, int count, int seed)
    {
        var pixels = new byte[count * 3 * Side * Side];
        new Random(seed).NextBytes(pixels);
        return new ImageDataset(name + "/test", pixels, new int[count], 3, Side, Side);
    }

    private static (int Width, int Height) Size(string path)
    {
        using var image = Image.Load<Rgba32>(path);
        return (image.Width, image.Height);
    }

    [Test]
    public void InspectOnATinyRgbModelWritesTheColourLatentFigures()
    {
        var model = TinyRgb();
        var sets = new Dictionary<string, ImageDataset> { ["faces"] = RgbDataset("faces", 12, seed: 1) };
        using var dir = new TempDir();
        var written = InspectionArtifacts.Write(model, [("faces", 2), ("faces", 5)], s => sets[s], dir.Path, 5, 6, draws: 2);
        Assert.That(written.Select(w => w.Kind), Is.SupersetOf(new[] { "latents", "latents rgb", "latents appendix", "samples" }));
        Assert.That(written.Select(w => w.Kind), Has.None.EqualTo("latents sigmoid").And.None.EqualTo("cycle masks"));

        // latents_rgb.png: 7 rows (input, z RGB, three viridis channels, z avg RGB, BN-train) × 2 images.
        int top = BitmapFont.Measure("faces:2").Height + Pad;
        int cell = Math.Max(Side * Up, W("faces:2"));
        int left = new[] { "input", "z RGB", "z ch0 [-2,2]", "z avg 2 RGB", "z BN-train ch2" }.Max(W) + Pad;
        Assert.That(Size(dir.File("latents_rgb.png")), Is.EqualTo((left + Pad + 2 * (cell + Pad), top + Pad + 7 * (Side * Up + Pad))));
        // latents_appendix.png: 4 rows (input, z RGB, z ch2, BN-train ch2).
        int appendixLeft = new[] { "input", "z RGB", "z ch2", "z BN-train ch2" }.Max(W) + Pad;
        Assert.That(Size(dir.File("latents_appendix.png")), Is.EqualTo((appendixLeft + Pad + 2 * (cell + Pad), top + Pad + 4 * (Side * Up + Pad))));
    }

    [Test]
    public void TheRgbRowShowsZClippedToTheUnitRange()
    {
        var model = TinyRgb();
        var data = RgbDataset("faces", 4, seed: 2);
        using var scope = new TensorScope();
        var x = ImageBatch.Range(model.Backend, data, 0, 1);
        var input = HostImage.FromBatch(x, 0);
        var z = HostImage.FromBatch(LatentLayout.Eval(model, x, 5), 0);
        var column = new InspectionFigures.LatentColumn("faces:0", input, z, z, null);
        using var image = InspectionFigures.ColourLatents([column], draws: 1, upscale: 1).Render();

        // Row 1 (z RGB), pixel (i, j) = clamp(z, 0, 1) per channel, rounded to bytes.
        int left = new[] { "input", "z RGB", "z ch0 [-2,2]", "z avg 1 RGB" }.Max(W) + Pad;
        int cellW = Math.Max(Side, W("faces:0"));
        int top = BitmapFont.Measure("faces:0").Height + Pad;
        int x0 = left + Pad + (cellW - Side) / 2, y0 = top + Pad + (Side + Pad);
        int plane = Side * Side;
        static byte B(float v) => (byte)Math.Round(Math.Clamp(v, 0f, 1f) * 255.0, MidpointRounding.AwayFromZero);
        int outside = 0;
        for (int i = 0; i < Side; i++)
            for (int j = 0; j < Side; j++)
            {
                int p = i * Side + j;
                Assert.That(image[x0 + j, y0 + i], Is.EqualTo(new Rgba32(B(z.Data[p]), B(z.Data[plane + p]), B(z.Data[2 * plane + p]))), $"z RGB pixel ({i}, {j})");
                for (int c = 0; c < 3; c++) if (z.Data[c * plane + p] is < 0 or > 1) outside++;
            }
        Assert.That(outside, Is.GreaterThan(0), "the latent has values outside [0, 1], so the clip is exercised");
        Assert.That(() => InspectionFigures.ColourLatents([column with { Z = z.Channel(0) }], 1), Throws.ArgumentException.With.Message.Contains("3-channel"));
    }

    [Test]
    public void GlowGetsTheSigmoidViewAndTheCycleMaskModelItsDiagram()
    {
        var sets = new Dictionary<string, ImageDataset> { ["toy"] = TinyModels.Dataset("toy", 4, Side, seed: 1) };
        using var glowDir = new TempDir();
        var glow = InspectionArtifacts.Write(TinyModels.Create("glow", Side), [("toy", 1)], s => sets[s], glowDir.Path, 5, 6, draws: 2);
        Assert.That(glow.Select(w => w.Kind), Does.Contain("latents sigmoid").And.Not.Contain("latents rgb"));
        int top = BitmapFont.Measure("toy:1").Height + Pad;
        int left = new[] { "input", "sigmoid(z)", "sigmoid(z avg 2)" }.Max(W) + Pad;
        Assert.That(Size(glowDir.File("latents_sigmoid.png")), Is.EqualTo((left + Pad + Math.Max(Side * Up, W("toy:1")) + Pad, top + Pad + 3 * (Side * Up + Pad))));

        using var cycleDir = new TempDir();
        var cycleModel = TinyModels.Create("cyclemask", Side);
        var cycle = InspectionArtifacts.Write(cycleModel, [("toy", 0)], s => sets[s], cycleDir.Path, 5, 6, draws: 1);
        Assert.That(cycle.Select(w => w.Kind), Does.Contain("cycle masks"));
        // The diagram is drawn from the model's own masks: the first four couplings, one cycle 0→1→2→3→0.
        var masks = cycleModel.Couplings().Select(c => (QuadrantMask)c.Mask).Take(4).ToList();
        Assert.That(masks.Select(m => (m.InputQuadrant, m.OutputQuadrant)), Is.EqualTo(new[] { (0, 1), (1, 2), (2, 3), (3, 0) }));
        var expected = CycleMaskDiagram.Grid(masks).PixelSize();
        Assert.That(Size(cycleDir.File("cycle_masks.png")), Is.EqualTo(expected));
    }
}
