using Flows.Core;
using Flows.Core.Data;
using Flows.Core.Flows;
using Flows.Core.Training;
using Flows.Kernels.Ilgpu;
using Flows.Tests.Training;

namespace Flows.Tests.Kernels;

/// <summary>
/// The paper Glow step's launch diet (issue 13; docs/PERFORMANCE.md, "Launches and host synchronisations per step",
/// the Glow table), counted as LaunchBudgetTests counts: the ILGPU backend's <see cref="LaunchCounter"/> in count-only
/// mode on the paper layout (1×28×28, L = 2, K = 16) at width 4 and batch 2, the second training step.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class GlowLaunchTests
{
    // Measured on the merged step (fusions, gradients into slots, the bias column in backward-weight).
    private const int PerFlowStep = 74;

    private string _dir = "";

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("flows-glow-launches-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void EachFusedFlowStepSavesTheSameLaunches()
    {
        // One more Glow step per level adds the same launches (the layout fixes the count): ≈ 137 before the diet
        // (114 besides its 21 parameter-gradient copies), 74 after the fusions, and no copies once gradients are
        // written into the optimizer's flat slots (GradientSlotTests). The whole step's bound is in LaunchBudgetTests.
        var paper = ModelConfig.Defaults("glow", new ImageShape(1, 28, 28)) with { Mid = 4 };
        var (k2, p2) = SecondStep(paper with { K = 2 }, batch: 2);
        var (k3, p3) = SecondStep(paper with { K = 3 }, batch: 2);
        long perStep = (k3.Launches - k2.Launches) / paper.Scales, tensors = (p3 - p2) / paper.Scales;
        TestContext.Out.WriteLine($"one Glow step: {perStep} launches for {tensors} parameter tensors");
        Assert.That(tensors, Is.EqualTo(21), "ActNorm 2, the 1×1 conv 1, the rescale's weight norm 2, the highway st-network's 8 convolutions 16");
        Assert.That(perStep, Is.LessThanOrEqualTo(PerFlowStep));
    }

    /// <summary>The second training step (the first also makes what is made once) and the number of parameter tensors.</summary>
    private (LaunchCounts Step, int Parameters) SecondStep(ModelConfig model, int batch)
    {
        using var device = IlgpuBackend.CreateCpuSimulator();
        device.Counter.CountOnly = true;
        var data = Noise(4 * batch, model.Image);
        using var trainer = new Trainer(TinyTraining.Config(steps: 3) with { Model = model, BatchSize = batch }, device, data, data, _dir);
        trainer.TrainStep(Enumerable.Range(0, batch).ToArray());
        var start = device.Counter.Snapshot();
        trainer.TrainStep(Enumerable.Range(batch, batch).ToArray());
        return (device.Counter.Snapshot() - start, trainer.Optimizer.Parameters.Count);
    }

    private static ImageDataset Noise(int count, ImageShape image)
    {
        var pixels = new byte[count * image.Size];
        new Random(5).NextBytes(pixels);
        return new ImageDataset("noise", pixels, new int[count], image.Channels, image.Height, image.Width);
    }
}
