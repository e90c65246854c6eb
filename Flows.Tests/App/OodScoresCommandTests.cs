using System.Text.Json;
using Flows.Core.Data;
using Flows.Core.Evaluation;
using Flows.Core.Flows;
using Flows.Core.Training;
using Flows.Tests.Data;
using Flows.Tests.Engine;
using Flows.Training;
using Flows.Training.Cli;
using Flows.Training.Commands;

namespace Flows.Tests.App;

/// <summary>`flows ood --scores …` end to end, the shared list-option rule, --bn, and every bad input ending in one line.</summary>
[NonParallelizable]
public sealed class OodScoresCommandTests
{
    private TempFolder _dir = null!;

    [SetUp]
    public void CreateFolder() => _dir = new TempFolder();

    [TearDown]
    public void RemoveFolder() => _dir.Dispose();

    private static (int Code, string Out, string Err) Run(params string[] args) => App.Run(args);

    private static string LastLine(string text) => text.Trim().Split('\n')[^1];

    [Test]
    public void ListOptionsAccumulateCommaListsAndRepeatsAndRefuseAValueTwice()
    {
        var args = OodCommand.Spec.Parse(["--ood", "mnist", "--ood", "notmnist,svhn", "--scores", "ll", "--scores=typicality"]);
        Assert.That(ListOption.Values(args, "ood", "x"), Is.EqualTo(new[] { "mnist", "notmnist", "svhn" }));
        Assert.That(ListOption.Values(args, "scores", "ll"), Is.EqualTo(new[] { "ll", "typicality" }));
        Assert.That(ListOption.Values(args, "in", "a,b"), Is.EqualTo(new[] { "a", "b" }), "the fallback when not given");
        Assert.That(ListOption.Values(args, "in", null), Is.Empty);
        var twice = OodCommand.Spec.Parse(["--ood", "mnist", "--ood", "MNIST"]);
        var e = Assert.Throws<UsageException>(() => ListOption.Values(twice, "ood", null));
        Assert.That(e!.Message, Does.Contain("listed twice"));
        Assert.Throws<UsageException>(() => ListOption.Values(OodCommand.Spec.Parse(["--ood", ","]), "ood", null));
    }

    [TestCase("ood", "--ood", "mnist", "--ood", "mnist")]
    [TestCase("ood", "--scores", "ll,typicality", "--scores", "ll")]
    [TestCase("attribute", "--ood", "mnist", "--ood", "mnist")]
    [TestCase("inspect", "--image", "mnist:1", "--image", "mnist:1")]
    [TestCase("features", "--data", "mnist", "--data", "mnist")]
    [TestCase("features", "--splits", "train", "--splits", "train")]
    [TestCase("experiments", "--models", "realnvp", "--models", "realnvp")]
    [TestCase("run", "--ood", "mnist", "--ood", "mnist")]
    public void EveryListOptionRefusesARepeatedValueInOneLine(string command, params string[] rest)
    {
        string[] args = command is "features" or "experiments" or "run"
            ? [command, .. rest, "--device", "cpu"]
            : [command, .. rest, "--checkpoint", "/nonexistent/c.safetensors", "--device", "cpu"];
        var (code, _, error) = Run(args);
        Assert.That(code, Is.EqualTo(2), error);
        Assert.That(LastLine(error), Does.StartWith("error: ").And.Contain("listed twice"));
    }

    [TestCase(new[] { "--scores", "ll,entropy" }, "unknown score 'entropy'")]
    [TestCase(new[] { "--target-tpr", "0" }, "--target-tpr must be in (0, 1]")]
    [TestCase(new[] { "--target-tpr", "1.5" }, "--target-tpr must be in (0, 1]")]
    [TestCase(new[] { "--bn", "frozen" }, "--bn must be running or batch")]
    [TestCase(new[] { "--compressor", "zip" }, "unknown compressor 'zip'")]
    [TestCase(new[] { "--typicality-batch", "0" }, "--typicality-batch must be at least 1")]
    public void BadScoreFlagsFailBeforeAnythingIsRead(string[] flags, string fragment)
    {
        var (code, _, error) = Run(["ood", "--checkpoint", "/nonexistent/c.safetensors", .. flags]);
        Assert.That(code, Is.EqualTo(2), error);
        Assert.That(LastLine(error), Does.StartWith("error: ").And.Contain(fragment));
    }

    private string Train(string name, params string[] extra)
    {
        string data = RealData.Folder();
        string dir = _dir.File(name);
        var (code, _, error) = Run(["train", "--preset", "smoke", "--steps", "2", "--train-limit", "200", "--test-limit", "40",
            "--data-dir", data, "--offline", "--out", dir, "--device", "cpu", "--seed", "1", .. extra]);
        Assert.That(code, Is.EqualTo(0), error);
        return Path.Combine(dir, "checkpoint.safetensors");
    }

    private string[] Ood(string checkpoint, string outDir, params string[] extra) =>
        ["ood", "--checkpoint", checkpoint, "--ood", "mnist", "--ood", "notmnist", "--limit", "40", "--batch", "20", "--bootstrap", "20",
         "--data-dir", RealData.Folder(), "--offline", "--out", outDir, "--device", "cpu", .. extra];

    [Test]
    public void OodWithEveryPixelScoreWritesTablesCsvRocAndReportAndBadInputsLoseNothing()
    {
        string a = Train("a");
        string outDir = _dir.File("ood");
        var (code, output, error) = Run(Ood(a, outDir, "--scores", "ll,typicality", "--scores", "complexity,lr", "--background", a,
            "--val", "30", "--typicality-batch", "5", "--target-tpr", "0.9"));
        Assert.That(code, Is.EqualTo(0), error);
        foreach (var s in new[] { "ll", "typicality", "complexity", "lr" })
        {
            Assert.That(output, Does.Contain($"score {s} ("), s);
            Assert.That(new FileInfo(Path.Combine(outDir, $"roc_{s}.png")).Length, Is.GreaterThan(1000), s);
        }
        Assert.That(output, Does.Contain("batch AUROC"));
        Assert.That(error, Does.Contain("unseen in training"), "train-limit 200 ends long before the last 30 training images");

        var csv = ScoreCsv.Read(Path.Combine(outDir, ScoreCsv.FileName));
        Assert.That(csv.Select(t => (t.Name, t.Role, t.Count)), Is.EqualTo(new[]
            { ("fashionmnist/val", "validation", 30), ("fashionmnist/test", "in-distribution", 40), ("mnist/test", "ood", 40), ("notmnist/test", "ood", 40) }));
        Assert.That(csv.SelectMany(t => t.Scores["lr"]), Is.All.EqualTo(0.0), "a model against itself");
        Assert.That(csv[0].Labels, Has.Some.Not.EqualTo(0), "labels are carried");

        var report = OodReportReader.Read(outDir);
        Assert.That(report.Scores.Select(s => s.Name), Is.EqualTo(new[] { "ll", "typicality", "complexity", "lr" }));
        Assert.That(report.Validation, Is.EqualTo(new ValidationSplit("fashionmnist/train", 59970, 30, true)));
        Assert.That(report.Entropy, Is.EqualTo(-csv[0].Scores["ll"].Average()).Within(1e-9));
        var typ = report.Scores[1];
        Assert.That(typ.Metrics["mnist/test"].ThresholdSource, Is.EqualTo(ThresholdSource.Validation));
        Assert.That(typ.Metrics["mnist/test"].TargetTpr, Is.EqualTo(0.9));
        Assert.That(typ.BatchTest["notmnist/test"].InDistBatches, Is.EqualTo(8));
        Assert.That(report.Scores[0].Metrics["mnist/test"].Auroc, Is.EqualTo(report.Auroc["mnist/test"]), "ll's AUROC is the report's AUROC");
        Assert.That(File.ReadAllText(Path.Combine(outDir, "report.md")), Does.Contain("### complexity (bits/dim, higher is OOD)"));

        // Every mistake below ends in one line, exit 2, and leaves the report as it was.
        byte[] before = File.ReadAllBytes(Path.Combine(outDir, "report.json"));
        string b = Train("b", "--mid", "6");
        (string[] Flags, string Fragment)[] mistakes =
        [
            (["--scores", "typicality"], "needs an in-distribution validation split: give --val N"),
            (["--scores", "typicality", "--val", "0"], "needs an in-distribution validation split"),
            (["--scores", "typicality", "--val", "60001"], "has only 60000 training samples"),
            (["--scores", "lr"], "needs --background PATH"),
            (["--scores", "lr", "--background", b], "same architecture and data shape"),
            (["--scores", "features"], "needs --feature-checkpoint PATH"),
        ];
        foreach (var (flags, fragment) in mistakes)
        {
            (code, _, error) = Run(Ood(a, outDir, flags));
            Assert.That(code, Is.EqualTo(2), string.Join(" ", flags) + ": " + error);
            Assert.That(LastLine(error), Does.StartWith("error: ").And.Contain(fragment));
        }
        Assert.That(File.ReadAllBytes(Path.Combine(outDir, "report.json")), Is.EqualTo(before));
    }

    [Test]
    public void BatchStatisticsChangeTheScoresOfOodAndAttribute()
    {
        string a = Train("a");
        var (code, _, error) = Run(Ood(a, _dir.File("running")));
        Assert.That(code, Is.EqualTo(0), error);
        (code, _, error) = Run(Ood(a, _dir.File("batch"), "--bn", "batch"));
        Assert.That(code, Is.EqualTo(0), error);
        var running = ScoreCsv.Read(_dir.File("running/scores.csv"));
        var batch = ScoreCsv.Read(_dir.File("batch/scores.csv"));
        Assert.That(batch[0].Scores["ll"], Is.Not.EqualTo(running[0].Scores["ll"]));
        Assert.That(OodReportReader.Read(_dir.File("batch")).BatchNorm, Is.EqualTo("batch"));
        Assert.That(OodReportReader.Read(_dir.File("running")).BatchNorm, Is.EqualTo("running"));

        string[] Attribute(string outDir, string bn) => ["attribute", "--checkpoint", a, "--ood", "mnist", "--limit", "20", "--batch", "10",
            "--bn", bn, "--data-dir", RealData.Folder(), "--offline", "--out", outDir, "--device", "cpu"];
        (code, var runningOut, error) = Run(Attribute(_dir.File("attr-r"), "running"));
        Assert.That(code, Is.EqualTo(0), error);
        (code, var batchOut, error) = Run(Attribute(_dir.File("attr-b"), "batch"));
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(batchOut, Is.Not.EqualTo(runningOut));
    }

    [Test]
    public void TheFeaturesScoreEmbedsEachSetAtTheRecordedSizeAndRefusesAFlowOfAnotherDimension()
    {
        string data = RealData.Folder();
        string pixel = Train("a");

        // A 512-wide tabular flow whose training embeddings' key records the extractor size 32.
        string spec = $"fm={_dir.File("fm_features_{split}.npz")}";
        File.WriteAllText(_dir.File("fm_features_train.npz.key"), "extractor: resnet18 x preprocess y size 32 pool Global fold-bn True resize bilinear-v1\n");
        var flow = FlowModels.Create(ModelConfig.Tabular(512, hidden: 8, layers: 1, couplings: 2), EngineBackend.Cpu, 1);
        string featureCheckpoint = _dir.File("feature.safetensors");
        TrainingCheckpoint.Save(featureCheckpoint, flow, null, new TrainingConfig { Model = flow.Config, Dataset = spec }, new TrainingState());

        string outDir = _dir.File("ood");
        var (code, output, error) = Run(["ood", "--checkpoint", pixel, "--ood", "mnist", "--limit", "6", "--bootstrap", "20", "--scores", "ll,features",
            "--feature-checkpoint", featureCheckpoint, "--data-dir", data, "--offline", "--out", outDir, "--device", "cpu"]);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(error, Does.Contain("embedding at the recorded size 32"));
        Assert.That(output, Does.Contain("score features ("));
        var csv = ScoreCsv.Read(Path.Combine(outDir, ScoreCsv.FileName));
        Assert.That(csv.Select(t => t.Scores["features"].Length), Is.EqualTo(new[] { 6, 6 }));
        Assert.That(csv.SelectMany(t => t.Scores["features"]).All(double.IsFinite), Is.True);
        Assert.That(Directory.GetFiles(Path.Combine(outDir, "features"), "*.npz"), Has.Length.EqualTo(2), "embeddings cached under --out/features");

        (code, _, error) = Run(["ood", "--checkpoint", pixel, "--ood", "mnist", "--limit", "6", "--scores", "features", "--feature-checkpoint", featureCheckpoint,
            "--feature-size", "64", "--data-dir", data, "--offline", "--out", outDir, "--device", "cpu"]);
        Assert.That(code, Is.EqualTo(2), error);
        Assert.That(LastLine(error), Does.Contain("trained on embeddings at size 32"));

        var six = FlowModels.Create(ModelConfig.Tabular(6, hidden: 8, layers: 1, couplings: 2), EngineBackend.Cpu, 1);
        string wrong = _dir.File("six.safetensors");
        TrainingCheckpoint.Save(wrong, six, null, new TrainingConfig { Model = six.Config, Dataset = spec }, new TrainingState());
        (code, _, error) = Run(["ood", "--checkpoint", pixel, "--ood", "mnist", "--limit", "6", "--scores", "features", "--feature-checkpoint", wrong,
            "--data-dir", data, "--offline", "--out", outDir, "--device", "cpu"]);
        Assert.That(code, Is.EqualTo(2), error);
        Assert.That(LastLine(error), Does.StartWith("error: ").And.Contain("vectors of 6").And.Contain("gives vectors of 512"));
    }
}
