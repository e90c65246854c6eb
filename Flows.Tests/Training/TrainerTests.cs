using Flows.Core;
using Flows.Core.Checkpoints;
using Flows.Core.Flows;
using Flows.Core.Training;
using Flows.Kernels.Cpu;

namespace Flows.Tests.Training;

public sealed class TrainerTests
{
    private string _dir = "";

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("flows-trainer-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_dir, recursive: true);

    private static TrainingConfig TinyConfig(int steps) => TinyTraining.Config(steps);

    /// <summary>Records every step's bits/dim and can cancel the run after a given step.</summary>
    private sealed class RecordingObserver(CancellationTokenSource? cancel = null, int cancelAfter = -1) : ITrainingObserver
    {
        public List<double> Losses { get; } = new();
        public List<double> TestBpd { get; } = new();
        public void OnStart(int totalSteps, int stepsPerEpoch, TrainingState start) { }
        public void OnStep(TrainingState state, double bpd, double imagesPerSecond)
        {
            Losses.Add(bpd);
            if (state.GlobalStep == cancelAfter) cancel?.Cancel();
        }
        public void OnEvaluation(int epoch, double testBitsPerDim) => TestBpd.Add(testBitsPerDim);
        public void OnMessage(string message) { }
    }

    [Test]
    public void InterruptedAndResumedRunGivesTheSameLossesAsAnUninterruptedOne()
    {
        var train = SyntheticImages.Blobs("blobs", 40, 8, seed: 1);
        var test = SyntheticImages.Blobs("blobs-test", 16, 8, seed: 2);
        using var backend = new ManagedCpuBackend();
        // 40 images at batch 16 = 3 steps per epoch (the last one partial), so 7 steps cross two epoch ends.
        var config = TinyConfig(steps: 7);

        var whole = new RecordingObserver();
        using (var trainer = new Trainer(config, backend, train, test, Path.Combine(_dir, "whole")))
            Assert.That(trainer.Run(whole).Completed, Is.True);

        using var cancel = new CancellationTokenSource();
        var first = new RecordingObserver(cancel, cancelAfter: 4);
        string split = Path.Combine(_dir, "split");
        TrainingResult interrupted;
        using (var trainer = new Trainer(config, backend, train, test, split))
            interrupted = trainer.Run(first, cancel.Token);
        Assert.That(interrupted.Completed, Is.False);
        Assert.That(interrupted.State.GlobalStep, Is.EqualTo(4));

        var second = new RecordingObserver();
        var checkpoint = TrainingCheckpoint.Load(interrupted.CheckpointPath);
        using (var trainer = new Trainer(checkpoint.Config, backend, train, test, split, checkpoint))
            Assert.That(trainer.Run(second).Completed, Is.True);

        Assert.That(whole.Losses, Has.Count.EqualTo(7));
        Assert.That(first.Losses.Concat(second.Losses), Is.EqualTo(whole.Losses), "per-step bits/dim must repeat exactly");
        Assert.That(whole.Losses[^1], Is.LessThan(whole.Losses[0]));
    }

    [Test]
    public void RunWritesCheckpointMetricsAndSamples()
    {
        var train = SyntheticImages.Blobs("blobs", 32, 8, seed: 1);
        using var backend = new ManagedCpuBackend();
        using var trainer = new Trainer(TinyConfig(steps: 2), backend, train, train, _dir);
        var result = trainer.Run(SilentObserver.Instance);
        Assert.That(File.Exists(result.CheckpointPath), Is.True);
        Assert.That(result.SamplesPath, Is.Not.Null.And.Matches<string>(File.Exists));
        var metrics = global::Flows.Core.Evaluation.MetricsLog.Read(trainer.MetricsPath);
        Assert.That(metrics, Has.Count.EqualTo(1));
        Assert.That(metrics[0]["test_bpd"]!.GetValue<double>(), Is.GreaterThan(0));
        var saved = TrainingCheckpoint.Load(result.CheckpointPath);
        Assert.That(saved.Config.Model, Is.EqualTo(trainer.Config.Model));
        Assert.That(saved.State.GlobalStep, Is.EqualTo(2));
    }

    [Test]
    public void NanInAParameterStopsTrainingWithTheStepAndTheLastCheckpoint()
    {
        var train = SyntheticImages.Blobs("blobs", 32, 8, seed: 1);
        using var backend = new ManagedCpuBackend();
        using var trainer = new Trainer(TinyConfig(steps: 4) with { CheckpointEvery = 1 }, backend, train, train, _dir);
        trainer.TrainStep([0, 1, 2, 3], checkpointExists: false);
        trainer.SaveCheckpoint();
        var weight = trainer.Model.Parameters().First(p => p.Length > 1);
        var poisoned = weight.ToArray();
        poisoned[0] = float.NaN;
        weight.CopyFrom(poisoned);

        var error = Assert.Throws<TrainingDivergedException>(() => trainer.TrainStep([0, 1, 2, 3], checkpointExists: true));
        Assert.That(error!.Message, Does.Contain("step 1"));
        Assert.That(error.Message, Does.Contain(trainer.CheckpointPath));
        Assert.That(error.Message, Does.Contain("--resume"));
    }

    [Test]
    public void ForeignTruncatedAndMismatchedCheckpointsAreRefused()
    {
        var train = SyntheticImages.Blobs("blobs", 32, 8, seed: 1);
        using var backend = new ManagedCpuBackend();
        using var trainer = new Trainer(TinyConfig(steps: 1), backend, train, train, _dir);
        trainer.SaveCheckpoint();

        string foreign = Path.Combine(_dir, "foreign.safetensors");
        SafeTensorsWriter.Write(foreign, [new NamedArray("w", [2L], new float[] { 1, 2 })]);
        Assert.That(() => TrainingCheckpoint.Load(foreign),
            Throws.TypeOf<CheckpointException>().With.Message.Contains("not a FlowsFromScratch checkpoint"));

        string truncated = Path.Combine(_dir, "truncated.safetensors");
        var bytes = File.ReadAllBytes(trainer.CheckpointPath);
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        Assert.That(() => TrainingCheckpoint.Load(truncated), Throws.TypeOf<CheckpointException>());

        Assert.That(() => TrainingCheckpoint.Load(Path.Combine(_dir, "missing.safetensors")),
            Throws.TypeOf<CheckpointException>().With.Message.Contains("does not exist"));

        var wider = FlowModels.Create(trainer.Config.Model with { Mid = 6 }, backend, 0);
        var checkpoint = TrainingCheckpoint.Load(trainer.CheckpointPath);
        Assert.That(() => checkpoint.LoadModelInto(wider),
            Throws.TypeOf<CheckpointException>().With.Message.Contains("does not match"));
    }

    [Test]
    public void ImagesOfTheWrongShapeAreRefusedBeforeTraining()
    {
        var train = SyntheticImages.Blobs("blobs", 8, 12, seed: 1);
        using var backend = new ManagedCpuBackend();
        Assert.That(() => new Trainer(TinyConfig(steps: 1), backend, train, train, _dir),
            Throws.ArgumentException.With.Message.Contains("1x12x12").And.Message.Contains("1x8x8"));
    }
}
