using Flows.Core.Flows;
using Flows.Core.Training;
using Flows.Kernels.Cpu;

namespace Flows.Tests.Data;

/// <summary>The E1 preset (docs/MODELS.md §2): RealNVP on 3x64x64 with the colour recipe and 4 scales, marked UNVERIFIED.</summary>
public sealed class ImageNet64PresetTests
{
    [Test]
    public void ThePresetIsTheColourRecipeOn64x64WithFourScales()
    {
        var preset = TrainingPresets.Get("paper-realnvp-imagenet64");
        var color = TrainingPresets.Get("paper-realnvp-color").Config;
        var c = preset.Config;

        Assert.That(preset.Description, Does.Contain("UNVERIFIED"));
        Assert.That((c.Model.Name, c.Model.Image.ToString(), c.Model.Scales), Is.EqualTo(("realnvp", "3x64x64", 4)));
        Assert.That((c.Model.Blocks, c.Model.Mid, c.LearningRate, c.BatchSize, c.Epochs, c.Dataset),
            Is.EqualTo((color.Model.Blocks, color.Model.Mid, color.LearningRate, color.BatchSize, color.Epochs, "imagenet64")));
    }

    [Test]
    public void ItsModelBuildsOn64x64()
    {
        using var backend = new ManagedCpuBackend();
        var model = FlowModels.Create(TrainingPresets.Get("paper-realnvp-imagenet64").Config.Model, backend, seed: 1);
        long count = model.ParameterCount();
        TestContext.Out.WriteLine($"paper-realnvp-imagenet64: {count} parameters");
        // One more scale than the colour RealNVP (87,859,080 on 3x32x32, docs/MODELS.md §4.11) adds its couplings.
        Assert.That(count, Is.GreaterThan(87_859_080L));
    }
}
