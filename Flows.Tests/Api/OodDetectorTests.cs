using Flows.Core;
using Flows.Core.Api;
using Flows.Core.Data;
using Flows.Core.Evaluation;
using Flows.Core.Flows;
using Flows.Core.Training;
using Flows.Kernels.Cpu;
using Flows.Tests.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Flows.Tests.Api;

/// <summary>The library API: load, score in every input form, calibrate, p-values, decisions, round trip, concurrency.</summary>
public sealed class OodDetectorTests
{
    private TempFolder _dir = null!;

    [SetUp]
    public void CreateFolder() => _dir = new TempFolder();

    [TearDown]
    public void RemoveFolder() => _dir.Dispose();

    private static double[] Values(IEnumerable<OodResult> results, string score) => results.Select(r => r[score].Value).ToArray();

    [Test]
    public void BeforeCalibrationTypicalityIsLeftOutAndThereAreNoDecisions()
    {
        using var detector = OodDetector.Load(TinyCheckpoints.A);
        Assert.That(detector.ScoreNames, Is.EqualTo(new[] { "ll", "typicality", "complexity" }));
        Assert.That(detector.InputDescription, Is.EqualTo("1x8x8 images (grayscale, 8×8)"));
        var results = detector.ScoreBatch(TinyCheckpoints.Blobs);
        Assert.That(results, Has.Count.EqualTo(12));
        Assert.That(results[0].Scores.Select(s => s.Name), Is.EqualTo(new[] { "ll", "complexity" }));
        Assert.That(results.Select(r => r.IsOod), Is.All.Null);
        Assert.That(results.SelectMany(r => r.Scores).Select(s => s.PValue), Is.All.Null);
        Assert.That(results.Select(r => r["ll"].Value), Is.All.LessThan(0.0).And.All.Not.NaN);
    }

    [Test]
    public void ScoresEqualTheScoringContextPathForTheSameImagesInTheSameOrder()
    {
        using var detector = OodDetector.Load(TinyCheckpoints.A, new OodDetectorOptions { BatchSize = 5 });
        detector.Calibrate(TinyCheckpoints.Validation);
        var results = detector.ScoreBatch(TinyCheckpoints.Noise);

        var checkpoint = TrainingCheckpoint.Load(TinyCheckpoints.A);
        using var backend = new ManagedCpuBackend();
        var model = FlowModels.Create(checkpoint.Config.Model, backend, checkpoint.Config.Seed);
        checkpoint.LoadModelInto(model);
        var context = new ScoringContext(model)
        {
            BatchSize = 5, NoiseSeed = (ulong)checkpoint.Config.Seed + Trainer.EvaluationNoiseSeed, Validation = TinyCheckpoints.Validation,
        };
        FlowData noise = TinyCheckpoints.Noise;
        foreach (var name in detector.ScoreNames)
            Assert.That(Values(results, name), Is.EqualTo(OodScoreCatalog.Create(name).Score(context, noise)), name);
        Assert.That(detector.Calibration!.EntropyNats, Is.EqualTo(context.Entropy("typicality")));
    }

    [Test]
    public void EveryInputFormGivesTheSameScoresForOneImage()
    {
        using var detector = OodDetector.Load(TinyCheckpoints.A);
        detector.Calibrate(TinyCheckpoints.Validation);
        var set = TinyCheckpoints.Blobs.Take(3, 1);
        string path = _dir.File("blob.png");
        File.WriteAllBytes(path, ApiImages.Png(set, 0));
        using var gray = ApiImages.Gray(set, 0);
        using var rgb = gray.CloneAs<Rgb24>(); // R = G = B: its luma is the gray value

        var expected = detector.ScoreBatch(set)[0].Scores;
        using var backend = new ManagedCpuBackend();
        var tensor = new ImageFlowData(set).Range(backend, 0, 1);
        foreach (var (form, result) in new[]
                 {
                     ("path", detector.Score(path)), ("image", detector.Score(gray)), ("rgb image", detector.Score(rgb)),
                     ("bytes", detector.Score(ApiImages.Png(set, 0))), ("files", detector.ScoreFiles([path])[0]),
                     ("tensor", detector.ScoreBatch(tensor)[0]),
                 })
            Assert.That(result.Scores, Is.EqualTo(expected), form);
        Assert.That(detector.Score(path).Source, Is.EqualTo(path));
    }

    [Test]
    public void DecisionsFollowTheThresholdsAndPValuesAreSmoothedAndMonotone()
    {
        using var detector = OodDetector.Load(TinyCheckpoints.A);
        var calibration = detector.Calibrate(TinyCheckpoints.Validation, targetTpr: 0.9);
        var results = detector.ScoreBatch(TinyCheckpoints.Blobs).Concat(detector.ScoreBatch(TinyCheckpoints.Noise)).ToList();
        int n = TinyCheckpoints.Validation.Count;
        foreach (var name in detector.ScoreNames)
        {
            var cal = calibration.For(name)!;
            foreach (var r in results)
            {
                var s = r[name];
                Assert.That(s.IsOod, Is.EqualTo(!cal.Threshold.Accepts(s.Value)), name);
                Assert.That(s.PValue, Is.GreaterThanOrEqualTo(1.0 / (n + 1)).And.LessThanOrEqualTo(1.0), name);
            }
            // Ordered from most OOD to most in-distribution, p-values never fall.
            var ordered = results.Select(r => r[name]).OrderBy(s => s.Direction == ScoreDirection.HigherIsOod ? -s.Value : s.Value).ToList();
            for (int i = 1; i < ordered.Count; i++) Assert.That(ordered[i].PValue, Is.GreaterThanOrEqualTo(ordered[i - 1].PValue!.Value), name);
            // The validation set itself: at least the target TPR is kept.
            var own = detector.ScoreBatch(TinyCheckpoints.Validation);
            Assert.That(own.Count(r => r[name].IsOod == false) / (double)n, Is.GreaterThanOrEqualTo(0.9), name);
        }
        Assert.That(results.Select(r => r.IsOod), Is.EqualTo(results.Select(r => r["ll"].IsOod)), "the primary score decides");
    }

    [Test]
    public void PValueCountsTheValidationScoresAtLeastAsOodPlusOne()
    {
        var ll = new ScoreCalibration("ll", ScoreDirection.HigherIsInDistribution, [-3, -1, -2, -2], 0.95);
        Assert.That(new[] { -4.0, -3, -2.5, -2, -1, 0 }.Select(ll.PValue), Is.EqualTo(new[] { 1 / 5.0, 2 / 5.0, 2 / 5.0, 4 / 5.0, 1, 1 }));
        var typicality = new ScoreCalibration("typicality", ScoreDirection.HigherIsOod, [3, 1, 2, 2], 0.95);
        Assert.That(new[] { 4.0, 3, 2, 1, 0 }.Select(typicality.PValue), Is.EqualTo(new[] { 1 / 5.0, 2 / 5.0, 4 / 5.0, 1, 1 }));
    }

    [Test]
    public void ASavedCalibrationLoadsBackAndGivesTheSameResults()
    {
        string path = _dir.File("calibration.json");
        IReadOnlyList<OodResult> before;
        using (var detector = OodDetector.Load(TinyCheckpoints.A))
        {
            detector.Calibrate(TinyCheckpoints.Validation, 0.8);
            detector.SaveCalibration(path);
            before = detector.ScoreBatch(TinyCheckpoints.Noise);
        }
        Assert.That(File.ReadAllText(path), Does.Contain(OodCalibration.FormatTag).And.Contain(DetectorSha(TinyCheckpoints.A)));
        using var again = OodDetector.Load(TinyCheckpoints.A, new OodDetectorOptions { CalibrationPath = path });
        Assert.That(again.Calibration!.Count, Is.EqualTo(TinyCheckpoints.Validation.Count));
        var after = again.ScoreBatch(TinyCheckpoints.Noise);
        for (int i = 0; i < before.Count; i++)
            Assert.That(after[i].Scores.Select(s => (s.Name, s.Value, s.PValue, s.IsOod, s.Threshold!.Threshold)),
                        Is.EqualTo(before[i].Scores.Select(s => (s.Name, s.Value, s.PValue, s.IsOod, s.Threshold!.Threshold))));
    }

    private static string DetectorSha(string path)
    {
        using var d = OodDetector.Load(path, new OodDetectorOptions { Scores = ["ll"] });
        return d.CheckpointSha256;
    }

    [Test]
    public void ConcurrentCallersGetTheSameResultsAsSequentialOnes()
    {
        using var detector = OodDetector.Load(TinyCheckpoints.A, new OodDetectorOptions { BatchSize = 4 });
        detector.Calibrate(TinyCheckpoints.Validation);
        var images = TinyCheckpoints.Noise;
        var pngs = Enumerable.Range(0, images.Count).Select(i => ApiImages.Png(images, i)).ToArray();
        var single = pngs.Select(p => detector.Score(p).Scores).ToArray();
        var batch = detector.ScoreBatch(images).Select(r => r.Scores).ToArray();

        var parallelSingle = new IReadOnlyList<ScoreResult>[4 * pngs.Length];
        var parallelBatch = new IReadOnlyList<ScoreResult>[8][];
        Parallel.Invoke(new ParallelOptions { MaxDegreeOfParallelism = 8 },
            () => Parallel.For(0, parallelSingle.Length, i => parallelSingle[i] = detector.Score(pngs[i % pngs.Length]).Scores),
            () => Parallel.For(0, parallelBatch.Length, i => parallelBatch[i] = detector.ScoreBatch(images).Select(r => r.Scores).ToArray()));
        for (int i = 0; i < parallelSingle.Length; i++) Assert.That(parallelSingle[i], Is.EqualTo(single[i % pngs.Length]));
        foreach (var b in parallelBatch) Assert.That(b, Is.EqualTo(batch));
    }

    [Test]
    public void ALikelihoodRatioAgainstItselfIsZeroAndResizingIsOptIn()
    {
        using var detector = OodDetector.Load(TinyCheckpoints.A, new OodDetectorOptions
        {
            Scores = ["lr", "ll"], BackgroundCheckpoint = TinyCheckpoints.A, ResizeImages = true,
        });
        Assert.That(detector.PrimaryScore, Is.EqualTo("lr"));
        Assert.That(Values(detector.ScoreBatch(TinyCheckpoints.Noise), "lr"), Is.All.EqualTo(0.0));
        using var big = new Image<L8>(16, 16, new L8(200));
        Assert.That(detector.Score(big)["ll"].Value, Is.Not.NaN);
    }
}
