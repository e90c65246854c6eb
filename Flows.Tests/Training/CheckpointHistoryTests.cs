using Flows.Core.Training;
using Flows.Kernels.Cpu;

namespace Flows.Tests.Training;

/// <summary>--save-every-epochs K and --keep N: epoch checkpoints appear beside the rolling one, load, resume, and are pruned oldest first.</summary>
public sealed class CheckpointHistoryTests
{
    private string _dir = "";

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("flows-history-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_dir, recursive: true);

    // 40 images at batch 16: 3 steps per epoch.
    private static readonly global::Flows.Core.Data.ImageDataset Train = SyntheticImages.Blobs("blobs", 40, 8, seed: 1);
    private static readonly global::Flows.Core.Data.ImageDataset Test = SyntheticImages.Blobs("blobs-test", 16, 8, seed: 2);

    private static string[] Files(string dir) => Directory.GetFiles(dir, "*.safetensors").Select(Path.GetFileName).Order().ToArray()!;

    [Test]
    public void EpochsDivisibleByKAreKeptAsTheOfficialSaveFreq()
    {
        // Epochs 0..4; the scripts save when epoch % save_freq == 0: epochs 0, 2 and 4.
        var config = TinyTraining.Config(steps: 15) with { Epochs = 5, SaveEveryEpochs = 2 };
        using var backend = new ManagedCpuBackend();
        using var trainer = new Trainer(config, backend, Train, Test, _dir);
        trainer.Run(SilentObserver.Instance);
        Assert.That(Files(_dir), Is.EqualTo(new[]
        {
            "checkpoint-epoch-0.safetensors", "checkpoint-epoch-2.safetensors", "checkpoint-epoch-4.safetensors", "checkpoint.safetensors",
        }));
        var epoch2 = TrainingCheckpoint.Load(Path.Combine(_dir, "checkpoint-epoch-2.safetensors"));
        Assert.That(epoch2.State.Epoch, Is.EqualTo(3), "saved after epoch 2 finished");
        Assert.That(epoch2.State.GlobalStep, Is.EqualTo(9));
        var last = TrainingCheckpoint.Load(Path.Combine(_dir, "checkpoint-epoch-4.safetensors"));
        var rolling = TrainingCheckpoint.Load(trainer.CheckpointPath);
        foreach (var name in rolling.ModelState.Names)
            Assert.That(last.ModelState[name].Values, Is.EqualTo(rolling.ModelState[name].Values), name);
        Assert.That(rolling.ModelState.Names.Any(n => !epoch2.ModelState[n].Values.SequenceEqual(last.ModelState[n].Values)), Is.True,
            "epoch 2's file holds epoch 2's weights, not the last ones");
    }

    [Test]
    public void KeepDeletesTheOldestEpochFilesButNeverTheRollingCheckpoint()
    {
        var config = TinyTraining.Config(steps: 12) with { Epochs = 4, SaveEveryEpochs = 1, KeepEpochCheckpoints = 2 };
        using var backend = new ManagedCpuBackend();
        var messages = new List<string>();
        using var trainer = new Trainer(config, backend, Train, Test, _dir);
        trainer.Run(new MessageObserver(messages));
        Assert.That(Files(_dir), Is.EqualTo(new[] { "checkpoint-epoch-2.safetensors", "checkpoint-epoch-3.safetensors", "checkpoint.safetensors" }));
        Assert.That(messages, Has.Some.Contains("removed checkpoint-epoch-0.safetensors"));
        Assert.That(CheckpointHistory.List(_dir).Select(f => f.Epoch), Is.EqualTo(new[] { 2, 3 }));
    }

    [Test]
    public void AnEpochCheckpointResumesLikeTheRollingOne()
    {
        var config = TinyTraining.Config(steps: 9) with { SaveEveryEpochs = 1 };
        using var backend = new ManagedCpuBackend();
        string whole = Path.Combine(_dir, "whole");
        float[] wholeWeights;
        using (var trainer = new Trainer(config, backend, Train, Test, whole))
        {
            trainer.Run(SilentObserver.Instance);
            wholeWeights = trainer.Model.Parameters().SelectMany(p => p.ToArray()).ToArray();
        }
        // Continue from epoch 0's file in a fresh folder: the same 6 remaining steps give the same weights.
        var epoch0 = TrainingCheckpoint.Load(CheckpointHistory.PathFor(whole, 0));
        using var resumed = new Trainer(epoch0.Config, backend, Train, Test, Path.Combine(_dir, "again"), epoch0);
        resumed.Run(SilentObserver.Instance);
        Assert.That(resumed.Model.Parameters().SelectMany(p => p.ToArray()).ToArray(), Is.EqualTo(wholeWeights));
    }

    [Test]
    public void PruneIgnoresOtherFilesAndRefusesKeepBelowOne()
    {
        foreach (var name in new[] { "checkpoint-epoch-10.safetensors", "checkpoint-epoch-9.safetensors", "checkpoint.safetensors", "checkpoint-epoch-x.safetensors" })
            File.WriteAllText(Path.Combine(_dir, name), "");
        var removed = CheckpointHistory.Prune(_dir, 1);
        Assert.That(removed.Select(Path.GetFileName), Is.EqualTo(new[] { "checkpoint-epoch-9.safetensors" }), "epochs sort as numbers, not text");
        Assert.That(Files(_dir), Is.EqualTo(new[] { "checkpoint-epoch-10.safetensors", "checkpoint-epoch-x.safetensors", "checkpoint.safetensors" }));
        Assert.Throws<ArgumentException>(() => CheckpointHistory.Prune(_dir, 0));
    }

    private sealed class MessageObserver(List<string> messages) : ITrainingObserver
    {
        public void OnStart(int totalSteps, int stepsPerEpoch, TrainingState start) { }
        public void OnStep(TrainingState state, double bpd, double imagesPerSecond) { }
        public void OnEvaluation(int epoch, double testBitsPerDim) { }
        public void OnMessage(string message) => messages.Add(message);
    }
}
