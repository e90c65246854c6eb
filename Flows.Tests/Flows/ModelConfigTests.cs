using Flows.Core.Flows;
using Flows.Kernels.Cpu;

namespace Flows.Tests.Flows;

[TestFixture]
public sealed class ModelConfigTests
{
    [Test]
    public void DefaultsFollowThePaper()
    {
        var gray = ModelConfig.Defaults("realnvp", ImageShape.Parse("1x28x28"));
        Assert.That((gray.Scales, gray.Blocks, gray.Mid), Is.EqualTo((2, 6, 64)));
        var color = ModelConfig.Defaults("realnvp", ImageShape.Parse("3x32x32"));
        Assert.That((color.Scales, color.Blocks, color.Mid), Is.EqualTo((3, 8, 64)));
        var glow = ModelConfig.Defaults("glow", ImageShape.Parse("3x32x32"));
        Assert.That((glow.Scales, glow.K, glow.Mid, glow.Layers, glow.StType), Is.EqualTo((3, 8, 400, 3, "highway")));
        var tabular = ModelConfig.Defaults("tabular", new ImageShape(1792, 1, 1));
        Assert.That((tabular.Dim, tabular.Hidden, tabular.Layers, tabular.Couplings), Is.EqualTo((1792, 64, 8, 8)));
    }

    [TestCaseSource(typeof(ModelConfig), nameof(ModelConfig.ModelNames))]
    public void EveryConfigRoundTripsThroughAStringDictionary(string name)
    {
        var config = ModelConfig.Defaults(name, ImageShape.Parse("1x28x28")) with { Mid = 12 };
        Assert.That(ModelConfig.FromDictionary(config.ToDictionary()), Is.EqualTo(config));
    }

    [Test]
    public void OptionsOverrideTheDefaults()
    {
        var c = ModelConfig.FromOptions(new Dictionary<string, string>
        {
            ["--model"] = "realnvp-resnetae", ["--image"] = "1x28x28", ["--latent"] = "10", ["--blocks"] = "2",
        });
        Assert.That((c.Latent, c.Blocks, c.Mid, c.StType), Is.EqualTo((10, 2, 64, "resnet_ae")));
        var t = ModelConfig.FromOptions(new Dictionary<string, string> { ["model"] = "tabular", ["dim"] = "50", ["hidden"] = "256", ["layers"] = "1" });
        Assert.That((t.Dim, t.Hidden, t.Layers, t.Couplings), Is.EqualTo((50, 256, 1, 8)));
        Assert.Throws<ArgumentException>(() => ModelConfig.FromOptions(new Dictionary<string, string> { ["model"] = "nope", ["image"] = "1x28x28" }));
        Assert.Throws<ArgumentException>(() => ModelConfig.FromOptions(new Dictionary<string, string> { ["model"] = "glow", ["image"] = "1x28" }));
    }

    [Test]
    public void DescribeListsLayersShapesAndTheParameterCount()
    {
        using var backend = new ManagedCpuBackend();
        var model = FlowModels.Create(ModelConfig.Defaults("realnvp", ImageShape.Parse("1x28x28")), backend, 1);
        var text = FlowDescription.Format(model, ImageShape.Parse("1x28x28"));
        TestContext.Out.WriteLine(text);
        Assert.That(text, Does.EndWith("parameters: 14707336\n"));
        Assert.That(text, Does.Contain("factor out (keep 2 channels)").And.Match(@"\[4×14×14\]\s+→ \[2×14×14\] \+ z \[2×14×14\]"));
        Assert.That(text.Split('\n').Count(l => l.Contains("AffineCoupling")), Is.EqualTo(10));
        Assert.Throws<ArgumentException>(() => FlowDescription.Format(model, ImageShape.Parse("3x32x32")));
    }
}
