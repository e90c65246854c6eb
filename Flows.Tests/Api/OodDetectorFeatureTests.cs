using Flows.Core.Api;
using Flows.Core.Evaluation;
using Flows.Core.Features;
using Flows.Core.Flows;
using Flows.Core.Training;
using Flows.Kernels.Cpu;
using Flows.Tests.Data;

namespace Flows.Tests.Api;

/// <summary>The features score through the API equals FeatureFlowScorer's (the CLI's path), and a wrong feature flow is refused.</summary>
public sealed class OodDetectorFeatureTests
{
    [Test]
    public void FeatureScoresEqualTheFeatureFlowScorersAndAnImageFlowIsRefused()
    {
        using var dir = new TempFolder();
        string path = dir.File("features.safetensors");
        var config = new TrainingConfig { Model = ModelConfig.Tabular(ResNetFeatureExtractor.FeatureDim, hidden: 8, layers: 1, couplings: 2), Dataset = "synthetic", Seed = 2 };
        using var backend = new ManagedCpuBackend();
        TrainingCheckpoint.Save(path, FlowModels.Create(config.Model, backend, config.Seed), null, config, new TrainingState());

        using var detector = OodDetector.Load(TinyCheckpoints.A, new OodDetectorOptions { FeatureCheckpoint = path });
        Assert.That(detector.ScoreNames, Is.EqualTo(new[] { "ll", "typicality", "complexity", "features" }));
        var results = detector.ScoreBatch(TinyCheckpoints.Noise);

        var checkpoint = TrainingCheckpoint.Load(path);
        var flow = FlowModels.Create(checkpoint.Config.Model, backend, checkpoint.Config.Seed);
        checkpoint.LoadModelInto(flow);
        using var embedder = FeatureEmbedder.Open(backend, new ResNetFeatureOptions(), dir.File("cache"));
        var image = TrainingCheckpoint.Load(TinyCheckpoints.A);
        var model = FlowModels.Create(image.Config.Model, backend, image.Config.Seed);
        var expected = new FeatureFlowScorer(flow, embedder).LogLikelihoods(new ScoringContext(model), TinyCheckpoints.Noise);
        Assert.That(results.Select(r => r["features"].Value), Is.EqualTo(expected));
        Assert.That(expected, Is.All.Not.NaN);

        var e = Assert.Throws<OodDetectorException>(() => OodDetector.Load(TinyCheckpoints.A, new OodDetectorOptions { FeatureCheckpoint = TinyCheckpoints.A }));
        Assert.That(e!.Message, Does.Contain("feature checkpoint").And.Contain("takes images of 1x8x8"));
    }
}
