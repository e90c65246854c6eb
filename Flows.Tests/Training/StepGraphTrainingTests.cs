using Flows.Core.Data;
using Flows.Core.Flows;
using Flows.Core.Training;
using Flows.Kernels.Cpu;
using Flows.Kernels.Ilgpu;

namespace Flows.Tests.Training;

/// <summary>
/// `train --cuda-graph` on the CPU simulator (docs/PERFORMANCE.md, "Streams and CUDA graphs"): steps replayed from the
/// captured graph give the eager steps' losses and weights, bit for bit, with the multi-tensor optimizer (its step
/// scalars uploaded before each graph launch) and clipping; a replayed step is one graph launch and its uploads; a step
/// whose capture fails (the per-parameter Adam passes its bias corrections as kernel arguments that change every step)
/// falls back to eager with one note and the same numbers; a backend without graphs says so.
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

    private static TrainingConfig Tiny(string optimizer, double clip = 100) => new()
    {
        Model = ModelConfig.Tabular(4, hidden: 4, layers: 1, couplings: 2),
        Dataset = "synthetic", Epochs = 1, MaxSteps = Steps, BatchSize = Batch, LearningRate = 1e-3, Optimizer = optimizer,
        DecayGroups = "all", EvalBatchSize = 16, SampleCount = 0, Seed = 5, ClipNorm = clip,
    };

    private sealed record Run(double[] Losses, float[] Weights, List<string> Notes, int Replays, string? Failure, bool MultiTensor,
                              LaunchCounts LastStep, long LastStepGraphLaunches);

    /// <param name="multiTensor">Whether the optimizer may take the multi-tensor path (off: the per-parameter one).</param>
    /// <param name="learningRate">The learning rate of step s (null: the configured one every step).</param>
    private Run Train(string optimizer, bool graphs, bool multiTensor = true, double clip = 100, Func<int, float>? learningRate = null)
    {
        var data = SyntheticVectors.Gaussian("v", Steps * Batch, 4, 0f, 1);
        using var trainer = new Trainer(Tiny(optimizer, clip), _device, data, data, Path.Combine(_dir, graphs ? "graphs" : "eager"));
        trainer.Optimizer.UseMultiTensor = multiTensor;
        if (graphs) Assert.That(trainer.UseStepGraphs(), Is.Null);
        var losses = new double[Steps];
        var notes = new List<string>();
        var last = default(LaunchCounts);
        long graphLaunches = 0;
        for (int s = 0; s < Steps; s++)
        {
            if (learningRate is not null) trainer.Optimizer.LearningRate = learningRate(s);
            var before = _device.Counter.Snapshot();
            long graphsBefore = _device.Counter.GraphLaunches;
            losses[s] = trainer.TrainStep(Enumerable.Range(s * Batch, Batch).ToArray());
            last = _device.Counter.Snapshot() - before;
            graphLaunches = _device.Counter.GraphLaunches - graphsBefore;
            while (trainer.TakeStepGraphNote() is { } note) notes.Add(note);
        }
        var weights = trainer.Model.Parameters().SelectMany(p => p.ToArray()).ToArray();
        var (replays, failure) = trainer.StepGraphStatus;
        return new Run(losses, weights, notes, replays, failure, trainer.Optimizer.LastStepWasMultiTensor, last, graphLaunches);
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
    public void ReplayedMultiTensorAdamStepsWithClippingEqualEagerStepsBitForBit()
    {
        // A bound far below the gradient norm: every step clips, so the device coefficients take part.
        var eager = Train("adam", graphs: false, clip: 1e-3);
        var graphed = Train("adam", graphs: true, clip: 1e-3);
        Assert.That(graphed.Failure, Is.Null, string.Join("; ", graphed.Notes));
        Assert.That(graphed.Replays, Is.EqualTo(Steps - 2), "two eager steps (the first, the traced one), then the graph");
        Assert.That(eager.MultiTensor && graphed.MultiTensor, Is.True, "both runs update through the multi-tensor ops");
        Assert.That(graphed.Losses, Is.EqualTo(eager.Losses));
        Assert.That(graphed.Weights, Is.EqualTo(eager.Weights));
    }

    [Test]
    public void AReplayedStepIsOneGraphLaunchPlusItsUploads()
    {
        var graphed = Train("adam", graphs: true);
        Assert.That(graphed.Replays, Is.EqualTo(Steps - 2));
        Assert.That(graphed.LastStepGraphLaunches, Is.EqualTo(1));
        // Outside the graph: the batch's upload and the step scalars' upload (bias corrections change every step), the
        // batch copied into the graph's input (one kernel), and the one read of the loss and flag.
        Assert.That(graphed.LastStep, Is.EqualTo(new LaunchCounts(Launches: 1, HostSyncs: 1, Uploads: 2)));
    }

    [Test]
    public void ALearningRateChangeNeedsNoNewCaptureWithTheMultiTensorOptimizer()
    {
        static float Rate(int step) => step < 3 ? 1e-3f : 5e-4f / step;
        var eager = Train("adam", graphs: false, learningRate: Rate);
        var graphed = Train("adam", graphs: true, learningRate: Rate);
        Assert.That(graphed.Failure, Is.Null);
        Assert.That(graphed.Notes, Has.Count.EqualTo(1), "one capture: the rate is read from the step scalars");
        Assert.That(graphed.Replays, Is.EqualTo(Steps - 2));
        Assert.That(graphed.Losses, Is.EqualTo(eager.Losses));
        Assert.That(graphed.Weights, Is.EqualTo(eager.Weights));
    }

    [Test]
    public void AFailedCaptureFallsBackToEagerStepsWithTheSameNumbers()
    {
        var eager = Train("adam", graphs: false, multiTensor: false);
        var graphed = Train("adam", graphs: true, multiTensor: false);
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
