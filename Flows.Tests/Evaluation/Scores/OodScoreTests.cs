using Flows.Core;
using Flows.Core.Data;
using Flows.Core.Evaluation;
using Flows.Core.Flows;
using Flows.Core.Inspection;
using Flows.Tests.Inspection;
using Flows.Tests.Training;

namespace Flows.Tests.Evaluation.Scores;

/// <summary>Each OOD score on a tiny model and on constructed cases whose answer is known (docs/METRICS.md, "OOD scores").</summary>
public sealed class OodScoreTests
{
    private static MultiScaleFlow Model(int seed = 3) => TinyModels.Create("realnvp", size: 8, seed: seed);

    [Test]
    public void LlIsTheLikelihoodScorersScoreAndIsComputedOncePerSet()
    {
        var model = Model();
        FlowData data = SyntheticImages.Blobs("blobs", 12, 8, seed: 1);
        var context = new ScoringContext(model) { BatchSize = 5, NoiseSeed = 7 };
        var ll = new LikelihoodScore().Score(context, data);
        Assert.That(ll, Is.EqualTo(LikelihoodScorer.Score(model, data, 5, 7)));
        Assert.That(context.LogLikelihoods(data), Is.SameAs(ll), "the context caches per set");
        Assert.That(ll.All(double.IsFinite), Is.True);
    }

    [Test]
    public void TypicalityIsTheDistanceOfMinusLlFromTheValidationEntropy()
    {
        var model = Model();
        FlowData val = SyntheticImages.Blobs("val", 10, 8, seed: 4);
        FlowData test = SyntheticImages.Blobs("test", 9, 8, seed: 5);
        var context = new ScoringContext(model) { BatchSize = 4, Validation = val };
        double h = -context.LogLikelihoods(val).Average();
        Assert.That(context.Entropy("typicality"), Is.EqualTo(h));
        var t = new TypicalityScore().Score(context, test);
        var ll = context.LogLikelihoods(test);
        for (int i = 0; i < t.Length; i++) Assert.That(t[i], Is.EqualTo(Math.Abs(-ll[i] - h)));

        // The validation set's own mean −ll equals Ĥ, so one batch of all of it has batch statistic 0.
        var stats = TypicalityBatchTest.Statistics(context.LogLikelihoods(val), h, val.Count);
        Assert.That(stats, Has.Length.EqualTo(1));
        Assert.That(stats[0], Is.EqualTo(0).Within(1e-9 * Math.Abs(h)));
    }

    [Test]
    public void TypicalityBatchTestOfBatchesWhoseMeanIsTheEntropyIsZero()
    {
        double[] ll = [-10, -20, -10, -20, -13];
        Assert.That(TypicalityBatchTest.Statistics(ll, 15, 2), Is.EqualTo(new[] { 0.0, 0.0 }), "the partial batch is dropped");
        Assert.That(TypicalityScore.Distances(ll, 15), Is.EqualTo(new[] { 5.0, 5.0, 5.0, 5.0, 2.0 }));

        // In-distribution batches at Ĥ, OOD batches far from it: the batch test separates them perfectly.
        var result = TypicalityBatchTest.Compute(ll, [-40, -40, -41, -39], 15, 2);
        Assert.That(result.Auroc, Is.EqualTo(1.0));
        Assert.That((result.InDistBatches, result.OodBatches), Is.EqualTo((2, 2)));
        Assert.That(double.IsNaN(TypicalityBatchTest.Compute(ll, [-40], 15, 2).Auroc), Is.True, "no whole OOD batch");
    }

    [Test]
    public void PngLengthOfAConstantImageIsFarBelowNoiseAndTheComplexityScoreFollows()
    {
        var png = new PngCompressor();
        var constant = Enumerable.Repeat((byte)128, 28 * 28).ToArray();
        var noise = new byte[28 * 28];
        new Random(1).NextBytes(noise);
        long c = png.CompressedBits(constant, 1, 28, 28), n = png.CompressedBits(noise, 1, 28, 28);
        Assert.That(c / 784.0, Is.LessThan(1.0), "a constant image compresses to the container and a few bytes");
        Assert.That(n / 784.0, Is.GreaterThan(8.0), "noise does not compress: 8 bits/dim plus the container");
        long blank = png.OverheadBits(1, 28, 28);
        TestContext.Out.WriteLine($"PNG of a blank 28x28 gray image: {blank / 8} bytes; constant 128: {c / 8}; noise: {n / 8}");
        Assert.That(blank, Is.LessThanOrEqualTo(c));
        Assert.That(blank / 8, Is.InRange(60, 120), "docs/METRICS.md quotes the container overhead of a blank image");

        // Same likelihood: the simpler input gets the higher S (its likelihood is less explained by simplicity).
        double ll = -5 * 784 * Math.Log(2);
        Assert.That(ComplexityScore.Combine(ll, c / 784.0, 784), Is.GreaterThan(ComplexityScore.Combine(ll, n / 784.0, 784)));
        Assert.That(ComplexityScore.Combine(ll, 3, 784), Is.EqualTo(2).Within(1e-12), "5 bits/dim of NLL minus 3 bits/dim of PNG");

        var rgb = new byte[3 * 4 * 4];
        Assert.That(png.CompressedBits(rgb, 3, 4, 4), Is.GreaterThan(0));
        Assert.Throws<ArgumentException>(() => png.CompressedBits(rgb, 2, 4, 6));
    }

    [Test]
    public void ComplexityOnAModelIsBitsPerDimMinusCompressedBitsPerDim()
    {
        var model = Model();
        var images = SyntheticImages.Blobs("blobs", 6, 8, seed: 2);
        var context = new ScoringContext(model);
        var score = new ComplexityScore(new PngCompressor());
        var s = score.Score(context, images);
        var ll = context.LogLikelihoods(images);
        var png = new PngCompressor();
        for (int i = 0; i < s.Length; i++)
        {
            double expected = BitsPerDim.FromLogLikelihood(ll[i], 64) - png.CompressedBits(images.Image(i), 1, 8, 8) / 64.0;
            Assert.That(s[i], Is.EqualTo(expected).Within(1e-12));
        }
        Assert.Throws<InvalidOperationException>(() => score.Score(context, SyntheticVectors.Gaussian("v", 4, 3, 0f, 1)));
    }

    [Test]
    public void LikelihoodRatioOfAModelAgainstItselfIsZeroAndAgainstAnotherIsTheDifference()
    {
        var model = Model(seed: 3);
        FlowData data = SyntheticImages.Noise("noise", 7, 8, seed: 9);
        var self = new ScoringContext(model) { Background = model };
        Assert.That(new LikelihoodRatioScore().Score(self, data), Is.All.EqualTo(0.0));

        var other = Model(seed: 11);
        var context = new ScoringContext(model) { Background = other };
        var lr = new LikelihoodRatioScore().Score(context, data);
        var a = LikelihoodScorer.Score(model, data, 256, context.NoiseSeed);
        var b = LikelihoodScorer.Score(other, data, 256, context.NoiseSeed);
        Assert.That(lr, Is.EqualTo(a.Zip(b, (x, y) => x - y).ToArray()));
        Assert.That(lr.Any(v => v != 0), Is.True);
    }

    [Test]
    public void BatchStatisticsChangeTheScoresOfABatchNormModelAndLeaveItsRunningStatistics()
    {
        var model = Model();
        var norms = ModuleTree.Descendants(model).OfType<BatchNorm>().ToList();
        Assert.That(norms, Is.Not.Empty, "the tiny RealNVP has BatchNorm in its st-networks");
        var before = norms[0].RunningMean.ToArray();
        FlowData data = SyntheticImages.Blobs("blobs", 16, 8, seed: 6);
        var running = new ScoringContext(model) { BatchSize = 8 }.LogLikelihoods(data);
        var batch = new ScoringContext(model) { BatchSize = 8, BatchNorm = BatchNormStatistics.Batch }.LogLikelihoods(data);
        Assert.That(batch, Is.Not.EqualTo(running));
        Assert.That(norms[0].RunningMean.ToArray(), Is.EqualTo(before), "batch mode restores the running statistics");
        Assert.That(norms[0].ForceBatchStatistics, Is.Null);
        Assert.That(new ScoringContext(model) { BatchSize = 8 }.LogLikelihoods(data), Is.EqualTo(running));
    }

    [Test]
    public void ScoresThatNeedSomethingMissingSaySo()
    {
        var context = new ScoringContext(Model());
        var e = Assert.Throws<InvalidOperationException>(() => OodScoring.CheckNeeds([new TypicalityScore()], context));
        Assert.That(e!.Message, Does.Contain("typicality").And.Contain("validation"));
        e = Assert.Throws<InvalidOperationException>(() => OodScoring.CheckNeeds([new LikelihoodRatioScore()], context));
        Assert.That(e!.Message, Does.Contain("background"));
        e = Assert.Throws<InvalidOperationException>(() => OodScoring.CheckNeeds([new FeatureFlowScore()], context));
        Assert.That(e!.Message, Does.Contain("feature flow"));
        var empty = new ScoringContext(Model()) { Validation = SyntheticImages.Blobs("v", 0, 8, seed: 1) };
        Assert.Throws<InvalidOperationException>(() => OodScoring.CheckNeeds([new TypicalityScore()], empty), "an empty validation split");
        Assert.Throws<ArgumentException>(() => OodScoring.CheckNeeds([new LikelihoodScore(), new LikelihoodScore()], context));
        var unknown = Assert.Throws<ArgumentException>(() => OodScoreCatalog.Create("entropy"));
        Assert.That(unknown!.Message, Does.Contain("unknown score 'entropy'").And.Contain("typicality"));
        Assert.Throws<ArgumentException>(() => ImageCompressors.Create("zip"));
        Assert.That(OodScoreCatalog.Names.Select(n => OodScoreCatalog.Create(n).Name), Is.EqualTo(OodScoreCatalog.Names));
    }

    [Test]
    public void ValidationSplitIsTheLastNTrainingSamplesAndKnowsWhetherTheModelSawThem()
    {
        var train = SyntheticImages.Blobs("set/train", 20, 8, seed: 1);
        var (data, split) = ValidationSplit.Carve(train, 5, trainLimit: 15);
        Assert.That((split.Start, split.Count, split.DisjointFromTraining, split.Name), Is.EqualTo((15, 5, true, "set/val")));
        Assert.That(data.Images!.CopyPixels(), Is.EqualTo(train.Take(15, 5).CopyPixels()));
        Assert.That(data.Name, Is.EqualTo("set/val"));
        Assert.That(ValidationSplit.Carve(train, 5, trainLimit: 0).Split.DisjointFromTraining, Is.False, "trained on everything");
        Assert.That(ValidationSplit.Carve(train, 5, trainLimit: 16).Split.DisjointFromTraining, Is.False, "one overlapping sample");
        Assert.That(ValidationSplit.Carve(train, 5, 0, modelTrainedOnIt: false).Split.DisjointFromTraining, Is.True);
        Assert.Throws<ArgumentException>(() => ValidationSplit.Carve(train, 0, 0));
        Assert.Throws<ArgumentException>(() => ValidationSplit.Carve(train, 21, 0));
        var vectors = ValidationSplit.Carve(SyntheticVectors.Gaussian("v/train", 10, 3, 0f, 1), 4, 0).Data;
        Assert.That((vectors.Count, vectors.Name, vectors.IsImages), Is.EqualTo((4, "v/val", false)));
    }

    [Test]
    public void RocCurveRunsFromOriginToOneOneWithTiesTogether()
    {
        var (fpr, tpr) = RocCurve.Compute([3, 2, 2], [2, 1], ScoreDirection.HigherIsInDistribution);
        Assert.That(fpr, Is.EqualTo(new[] { 0, 0, 0.5, 1 }));
        Assert.That(tpr, Is.EqualTo(new[] { 0, 1 / 3.0, 1, 1 }));
        var (f2, t2) = RocCurve.Compute([-3, -2, -2], [-2, -1], ScoreDirection.HigherIsOod);
        Assert.That((f2, t2), Is.EqualTo((fpr, tpr)));
    }

    [Test]
    public void OodScoringGivesEveryMetricPerScoreAndSetWithValidationThresholds()
    {
        var model = Model();
        FlowData val = SyntheticImages.Blobs("blobs/val", 20, 8, seed: 4);
        FlowData test = SyntheticImages.Blobs("blobs/test", 20, 8, seed: 5);
        FlowData noise = SyntheticImages.Noise("noise", 20, 8, seed: 6);
        var context = new ScoringContext(model) { Validation = val, Background = Model(seed: 5) };
        IOodScore[] scores = [new LikelihoodScore(), new TypicalityScore(), new ComplexityScore(new PngCompressor()), new LikelihoodRatioScore()];
        var (tables, summaries) = OodScoring.Run(context, scores, test, [noise],
            new OodScoringOptions { TargetTpr = 0.9, Bootstrap = new BootstrapSettings { Resamples = 50 }, TypicalityBatch = 5 });
        Assert.That(tables.Select(t => t.Role), Is.EqualTo(new[] { "validation", "in-distribution", "ood" }));
        Assert.That(summaries.Select(s => s.Name), Is.EqualTo(new[] { "ll", "typicality", "complexity", "lr" }));
        foreach (var s in summaries)
        {
            var m = s.Metrics["noise"];
            Assert.That(m.ThresholdSource, Is.EqualTo(ThresholdSource.Validation));
            Assert.That(m.TargetTpr, Is.EqualTo(0.9));
            var expected = OodMetrics.Compute(tables[1].Scores[s.Name], tables[2].Scores[s.Name], s.Direction, tables[0].Scores[s.Name], 0.9,
                new BootstrapSettings { Resamples = 50 });
            Assert.That(m, Is.EqualTo(expected));
        }
        Assert.That(summaries[1].BatchTest["noise"].InDistBatches, Is.EqualTo(4));
        Assert.That(summaries[0].Metrics["noise"].Auroc, Is.GreaterThan(0.5), "an untrained flow still finds uniform noise less likely than blobs");
        Assert.Throws<ArgumentException>(() => OodScoring.Run(context, scores, test, [noise], new OodScoringOptions { TargetTpr = 1.5 }));
    }
}
