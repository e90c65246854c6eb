using Flows.Core;
using Flows.Core.Api;
using Flows.Core.Data;
using Flows.Kernels.Cpu;
using Flows.Tests.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Flows.Tests.Api;

/// <summary>Every bad input to the API is one OodDetectorException with a one-line message that names the thing.</summary>
public sealed class OodDetectorErrorTests
{
    private TempFolder _dir = null!;

    [SetUp]
    public void CreateFolder() => _dir = new TempFolder();

    [TearDown]
    public void RemoveFolder() => _dir.Dispose();

    private static void Fails(TestDelegate action, string fragment)
    {
        var e = Assert.Throws<OodDetectorException>(action);
        Assert.That(e!.Message, Does.Contain(fragment));
        Assert.That(e.Message, Does.Not.Contain('\n'), "one line");
    }

    [Test]
    public void LoadingRefusesMissingCheckpointsAndBadOptions()
    {
        Fails(() => OodDetector.Load(_dir.File("none.safetensors")), "does not exist");
        File.WriteAllText(_dir.File("junk.safetensors"), "not a checkpoint");
        Fails(() => OodDetector.Load(_dir.File("junk.safetensors")), "junk.safetensors");
        Fails(() => OodDetector.Load(TinyCheckpoints.A, new OodDetectorOptions { Scores = ["ll", "entropy"] }), "unknown score 'entropy'");
        Fails(() => OodDetector.Load(TinyCheckpoints.A, new OodDetectorOptions { Scores = ["ll", "lr"] }), "BackgroundCheckpoint");
        Fails(() => OodDetector.Load(TinyCheckpoints.A, new OodDetectorOptions { Scores = ["features"] }), "FeatureCheckpoint");
        Fails(() => OodDetector.Load(TinyCheckpoints.A, new OodDetectorOptions { PrimaryScore = "lr" }), "PrimaryScore 'lr'");
        Fails(() => OodDetector.Load(TinyCheckpoints.A, new OodDetectorOptions { Device = "tpu" }), "unknown device 'tpu'");
        Fails(() => OodDetector.Load(TinyCheckpoints.A, new OodDetectorOptions { CalibrationPath = _dir.File("none.json") }), "does not exist");
    }

    [Test]
    public void ACalibrationOfAnotherCheckpointOrADamagedOneIsRefused()
    {
        string path = _dir.File("b.json");
        using (var b = OodDetector.Load(TinyCheckpoints.B))
        {
            b.Calibrate(TinyCheckpoints.Validation);
            b.SaveCalibration(path);
        }
        using var a = OodDetector.Load(TinyCheckpoints.A);
        Fails(() => a.LoadCalibration(path), "another checkpoint");
        Assert.That(a.Calibration, Is.Null, "nothing was applied");
        Fails(() => a.SaveCalibration(_dir.File("x.json")), "not calibrated");

        File.WriteAllText(_dir.File("cut.json"), File.ReadAllText(path)[..200]);
        Fails(() => a.LoadCalibration(_dir.File("cut.json")), "is damaged");
        File.WriteAllText(_dir.File("v9.json"), File.ReadAllText(path).Replace("\"version\": 1", "\"version\": 9"));
        Fails(() => a.LoadCalibration(_dir.File("v9.json")), "version 9");
        using var llOnly = OodDetector.Load(TinyCheckpoints.B, new OodDetectorOptions { Scores = ["ll"] });
        llOnly.Calibrate(TinyCheckpoints.Validation);
        llOnly.SaveCalibration(path);
        using var b2 = OodDetector.Load(TinyCheckpoints.B);
        Fails(() => b2.LoadCalibration(path), "has no 'typicality' score");
    }

    [Test]
    public void ImagesThatDoNotFitTheModelSayWhatItTakes()
    {
        using var detector = OodDetector.Load(TinyCheckpoints.A);
        const string takes = "the model takes 1x8x8 images (grayscale, 8×8)";
        using var big = new Image<Rgb24>(28, 28);
        Fails(() => detector.Score(big), "is 28×28; " + takes);
        Fails(() => detector.Score(ApiImages.Png(big)), takes);
        Fails(() => detector.ScoreBatch(new ImageDataset("rgb", new byte[3 * 64], [0], 3, 8, 8)), "3x8x8 images; " + takes);
        using var backend = new ManagedCpuBackend();
        Fails(() => detector.ScoreBatch(Tensor.Zeros(backend, 2, 3, 8, 8)), "[2, 3, 8, 8]");
        Fails(() => detector.ScoreBatch(Tensor.Full(backend, 2f, 1, 1, 8, 8)), "in [0, 1]");
        Fails(() => detector.Score([1, 2, 3, 4, 5]), "the image bytes");
        var png = ApiImages.Png(TinyCheckpoints.Blobs, 0);
        Fails(() => detector.Score(png[..(png.Length / 2)]), "the image bytes");
        Fails(() => detector.Score(_dir.File("none.png")), "does not exist");
        File.WriteAllBytes(_dir.File("bad.png"), [137, 80, 78, 71, 1, 2, 3]);
        Fails(() => detector.ScoreFiles([_dir.File("bad.png")]), "bad.png");
    }

    [TestCase(0.0)]
    [TestCase(-0.5)]
    [TestCase(1.5)]
    [TestCase(double.NaN)]
    public void TargetTprOutsideZeroToOneIsRefused(double tpr)
    {
        using var detector = OodDetector.Load(TinyCheckpoints.A);
        Fails(() => detector.Calibrate(TinyCheckpoints.Validation, tpr), "(0, 1]");
    }

    [Test]
    public void AnEmptyCalibrationSetIsRefused()
    {
        using var detector = OodDetector.Load(TinyCheckpoints.A);
        Fails(() => detector.Calibrate(TinyCheckpoints.Validation.Subset(0)), "calibration set is empty");
        Fails(() => detector.Calibrate(Array.Empty<string>()), "calibration set is empty");
        Assert.That(detector.Calibrate(TinyCheckpoints.Validation, 1.0).Count, Is.EqualTo(48), "a TPR of 1 is allowed");
    }
}
