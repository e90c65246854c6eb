using Flows.Core;
using Flows.Core.Checkpoints;
using Flows.Core.Data;
using Flows.Core.Evaluation;
using Flows.Core.Flows;
using Flows.Core.Inspection;
using Flows.Core.Training;
using Flows.Kernels.Cpu;

namespace Flows.Tests.Training;

/// <summary>The vector data path: the tabular RealNVP trains, resumes, scores and attributes on vectors as image models do on images.</summary>
public sealed class VectorTrainingTests
{
    private string _dir = "";

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("flows-vectors-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_dir, recursive: true);

    private static TrainingConfig Tiny(int dim, int steps) => new()
    {
        Model = ModelConfig.Tabular(dim, hidden: 16, layers: 1, couplings: 4),
        Dataset = "synthetic", Epochs = 20, MaxSteps = steps, BatchSize = 32, LearningRate = 3e-3,
        DecayGroups = "all", EvalBatchSize = 64, SampleCount = 0, Seed = 5,
    };

    private sealed class Recorder(CancellationTokenSource? cancel = null, int cancelAfter = -1) : ITrainingObserver
    {
        public List<double> Losses { get; } = new();
        public void OnStart(int totalSteps, int stepsPerEpoch, TrainingState start) { }
        public void OnStep(TrainingState state, double loss, double samplesPerSecond)
        {
            Losses.Add(loss);
            if (state.GlobalStep == cancelAfter) cancel?.Cancel();
        }
        public void OnEvaluation(int epoch, double testLoss) { }
        public void OnMessage(string message) { }
    }

    [Test]
    public void TabularFlowLearnsVectorsAndItsTestNllFalls()
    {
        var train = SyntheticVectors.Gaussian("train", 256, 6, mean: 2f, seed: 1);
        var test = SyntheticVectors.Gaussian("test", 128, 6, mean: 2f, seed: 2);
        using var backend = new ManagedCpuBackend();
        using var trainer = new Trainer(Tiny(6, steps: 120), backend, train, test, _dir);
        double before = trainer.EvaluateTestBitsPerDim();
        var recorder = new Recorder();
        var result = trainer.Run(recorder);

        Assert.That(result.Completed, Is.True);
        Assert.That(result.LossUnit, Is.EqualTo("nats"));
        Assert.That(result.LastTestLoss, Is.LessThan(before - 1.0), "the test NLL (nats per vector) must fall by more than a nat");
        Assert.That(recorder.Losses.TakeLast(10).Average(), Is.LessThan(recorder.Losses.Take(10).Average()));
        Assert.That(result.SamplesPath, Is.Null, "vectors have no sample grid");
        var metrics = File.ReadAllText(trainer.MetricsPath);
        Assert.That(metrics, Does.Contain("test_nll").And.Not.Contain("test_bpd"));
    }

    [Test]
    public void InterruptedVectorRunResumesToTheSameLosses()
    {
        var train = SyntheticVectors.Gaussian("train", 80, 4, mean: 0f, seed: 3);
        var test = SyntheticVectors.Gaussian("test", 32, 4, mean: 0f, seed: 4);
        using var backend = new ManagedCpuBackend();
        var config = Tiny(4, steps: 7);
        var whole = new Recorder();
        using (var trainer = new Trainer(config, backend, train, test, Path.Combine(_dir, "whole"))) trainer.Run(whole);

        using var cancel = new CancellationTokenSource();
        var first = new Recorder(cancel, cancelAfter: 4);
        TrainingResult stopped;
        using (var trainer = new Trainer(config, backend, train, test, Path.Combine(_dir, "split"))) stopped = trainer.Run(first, cancel.Token);
        var checkpoint = TrainingCheckpoint.Load(stopped.CheckpointPath);
        var second = new Recorder();
        using (var trainer = new Trainer(checkpoint.Config, backend, train, test, Path.Combine(_dir, "split"), checkpoint)) trainer.Run(second);

        Assert.That(first.Losses.Concat(second.Losses), Is.EqualTo(whole.Losses));
    }

    [Test]
    public void UnshuffledRunVisitsRowsInFileOrder()
    {
        var config = Tiny(4, steps: 3) with { Shuffle = false };
        var back = TrainingConfig.FromDictionary(config.ToDictionary());
        Assert.That(back.Shuffle, Is.False);
        Assert.That(BatchOrder.InOrder(5), Is.EqualTo(new[] { 0, 1, 2, 3, 4 }));
        var legacy = config.ToDictionary();
        legacy.Remove("shuffle");
        Assert.That(TrainingConfig.FromDictionary(legacy).Shuffle, Is.True, "checkpoints written before the option shuffled");
    }

    [Test]
    public void VectorLikelihoodIsAPlainDensityWithoutTheDiscretizationTerm()
    {
        using var backend = new ManagedCpuBackend();
        var model = (TabularFlow)FlowModels.Create(ModelConfig.Tabular(3, 8, 1, 2), backend, seed: 1);
        Assert.That(model.DiscreteData, Is.False);
        var x = Tensor.FromArray(backend, [0.5f, -1f, 2f, 0f, 0f, 0f], 2, 3);
        using var _ = Autograd.NoGrad();
        var output = model.Forward(x);
        var z = output.Value.ToArray();
        var logdet = output.LogDet.ToArray();
        var ll = model.LogLikelihood(x).ToArray();
        for (int i = 0; i < 2; i++)
        {
            double sq = 0;
            for (int d = 0; d < 3; d++) sq += z[i * 3 + d] * z[i * 3 + d];
            double expected = -0.5 * sq - 1.5 * Math.Log(2 * Math.PI) + logdet[i];
            Assert.That(ll[i], Is.EqualTo(expected).Within(1e-4));
        }
    }

    [Test]
    public void OodEvaluationOnVectorsSeparatesAShiftedSet()
    {
        var train = SyntheticVectors.Gaussian("near", 256, 5, mean: 0f, seed: 11);
        var test = SyntheticVectors.Gaussian("near", 200, 5, mean: 0f, seed: 12);
        var far = SyntheticVectors.Gaussian("far", 200, 5, mean: 3f, seed: 13);
        using var backend = new ManagedCpuBackend();
        using var trainer = new Trainer(Tiny(5, steps: 80), backend, train, test, _dir);
        trainer.Run(SilentObserver.Instance);

        var (report, path, scores) = OodEvaluation.Run(trainer.Model, (FlowData)test, [far], Path.Combine(_dir, "ood"),
            new OodEvaluation.Options { BatchSize = 64 });
        Assert.That(report.Data, Is.EqualTo("vectors"));
        Assert.That(report.Bpd, Is.Empty, "continuous data has no bits/dim");
        Assert.That(report.Nll["far"], Is.GreaterThan(report.Nll["near"]));
        Assert.That(report.Auroc["far"], Is.GreaterThan(0.9));
        Assert.That(report.Auroc["far"], Is.EqualTo(Auroc.Compute(scores[0].LogLikelihoods, scores[1].LogLikelihoods)));
        var back = OodReportReader.Read(path);
        Assert.That(back.Data, Is.EqualTo("vectors"));
        Assert.That(back.Nll["far"], Is.EqualTo(report.Nll["far"]).Within(1e-9));
        Assert.That(File.ReadAllText(Path.Combine(_dir, "ood", "report.md")), Does.Contain("NLL (nats)"));
    }

    [Test]
    public void TabularAttributionTermsAddUpToTheLogLikelihood()
    {
        using var backend = new ManagedCpuBackend();
        var model = (TabularFlow)FlowModels.Create(ModelConfig.Tabular(4, 8, 1, 3), backend, seed: 2);
        var data = SyntheticVectors.Gaussian("v", 10, 4, mean: 1f, seed: 3);
        var set = TabularAttribution.Score(model, data, limit: 0, batchSize: 4, noiseSeed: 0);
        Assert.That(set.Terms.Select(t => t.Kind), Is.EqualTo(new[] { "coupling", "coupling", "coupling", "prior" }));
        double[] ll;
        using (Autograd.NoGrad())
        using (EvalPass.Begin(model, 0))
            ll = model.LogLikelihood(new VectorFlowData(data).Range(backend, 0, 10)).ToArray().Select(v => (double)v).ToArray();
        for (int i = 0; i < 10; i++) Assert.That(set.Total(i), Is.EqualTo(ll[i]).Within(1e-3));
    }

    [Test]
    public void ImageModelRefusesVectorsAndTabularRefusesImages()
    {
        using var backend = new ManagedCpuBackend();
        var vectors = SyntheticVectors.Gaussian("v", 16, 4, 0f, 1);
        var images = SyntheticImages.Blobs("img", 16, 8, seed: 1);
        var imageConfig = Tiny(4, 2) with { Model = ModelConfig.Defaults("realnvp", new ImageShape(1, 8, 8)) with { Blocks = 1, Mid = 4 } };
        Assert.That(() => new Trainer(imageConfig, backend, vectors, vectors, _dir),
            Throws.ArgumentException.With.Message.Contains("vectors of 4"));
        var tabular64 = Tiny(64, 2);
        Assert.That(() => new Trainer(tabular64, backend, images, images, _dir),
            Throws.ArgumentException.With.Message.Contains("images of 1x8x8"));
    }
}
