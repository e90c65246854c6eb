using Flows.Core.Data;
using Flows.Core.Evaluation;
using Flows.Core.Flows;
using Flows.Core.Training;
using Flows.Kernels.Cpu;

namespace Flows.Tests.Training;

/// <summary>Negative training in the trainer (docs/MODELS.md §2 E3) and --perturb in a run: effect, epoch length, metrics, resume.</summary>
public sealed class NegativeTrainingTests
{
    private string _dir = "";

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("flows-negative-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_dir, recursive: true);

    // 8x8 images: D = 64, so log-likelihoods are a few hundred nats; -2000 nats is the threshold at this scale.
    private static TrainingConfig Tiny(int steps, double? negativeValue = -2000) => new()
    {
        Model = ModelConfig.Defaults("realnvp", new ImageShape(1, 8, 8)) with { Blocks = 1, Mid = 4 },
        Dataset = "blobs", OodDataset = "noise", NegativeValue = negativeValue, Epochs = 50, MaxSteps = steps,
        BatchSize = 8, LearningRate = 2e-3, EvalBatchSize = 64, SampleCount = 1, Seed = 5,
    };

    private static readonly ImageDataset InTrain = SyntheticImages.Blobs("blobs", 48, 8, seed: 1);
    private static readonly ImageDataset InTest = SyntheticImages.Blobs("blobs-test", 32, 8, seed: 2);
    private static readonly ImageDataset OodTrain = SyntheticImages.Noise("noise", 32, 8, seed: 3);
    private static readonly ImageDataset OodTest = SyntheticImages.Noise("noise-test", 32, 8, seed: 4);
    private static OodData Ood => new(OodTrain, OodTest);

    private sealed class Recorder(CancellationTokenSource? cancel = null, int cancelAfter = -1) : ITrainingObserver
    {
        public List<double> Losses { get; } = new();
        public void OnStart(int totalSteps, int stepsPerEpoch, TrainingState start) { }
        public void OnStep(TrainingState state, double bpd, double imagesPerSecond)
        {
            Losses.Add(bpd);
            if (state.GlobalStep == cancelAfter) cancel?.Cancel();
        }
        public void OnEvaluation(int epoch, double testBitsPerDim) { }
        public void OnMessage(string message) { }
    }

    private static double MeanOodLogLikelihood(Trainer trainer) =>
        LikelihoodScorer.Score(trainer.Model, OodTest, 64, Trainer.EvaluationNoiseSeed).Average();

    [Test]
    public void NegativeTrainingLowersTheOodLikelihoodRelativeToPlainTraining()
    {
        using var backend = new ManagedCpuBackend();
        const int steps = 16;
        using var plain = new Trainer(Tiny(steps) with { OodDataset = null, NegativeValue = null }, backend, InTrain, InTest, Path.Combine(_dir, "plain"));
        plain.Run(SilentObserver.Instance);
        using var negative = new Trainer(Tiny(steps), backend, InTrain, InTest, Path.Combine(_dir, "negative"), ood: Ood);
        negative.Run(SilentObserver.Instance);

        double plainOod = MeanOodLogLikelihood(plain), negativeOod = MeanOodLogLikelihood(negative);
        TestContext.Out.WriteLine($"mean OOD ll: plain {plainOod:F1}, negative {negativeOod:F1} nats");
        Assert.That(negativeOod, Is.LessThan(plainOod - 20), "negative training must push the OOD set's likelihood down");
        var metrics = MetricsLog.Read(negative.MetricsPath);
        // Once the OOD likelihoods fall below -2000 nats the steps fall back to plain NLL; the count is logged per epoch.
        Assert.That(metrics.Sum(m => m["fallback_steps"]!.GetValue<int>()), Is.InRange(0, steps));
    }

    [Test]
    public void EveryStepFallsBackWhenTheThresholdIsAboveEveryOodLikelihood()
    {
        using var backend = new ManagedCpuBackend();
        // A threshold above any log-likelihood (ll < 0 for 8-bit images) keeps no OOD sample: plain NLL of the in-distribution half.
        using var trainer = new Trainer(Tiny(3, negativeValue: 0), backend, InTrain, InTest, _dir, ood: Ood);
        var terms = trainer.TrainNegativeStep([0, 1, 2, 3], [0, 1, 2, 3]);
        Assert.That(terms.Fallback, Is.True);
        Assert.That(terms.Loss, Is.EqualTo(terms.PositiveNll));
        trainer.Run(SilentObserver.Instance);
        Assert.That(MetricsLog.Read(trainer.MetricsPath)[^1]["fallback_steps"]!.GetValue<int>(), Is.EqualTo(3));
    }

    [TestCase(48, 32, 4)] // in 6 batches, OOD 4: the OOD loader is shorter
    [TestCase(20, 40, 3)] // in 3 batches (last partial), OOD 5
    public void AnEpochLastsAsLongAsTheShorterLoader(int inCount, int oodCount, int expectedSteps)
    {
        using var backend = new ManagedCpuBackend();
        var config = Tiny(0) with { Epochs = 2, MaxSteps = 0 };
        var ood = new OodData(SyntheticImages.Noise("noise", oodCount, 8, 3), OodTest);
        using var trainer = new Trainer(config, backend, SyntheticImages.Blobs("blobs", inCount, 8, 1), InTest, _dir, ood: ood);
        Assert.That(trainer.StepsPerEpoch, Is.EqualTo(expectedSteps));
        var recorder = new Recorder();
        var result = trainer.Run(recorder);
        Assert.That(result.State.GlobalStep, Is.EqualTo(2 * expectedSteps));
        Assert.That(result.State.Epoch, Is.EqualTo(2));

        var metrics = MetricsLog.Read(trainer.MetricsPath);
        Assert.That(metrics.Select(m => m["epoch"]!.GetValue<int>()), Is.EqualTo(new[] { 0, 1 }));
        foreach (var m in metrics)
        {
            double auroc = m["ood_auroc"]!.GetValue<double>();
            Assert.That(auroc, Is.InRange(0.0, 1.0));
            Assert.That(m["ood_dataset"]!.GetValue<string>(), Is.EqualTo("noise-test"));
            Assert.That(m["ood_test_bpd"]!.GetValue<double>(), Is.GreaterThan(0));
        }
        // The AUROC in metrics.json is the one of the final model's scores (in-dist test positive).
        var test = LikelihoodScorer.Score(trainer.Model, InTest, 64, Trainer.EvaluationNoiseSeed);
        var oodScores = LikelihoodScorer.Score(trainer.Model, OodTest, 64, Trainer.EvaluationNoiseSeed);
        Assert.That(metrics[^1]["ood_auroc"]!.GetValue<double>(), Is.EqualTo(Auroc.Compute(test, oodScores)));
    }

    [Test]
    public void AnOodSetWithoutNegativeTrainingOnlyAddsTheAuroc()
    {
        using var backend = new ManagedCpuBackend();
        var config = Tiny(2, negativeValue: null);
        using var trainer = new Trainer(config, backend, InTrain, InTest, _dir, ood: new OodData(null, OodTest));
        Assert.That(trainer.StepsPerEpoch, Is.EqualTo(6), "the epoch is the training set's alone");
        trainer.Run(SilentObserver.Instance);
        var record = MetricsLog.Read(trainer.MetricsPath)[^1];
        Assert.That(record["ood_auroc"], Is.Not.Null);
        Assert.That(record.ContainsKey("fallback_steps"), Is.False);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void AResumedRunEqualsAnUninterruptedOneBitForBit(bool perturb)
    {
        using var backend = new ManagedCpuBackend();
        // 48 in / 32 OOD images at batch 8: 4 steps per epoch, so 7 steps cross an epoch end and a reshuffle of both loaders.
        var config = Tiny(7) with { Perturb = perturb ? 0.2 : 0 };
        var whole = new Recorder();
        float[] wholeParams;
        using (var trainer = new Trainer(config, backend, InTrain, InTest, Path.Combine(_dir, "whole"), ood: Ood))
        {
            trainer.Run(whole);
            wholeParams = trainer.Model.Parameters().SelectMany(p => p.ToArray()).ToArray();
        }

        using var cancel = new CancellationTokenSource();
        var first = new Recorder(cancel, cancelAfter: 3);
        string split = Path.Combine(_dir, "split");
        TrainingResult interrupted;
        using (var trainer = new Trainer(config, backend, InTrain, InTest, split, ood: Ood))
            interrupted = trainer.Run(first, cancel.Token);
        Assert.That(interrupted.Completed, Is.False);

        var checkpoint = TrainingCheckpoint.Load(interrupted.CheckpointPath);
        Assert.That(checkpoint.Config, Is.EqualTo(config), "the negative-training and --perturb settings travel in the checkpoint");
        if (perturb) Assert.That(checkpoint.State.PerturbOffset, Is.EqualTo(3UL * 8));
        var second = new Recorder();
        float[] resumedParams;
        using (var trainer = new Trainer(checkpoint.Config, backend, InTrain, InTest, split, checkpoint, Ood))
        {
            trainer.Run(second);
            resumedParams = trainer.Model.Parameters().SelectMany(p => p.ToArray()).ToArray();
        }
        Assert.That(first.Losses.Concat(second.Losses), Is.EqualTo(whole.Losses));
        Assert.That(resumedParams, Is.EqualTo(wholeParams), "the final weights must be bit-identical");
    }

    [Test]
    public void PerturbationChangesTheTrainingLossAndIsRefusedForVectors()
    {
        using var backend = new ManagedCpuBackend();
        var plainConfig = Tiny(3, negativeValue: null) with { OodDataset = null };
        var plain = new Recorder();
        using (var trainer = new Trainer(plainConfig, backend, InTrain, InTest, Path.Combine(_dir, "a"))) trainer.Run(plain);
        var perturbed = new Recorder();
        using (var trainer = new Trainer(plainConfig with { Perturb = 0.5 }, backend, InTrain, InTest, Path.Combine(_dir, "b"))) trainer.Run(perturbed);
        var again = new Recorder();
        using (var trainer = new Trainer(plainConfig with { Perturb = 0.5 }, backend, InTrain, InTest, Path.Combine(_dir, "c"))) trainer.Run(again);
        Assert.That(perturbed.Losses[0], Is.GreaterThan(plain.Losses[0] + 0.5), "half the pixels uniform noise: a much higher first loss");
        Assert.That(again.Losses, Is.EqualTo(perturbed.Losses), "seeded: two runs perturb the same pixels");

        var vectors = SyntheticVectors.Gaussian("v", 32, 4, 0, 1);
        var tabular = new TrainingConfig { Model = ModelConfig.Tabular(4, hidden: 8, layers: 1, couplings: 2), Dataset = "v", MaxSteps = 1, Perturb = 0.1, DecayGroups = "all" };
        var error = Assert.Throws<ArgumentException>(() => new Trainer(tabular, backend, vectors, vectors, Path.Combine(_dir, "d")));
        Assert.That(error!.Message, Does.Contain("images only"));
    }

    [Test]
    public void ConfigRoundTripsTheNewSettingsAndOldMetadataStillLoads()
    {
        var config = Tiny(5) with { Perturb = 0.25 };
        Assert.That(TrainingConfig.FromJson(config.ToJson()), Is.EqualTo(config));
        var old = config.ToDictionary();
        old.Remove("ood_dataset");
        old.Remove("negative_val");
        old.Remove("perturb");
        var loaded = TrainingConfig.FromDictionary(old);
        Assert.That((loaded.OodDataset, loaded.NegativeValue, loaded.Perturb, loaded.IsNegativeTraining), Is.EqualTo(((string?)null, (double?)null, 0.0, false)));
        Assert.That(TrainingState.FromJson("{\"epoch\":\"1\",\"batch_in_epoch\":\"0\",\"global_step\":\"4\",\"noise_offset\":\"9\"}").PerturbOffset, Is.Zero);
        Assert.Throws<ArgumentException>(() => (config with { OodDataset = null }).Validate());
        Assert.Throws<ArgumentException>(() => (config with { Perturb = 1.5 }).Validate());
        Assert.Throws<ArgumentException>(() => (config with { Perturb = -0.1 }).Validate());
    }

    [Test]
    public void PresetsCarryThePapersThresholds()
    {
        var gray = TrainingPresets.Get("paper-negative-gray").Config;
        Assert.That((gray.Dataset, gray.OodDataset, gray.NegativeValue, gray.BatchSize), Is.EqualTo(("fashionmnist", "mnist", (double?)-30000, 32)));
        var color = TrainingPresets.Get("paper-negative-color").Config;
        Assert.That((color.Dataset, color.OodDataset, color.NegativeValue, color.LearningRate, color.Epochs), Is.EqualTo(("cifar10", "celeba", (double?)-100000, 5e-5, 102)));
        Assert.That((color.Model.Scales, color.Model.Blocks), Is.EqualTo((3, 8)));
        Assert.That(TrainingPresets.Get("cpu-negative").Config.IsNegativeTraining, Is.True);
    }
}
