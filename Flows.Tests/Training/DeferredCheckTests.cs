using Flows.Core;
using Flows.Core.Training;
using Flows.Kernels.Cpu;

namespace Flows.Tests.Training;

/// <summary>
/// The per-layer finite checks of a training step run on the device and are read once, after the optimizer step
/// (docs/PERFORMANCE.md, "Host synchronisations per step"); a flagged step must still name the layer and leave the
/// weights as they were.
/// </summary>
public sealed class DeferredCheckTests
{
    private string _dir = "";

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("flows-deferred-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void ANanWeightNamesTheLayerAndNoWeightMoves()
    {
        var train = SyntheticImages.Blobs("blobs", 32, 8, seed: 1);
        using var backend = new ManagedCpuBackend();
        using var trainer = new Trainer(TinyTraining.Config(steps: 4), backend, train, train, _dir);
        trainer.TrainStep([0, 1, 2, 3]);
        var parameters = trainer.Model.Parameters().ToArray();
        var weight = parameters.First(p => p.Length > 1);
        var poisoned = weight.ToArray();
        poisoned[0] = float.NaN;
        weight.CopyFrom(poisoned);
        var before = parameters.Select(p => p.ToArray()).ToArray();

        var error = Assert.Throws<TrainingDivergedException>(() => trainer.TrainStep([4, 5, 6, 7]));
        Assert.That(error!.Message, Does.Contain("log-determinant"), "the forward was re-run with the per-layer checks");
        for (int i = 0; i < parameters.Length; i++)
            Assert.That(parameters[i].ToArray(), Is.EqualTo(before[i]), $"parameter {i} was updated by a flagged step");
    }

    [Test]
    public void AFiniteStepGivesTheLossOfTheForward()
    {
        var train = SyntheticImages.Blobs("blobs", 32, 8, seed: 1);
        using var backend = new ManagedCpuBackend();
        using var trainer = new Trainer(TinyTraining.Config(steps: 4), backend, train, train, _dir);
        double first = trainer.TrainStep([0, 1, 2, 3]);
        Assert.That(double.IsFinite(first) && first > 0, Is.True, $"bits/dim {first}");
    }
}
