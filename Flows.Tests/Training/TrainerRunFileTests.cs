using Flows.Core;
using Flows.Core.Data;
using Flows.Core.Evaluation;
using Flows.Core.Flows;
using Flows.Core.Training;
using Flows.Kernels.Cpu;

namespace Flows.Tests.Training;

/// <summary>What a run leaves on disk: no training on empty sets, checkpoints only from finite weights, and metrics.json after a resume equal to an uninterrupted run's.</summary>
public sealed class TrainerRunFileTests
{
    private string _dir = "";

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("flows-runfiles-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_dir, recursive: true);

    private static TrainingConfig TinyConfig(int steps) => TinyTraining.Config(steps);

    private sealed class Observer(Action<TrainingState>? onStep = null) : ITrainingObserver
    {
        public void OnStart(int totalSteps, int stepsPerEpoch, TrainingState start) { }
        public void OnStep(TrainingState state, double bpd, double imagesPerSecond) => onStep?.Invoke(state);
        public void OnEvaluation(int epoch, double testBitsPerDim) { }
        public void OnMessage(string message) { }
    }

    [TestCase(0, 3)]
    [TestCase(1, 0)]
    public void AnEmptyTrainingSetIsRefusedBeforeTraining(int epochs, int steps)
    {
        var empty = new VectorFlowData(new VectorDataset("empty", [], [], 4));
        var test = new VectorFlowData(SyntheticVectors.Gaussian("t", 20, 4, 0, 1));
        var config = TrainingConfig.PaperDefaults(ModelConfig.Tabular(4, hidden: 8, layers: 1, couplings: 2)) with { Epochs = epochs, MaxSteps = steps };
        using var backend = new ManagedCpuBackend();
        Assert.That(() => new Trainer(config, backend, empty, test, _dir),
            Throws.TypeOf<DataException>().With.Message.Contains("empty"));
        Assert.That(() => new Trainer(config, backend, test, empty, _dir),
            Throws.TypeOf<DataException>().With.Message.Contains("test set"));
        Assert.That(File.Exists(Path.Combine(_dir, "metrics.json")), Is.False);
    }

    [Test]
    public void ACheckpointIsNeverWrittenFromNonFiniteWeights()
    {
        var train = SyntheticImages.Blobs("blobs", 64, 8, seed: 1);
        using var backend = new ManagedCpuBackend();
        using var trainer = new Trainer(TinyConfig(steps: 4) with { CheckpointEvery = 1 }, backend, train, train, _dir);
        // After step 2's update (before its periodic checkpoint) the weights explode.
        var observer = new Observer(state =>
        {
            if (state.GlobalStep != 2) return;
            var weight = trainer.Model.Parameters().First(p => p.Length > 1);
            var poisoned = weight.ToArray();
            poisoned[0] = float.PositiveInfinity;
            weight.CopyFrom(poisoned);
        });
        var error = Assert.Throws<TrainingDivergedException>(() => trainer.Run(observer));
        Assert.That(error!.Message, Does.Contain(trainer.CheckpointPath));
        var saved = TrainingCheckpoint.Load(trainer.CheckpointPath);
        Assert.That(saved.State.GlobalStep, Is.EqualTo(1), "the last good checkpoint is step 1's");
        foreach (var name in saved.ModelState.Names)
            Assert.That(saved.ModelState[name].Values.All(float.IsFinite), Is.True, name);
    }

    [Test]
    public void MetricsAfterAResumeEqualAnUninterruptedRunsAndSecondsContinue()
    {
        var train = SyntheticImages.Blobs("blobs", 40, 8, seed: 1);
        var test = SyntheticImages.Blobs("blobs-test", 16, 8, seed: 2);
        using var backend = new ManagedCpuBackend();
        var config = TinyConfig(steps: 7); // 3 steps per epoch: records after steps 3, 6 and 7

        string whole = Path.Combine(_dir, "whole");
        using (var trainer = new Trainer(config, backend, train, test, whole))
            trainer.Run(new Observer());

        string split = Path.Combine(_dir, "split");
        using var cancel = new CancellationTokenSource();
        TrainingResult interrupted;
        using (var trainer = new Trainer(config, backend, train, test, split))
            interrupted = trainer.Run(new Observer(s => { if (s.GlobalStep == 4) cancel.Cancel(); }), cancel.Token);
        Assert.That(interrupted.State.GlobalStep, Is.EqualTo(4), "stopped in the middle of epoch 1");
        double secondsBefore = MetricsLog.Read(Path.Combine(split, "metrics.json"))[^1]["seconds"]!.GetValue<double>();
        var checkpoint = TrainingCheckpoint.Load(interrupted.CheckpointPath);
        Assert.That(checkpoint.State.Seconds, Is.GreaterThanOrEqualTo(secondsBefore));
        using (var trainer = new Trainer(checkpoint.Config, backend, train, test, split, checkpoint))
            trainer.Run(new Observer());

        var expected = MetricsLog.Read(Path.Combine(whole, "metrics.json"));
        var actual = MetricsLog.Read(Path.Combine(split, "metrics.json"));
        Assert.That(actual, Has.Count.EqualTo(expected.Count));
        for (int i = 0; i < expected.Count; i++)
        {
            var e = (System.Text.Json.Nodes.JsonObject)expected[i].DeepClone();
            var a = (System.Text.Json.Nodes.JsonObject)actual[i].DeepClone();
            e.Remove("seconds");
            a.Remove("seconds");
            Assert.That(a.ToJsonString(), Is.EqualTo(e.ToJsonString()), $"record {i}");
        }
        var seconds = actual.Select(r => r["seconds"]!.GetValue<double>()).ToList();
        Assert.That(seconds, Is.Ordered, "seconds continue across the resume");
        Assert.That(seconds[1], Is.GreaterThanOrEqualTo(checkpoint.State.Seconds));
    }

    [Test]
    public void AStateFromBeforeTheEpochSumsStillLoads()
    {
        var state = TrainingState.FromJson("{\"epoch\":\"1\",\"batch_in_epoch\":\"2\",\"global_step\":\"5\",\"noise_offset\":\"7\"}");
        Assert.That(state.GlobalStep, Is.EqualTo(5));
        Assert.That(state.EpochLossSum, Is.EqualTo(0));
        Assert.That(state.EpochBatches, Is.EqualTo(0));
        Assert.That(state.Seconds, Is.EqualTo(0));
        var round = TrainingState.FromJson((state with { EpochLossSum = 0.1 + 0.2, EpochBatches = 2, Seconds = 1.5 }).ToJson());
        Assert.That(round.EpochLossSum, Is.EqualTo(0.1 + 0.2));
        Assert.That(round.EpochBatches, Is.EqualTo(2));
        Assert.That(round.Seconds, Is.EqualTo(1.5));
    }
}
