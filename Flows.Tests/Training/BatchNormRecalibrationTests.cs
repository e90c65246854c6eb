using Flows.Core;
using Flows.Core.Data;
using Flows.Core.Flows;
using Flows.Core.Inspection;
using Flows.Core.Training;
using Flows.Kernels.Cpu;

namespace Flows.Tests.Training;

/// <summary>`train --recalibrate-bn N`: running statistics rebuilt as the plain average of N batches' statistics.</summary>
public sealed class BatchNormRecalibrationTests
{
    private static (FlowModel Model, FlowData Data, ManagedCpuBackend Backend) TinyBatchNormModel()
    {
        var backend = new ManagedCpuBackend();
        var model = FlowModels.Create(ModelConfig.Defaults("realnvp", new ImageShape(1, 8, 8)) with { Blocks = 1, Mid = 4 }, backend, seed: 4);
        model.Noise!.Deterministic = true; // the same input for every pass, so the averages can be compared exactly
        return (model, SyntheticImages.Blobs("blobs", 24, 8, seed: 9), backend);
    }

    private static List<(float[] Mean, float[] Var)> Statistics(FlowModel model) =>
        ModuleTree.Descendants(model).OfType<BatchNorm>().Select(n => (n.RunningMean.ToArray(), n.RunningVar.ToArray())).ToList();

    [Test]
    public void TwoBatchesGiveTheAverageOfEachBatchsStatistics()
    {
        var (model, data, backend) = TinyBatchNormModel();
        using var _ = backend;
        int[] a = [0, 1, 2, 3, 4, 5, 6, 7], b = [8, 9, 10, 11, 12, 13, 14, 15];
        Assert.That(BatchNormRecalibration.Recalibrate(model, data, [a]), Is.GreaterThan(0), "the model has BatchNorm layers");
        var onlyA = Statistics(model);
        BatchNormRecalibration.Recalibrate(model, data, [b]);
        var onlyB = Statistics(model);
        BatchNormRecalibration.Recalibrate(model, data, [a, b]);
        var both = Statistics(model);
        for (int layer = 0; layer < both.Count; layer++)
            for (int c = 0; c < both[layer].Mean.Length; c++)
            {
                Assert.That(both[layer].Mean[c], Is.EqualTo((onlyA[layer].Mean[c] + onlyB[layer].Mean[c]) / 2).Within(1e-5), $"layer {layer} mean {c}");
                Assert.That(both[layer].Var[c], Is.EqualTo((onlyA[layer].Var[c] + onlyB[layer].Var[c]) / 2).Within(1e-4), $"layer {layer} var {c}");
            }
        Assert.That(onlyA[0].Mean, Is.Not.EqualTo(onlyB[0].Mean), "different batches have different statistics");
        Assert.That(ModuleTree.Descendants(model).OfType<BatchNorm>().All(n => n.Momentum == 0.1f), Is.True, "momentum restored");
    }

    [Test]
    public void RecalibrationReplacesTheMomentumAverageAndLeavesTheWeights()
    {
        var (model, data, backend) = TinyBatchNormModel();
        using var _ = backend;
        var state = model.StateDict();
        var weights = state.Names.Where(n => !n.Contains("running")).ToDictionary(n => n, n => state[n].Values);
        var before = Statistics(model);
        var batches = BatchNormRecalibration.Batches(data.Count, batches: 2, batchSize: 8, seed: 3);
        Assert.That(batches.Select(x => x.Length), Is.EqualTo(new[] { 8, 8 }));
        Assert.That(BatchNormRecalibration.Batches(data.Count, 2, 8, 3), Is.EqualTo(batches), "seeded");
        Assert.That(BatchNormRecalibration.Batches(data.Count, 99, 8, 3), Has.Count.EqualTo(3), "at most one epoch of batches");
        BatchNormRecalibration.Recalibrate(model, data, batches);
        Assert.That(Statistics(model)[0].Mean, Is.Not.EqualTo(before[0].Mean));
        var after = model.StateDict();
        foreach (var (name, values) in weights) Assert.That(after[name].Values, Is.EqualTo(values), name);
        Assert.That(model.Training, Is.True, "the mode is restored");
    }

    [Test]
    public void TrainerRecalibratesAfterTrainingAndRecordsIt()
    {
        var train = SyntheticImages.Blobs("blobs", 32, 8, seed: 1);
        using var backend = new ManagedCpuBackend();
        var dir = Directory.CreateTempSubdirectory("flows-recalibrate-").FullName;
        try
        {
            var config = new TrainingConfig
            {
                Model = ModelConfig.Defaults("realnvp", new ImageShape(1, 8, 8)) with { Blocks = 1, Mid = 4 },
                Dataset = "synthetic", MaxSteps = 2, BatchSize = 16, LearningRate = 1e-3, EvalBatchSize = 32, SampleCount = 4,
                RecalibrateBatchNorm = 2,
            };
            Assert.That(TrainingConfig.FromDictionary(config.ToDictionary()).RecalibrateBatchNorm, Is.EqualTo(2));
            using var trainer = new Trainer(config, backend, train, train, dir);
            trainer.Run(SilentObserver.Instance);
            Assert.That(File.ReadAllText(trainer.MetricsPath), Does.Contain("\"recalibrated_bn_batches\": 2"));
            Assert.That(() => (config with { RecalibrateBatchNorm = -1 }).Validate(), Throws.ArgumentException.With.Message.Contains("--recalibrate-bn"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
