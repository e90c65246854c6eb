using Flows.Core;
using Flows.Core.Checkpoints;
using Flows.Core.Evaluation;
using Flows.Core.Training;
using Flows.Kernels.Cpu;

namespace Flows.Tests.Training;

/// <summary>
/// The trainer under a learning-rate schedule: every step uses the schedule's rate, metrics.json logs each epoch's,
/// the checkpoint records the schedule, and a resumed run continues it bit for bit. The default stays today's run.
/// </summary>
public sealed class ScheduledTrainingTests
{
    private string _dir = "";

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("flows-schedule-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_dir, recursive: true);

    // 40 images at batch 16: 3 steps per epoch, so 9 steps are 3 epochs.
    private static readonly global::Flows.Core.Data.ImageDataset Train = SyntheticImages.Blobs("blobs", 40, 8, seed: 1);
    private static readonly global::Flows.Core.Data.ImageDataset Test = SyntheticImages.Blobs("blobs-test", 16, 8, seed: 2);

    private sealed class Recorder(Func<float> rate, CancellationTokenSource? cancel = null, int cancelAfter = -1) : ITrainingObserver
    {
        public List<float> Rates { get; } = new();
        public List<double> Losses { get; } = new();
        public void OnStart(int totalSteps, int stepsPerEpoch, TrainingState start) { }
        public void OnStep(TrainingState state, double bpd, double imagesPerSecond)
        {
            Rates.Add(rate());
            Losses.Add(bpd);
            if (state.GlobalStep == cancelAfter) cancel?.Cancel();
        }
        public void OnEvaluation(int epoch, double testBitsPerDim) { }
        public void OnMessage(string message) { }
    }

    [Test]
    public void EveryStepUsesTheScheduleAndMetricsLogEachEpochsRate()
    {
        var config = TinyTraining.Config(steps: 9) with { WarmupSteps = 4, Schedule = "cosine" };
        using var backend = new ManagedCpuBackend();
        using var trainer = new Trainer(config, backend, Train, Test, _dir);
        var recorder = new Recorder(() => trainer.Optimizer.LearningRate);
        Assert.That(trainer.Run(recorder).Completed, Is.True);

        var expected = Enumerable.Range(0, 9).Select(s => (float)trainer.Schedule.At(s, s / 3)).ToArray();
        Assert.That(recorder.Rates, Is.EqualTo(expected));
        Assert.That(expected[0], Is.EqualTo(0.25e-3f).Within(1e-10), "warmup: (0+1)/4 of lr 1e-3");
        Assert.That(expected[4], Is.EqualTo(1e-3f), "the cosine starts at the base rate after warmup");
        Assert.That(expected[8], Is.LessThan(expected[5]));

        var metrics = MetricsLog.Read(trainer.MetricsPath);
        Assert.That(metrics.Select(r => r["lr"]!.GetValue<double>()), Is.EqualTo(new double[] { expected[2], expected[5], expected[8] }),
            "each epoch logs the rate of its last step");

        var saved = TrainingCheckpoint.Load(trainer.CheckpointPath);
        Assert.That(saved.Config.WarmupSteps, Is.EqualTo(4));
        Assert.That(saved.Config.Schedule, Is.EqualTo("cosine"));
        var metadata = SafeTensorsFile.Read(trainer.CheckpointPath).Metadata["training"];
        Assert.That(metadata, Does.Contain("\"warmup\":\"4\"").And.Contain("\"schedule\":\"cosine\""));
    }

    [Test]
    public void TheDefaultIsTheConfiguredRateAtEveryStepAndAddsNoMetadata()
    {
        var config = TinyTraining.Config(steps: 4);
        using var backend = new ManagedCpuBackend();
        using var trainer = new Trainer(config, backend, Train, Test, _dir);
        var recorder = new Recorder(() => trainer.Optimizer.LearningRate);
        trainer.Run(recorder);
        Assert.That(recorder.Rates, Is.All.EqualTo((float)config.LearningRate));
        var training = SafeTensorsFile.Read(trainer.CheckpointPath).Metadata["training"];
        Assert.That(training, Does.Not.Contain("warmup").And.Not.Contain("schedule").And.Not.Contain("keep"));
        Assert.That(MetricsLog.Read(trainer.MetricsPath)[0]["lr"]!.GetValue<double>(), Is.EqualTo((double)(float)config.LearningRate));
    }

    [TestCase("cosine")]
    [TestCase("step")]
    public void AResumedRunContinuesTheScheduleBitForBit(string schedule)
    {
        // Interrupted inside the warmup (step 2 of 5): the rest of the warmup and the schedule must be recomputed exactly.
        var config = TinyTraining.Config(steps: 8) with { WarmupSteps = 5, Schedule = schedule, Epochs = 3 };
        using var backend = new ManagedCpuBackend();
        Recorder whole;
        float[] wholeWeights;
        using (var trainer = new Trainer(config, backend, Train, Test, Path.Combine(_dir, "whole")))
        {
            whole = new Recorder(() => trainer.Optimizer.LearningRate);
            trainer.Run(whole);
            wholeWeights = trainer.Model.Parameters().SelectMany(p => p.ToArray()).ToArray();
        }

        string split = Path.Combine(_dir, "split");
        using var cancel = new CancellationTokenSource();
        Recorder first, second;
        TrainingResult interrupted;
        using (var trainer = new Trainer(config, backend, Train, Test, split))
        {
            first = new Recorder(() => trainer.Optimizer.LearningRate, cancel, cancelAfter: 2);
            interrupted = trainer.Run(first, cancel.Token);
        }
        Assert.That(interrupted.Completed, Is.False);
        var checkpoint = TrainingCheckpoint.Load(interrupted.CheckpointPath);
        float[] resumedWeights;
        using (var trainer = new Trainer(checkpoint.Config, backend, Train, Test, split, checkpoint))
        {
            second = new Recorder(() => trainer.Optimizer.LearningRate);
            trainer.Run(second);
            resumedWeights = trainer.Model.Parameters().SelectMany(p => p.ToArray()).ToArray();
        }

        Assert.That(first.Rates.Concat(second.Rates), Is.EqualTo(whole.Rates));
        Assert.That(first.Losses.Concat(second.Losses), Is.EqualTo(whole.Losses));
        Assert.That(resumedWeights, Is.EqualTo(wholeWeights), "the final weights are bit-identical");
        Assert.That(whole.Rates.Distinct().Count(), Is.GreaterThan(schedule == "step" ? 4 : 6), "the schedule really varied the rate");
    }

    [Test]
    public void AdamWTrainsAndIsSavedAsAdamW()
    {
        var config = TinyTraining.Config(steps: 3) with { Optimizer = "adamw", DecayGroups = "all", WeightDecay = 1e-2 };
        using var backend = new ManagedCpuBackend();
        using var trainer = new Trainer(config, backend, Train, Test, _dir);
        Assert.That(trainer.Optimizer, Is.TypeOf<AdamW>());
        var result = trainer.Run(SilentObserver.Instance);
        Assert.That(result.LastTrainLoss, Is.LessThan(20).And.GreaterThan(0));
        var saved = TrainingCheckpoint.Load(result.CheckpointPath);
        Assert.That(saved.OptimizerState.Names, Has.Some.StartsWith("adamw.m."));
        Assert.That(SafeTensorsFile.Read(result.CheckpointPath).Metadata["optimizer"], Is.EqualTo("adamw"));
    }

    [Test]
    public void TheNewSettingsRoundTripThroughCheckpointMetadataAndBadOnesNameTheirKey()
    {
        var config = TinyTraining.Config(steps: 5) with
        {
            WarmupSteps = 7,
            Schedule = "step",
            SaveEveryEpochs = 3,
            KeepEpochCheckpoints = 2,
            SampleTemperature = 0.7,
            Optimizer = "adamw",
        };
        Assert.That(TrainingConfig.FromDictionary(config.ToDictionary()), Is.EqualTo(config));
        var damaged = config.ToDictionary();
        damaged["schedule"] = "bogus";
        var e = Assert.Throws<ArgumentException>(() => TrainingConfig.FromDictionary(damaged).ValidateMetadata());
        Assert.That(e!.Message, Does.Contain("metadata key 'schedule' must be one of constant, step, cosine"));
    }
}
