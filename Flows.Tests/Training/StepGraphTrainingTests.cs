using Flows.Core.Data;
using Flows.Core.Flows;
using Flows.Core.Training;
using Flows.Kernels.Cpu;
using Flows.Kernels.Ilgpu;

namespace Flows.Tests.Training;

/// <summary>
/// `train --cuda-graph` on the CPU simulator (docs/PERFORMANCE.md, "Streams and CUDA graphs"): steps replayed from the
/// captured graph give the eager steps' losses and weights; a step whose capture fails (Adam's bias corrections are
/// still kernel arguments that change every step) falls back to eager with one note and the same numbers; a backend
/// without graphs says so.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class StepGraphTrainingTests
{
    private const int Steps = 5, Batch = 8;
    private string _dir = "";
    private IlgpuBackend _device = null!;

    [OneTimeSetUp] public void CreateDevice() => _device = IlgpuBackend.CreateCpuSimulator();
    [OneTimeTearDown] public void DisposeDevice() => _device.Dispose();

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("flows-graph-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_dir, recursive: true);

    private static TrainingConfig Tiny(string optimizer) => new()
    {
        Model = ModelConfig.Tabular(4, hidden: 4, layers: 1, couplings: 2),
        Dataset = "synthetic", Epochs = 1, MaxSteps = Steps, BatchSize = Batch, LearningRate = 1e-3, Optimizer = optimizer,
        DecayGroups = "all", EvalBatchSize = 16, SampleCount = 0, Seed = 5,
    };

    private (double[] Losses, float[] Weights, List<string> Notes, int Replays, string? Failure) Train(string optimizer, bool graphs)
    {
        var data = SyntheticVectors.Gaussian("v", Steps * Batch, 4, 0f, 1);
        using var trainer = new Trainer(Tiny(optimizer), _device, data, data, Path.Combine(_dir, graphs ? "graphs" : "eager"));
        if (graphs) Assert.That(trainer.UseStepGraphs(), Is.Null);
        var losses = new double[Steps];
        var notes = new List<string>();
        for (int s = 0; s < Steps; s++)
        {
            losses[s] = trainer.TrainStep(Enumerable.Range(s * Batch, Batch).ToArray());
            while (trainer.TakeStepGraphNote() is { } note) notes.Add(note);
        }
        var weights = trainer.Model.Parameters().SelectMany(p => p.ToArray()).ToArray();
        var (replays, failure) = trainer.StepGraphStatus;
        return (losses, weights, notes, replays, failure);
    }

    [Test]
    public void ReplayedStepsGiveTheLossesAndWeightsOfEagerSteps()
    {
        var eager = Train("rmsprop", graphs: false);
        var graphed = Train("rmsprop", graphs: true);
        Assert.That(graphed.Failure, Is.Null);
        Assert.That(graphed.Notes, Has.Count.EqualTo(1).And.Some.Contains("captured through the simulated driver"));
        Assert.That(graphed.Replays, Is.EqualTo(Steps - 2), "two eager steps (the first, the traced one), then the graph");
        Assert.That(graphed.Losses, Is.EqualTo(eager.Losses));
        Assert.That(graphed.Weights, Is.EqualTo(eager.Weights));
    }

    [Test]
    public void AFailedCaptureFallsBackToEagerStepsWithTheSameNumbers()
    {
        var eager = Train("adam", graphs: false);
        var graphed = Train("adam", graphs: true);
        Assert.That(graphed.Replays, Is.Zero);
        Assert.That(graphed.Notes, Has.Count.EqualTo(1));
        Assert.That(graphed.Notes[0], Does.StartWith("CUDA graph capture failed (").And.EndWith("); running eagerly"));
        Assert.That(graphed.Notes[0], Does.Contain("changes between steps").And.Contain("a per-step value passed as a kernel argument"));
        Assert.That(graphed.Losses, Is.EqualTo(eager.Losses), "the failed capture ran nothing and took back its host counts");
        Assert.That(graphed.Weights, Is.EqualTo(eager.Weights));
    }

    [Test]
    public void TheManagedCpuBackendHasNoStepGraphs()
    {
        using var cpu = new ManagedCpuBackend();
        var data = SyntheticVectors.Gaussian("v", 16, 4, 0f, 1);
        using var trainer = new Trainer(Tiny("rmsprop"), cpu, data, data, _dir);
        Assert.That(trainer.UseStepGraphs(), Does.Contain("the cpu backend has no step graphs"));
    }
}
