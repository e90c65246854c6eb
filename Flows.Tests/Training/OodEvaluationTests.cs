using Flows.Core.Evaluation;
using Flows.Core.Flows;
using Flows.Core.Training;
using Flows.Kernels.Cpu;

namespace Flows.Tests.Training;

public sealed class OodEvaluationTests
{
    [Test]
    public void ATinyTrainedModelGetsAReportWithAurocBitsPerDimAndAHistogram()
    {
        string dir = Directory.CreateTempSubdirectory("flows-ood-").FullName;
        try
        {
            var train = SyntheticImages.Blobs("blobs", 64, 8, seed: 1);
            var test = SyntheticImages.Blobs("blobs-test", 48, 8, seed: 2);
            var noise = SyntheticImages.Noise("noise", 40, 8, seed: 3);
            using var backend = new ManagedCpuBackend();
            var config = new TrainingConfig
            {
                Model = ModelConfig.Defaults("realnvp", new ImageShape(1, 8, 8)) with { Blocks = 1, Mid = 4 },
                Epochs = 1, MaxSteps = 20, BatchSize = 16, LearningRate = 3e-3, Seed = 1,
            };
            using var trainer = new Trainer(config, backend, train, test, Path.Combine(dir, "train"));
            trainer.Run(SilentObserver.Instance);

            var (report, path, scores) = OodEvaluation.Run(trainer.Model, test, [noise], Path.Combine(dir, "ood"),
                new OodEvaluation.Options { BatchSize = 16, CheckpointPath = trainer.CheckpointPath, Seed = 1 });

            Assert.That(scores.Select(s => s.LogLikelihoods.Length), Is.EqualTo(new[] { 48, 40 }));
            // After 20 steps the flow already finds uniform noise less likely than smooth blobs (0.74 measured).
            Assert.That(report.Auroc["noise"], Is.GreaterThan(0.6));
            Assert.That(report.Bpd["noise"], Is.GreaterThan(report.Bpd["blobs-test"]));
            var read = OodReportReader.Read(path);
            Assert.That(read.Auroc["noise"], Is.EqualTo(report.Auroc["noise"]).Within(1e-12));
            Assert.That(read.Counts["blobs-test"], Is.EqualTo(48));
            Assert.That(new FileInfo(Path.Combine(dir, "ood", "likelihoods.png")).Length, Is.GreaterThan(1000));
            Assert.That(File.Exists(Path.Combine(dir, "ood", "report.md")), Is.True);

            // Scoring twice with the same noise seed repeats every number.
            var again = LikelihoodScorer.Score(trainer.Model, test, 16, 0xE7A1);
            Assert.That(again, Is.EqualTo(scores[0].LogLikelihoods));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
