using Flows.Core.Flows;
using Flows.Core.Training;
using Flows.Kernels.Ilgpu;

namespace Flows.Tests.Training;

/// <summary>
/// How often a RealNVP training step waits for the device, counted on the ILGPU CPU simulator (the counts do not
/// depend on the accelerator, docs/PERFORMANCE.md, "Host synchronisations per step"): gradient clipping, the
/// optimizer and the log-det checks read nothing back, so a step downloads its loss and non-finite flag once.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class StepHostSyncTests
{
    private string _dir = "";

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("flows-syncs-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void ARealNvpTrainingStepSynchronisesOnce()
    {
        using var device = IlgpuBackend.CreateCpuSimulator();
        var train = SyntheticImages.Blobs("blobs", 8, 8, seed: 1);
        var config = TinyTraining.Config(steps: 2) with
        {
            Model = ModelConfig.Defaults("realnvp", new ImageShape(1, 8, 8)) with { Scales = 2, Blocks = 1, Mid = 4 },
            BatchSize = 4,
        };
        using var trainer = new Trainer(config, device, train, train, _dir);
        // The first step also uploads what is made once (the groups' maximum norms, the model's constants).
        trainer.TrainStep([0, 1, 2, 3]);
        var start = device.Counter.Snapshot();
        double loss = trainer.TrainStep([4, 5, 6, 7]);
        var step = device.Counter.Snapshot() - start;
        int parameters = trainer.Optimizer.Parameters.Count, couplings = trainer.Model.Couplings().Count();
        TestContext.Out.WriteLine($"one step: {step}; the host path read {parameters} gradient norms + {couplings} log-dets + the loss");
        Assert.That(double.IsFinite(loss), Is.True);
        Assert.That(step.HostSyncs, Is.EqualTo(1), "the loss and the flag, in one download");
        Assert.That(step.Uploads, Is.EqualTo(2), "the batch and the optimizer's step scalars (docs/PERFORMANCE.md, \"Multi-tensor optimizers\")");
        Assert.That(parameters + couplings + 1, Is.EqualTo(281), "what the per-parameter path synchronised");
    }
}
