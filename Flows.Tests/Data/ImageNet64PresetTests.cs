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
        model = null;
        GC.Collect(); // 1.4 GB of parameters: let them go at once
        // Our own count for this UNVERIFIED architecture (no paper checksum exists): it pins the preset's sizes.
        // The fourth scale's couplings are the widest, so it is about 4x the colour RealNVP's 87,859,080 (docs/MODELS.md §4.11).
        Assert.That(count, Is.EqualTo(360_508_008L));
    }
}
