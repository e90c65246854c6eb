using System.Text.Json;
using Flows.Core.Data;
using Flows.Core.Evaluation;
using Flows.Core.Features;
using Flows.Core.Flows;
using Flows.Tests.Data;
using Flows.Tests.Training;
using Flows.Tests.Engine;

namespace Flows.Tests.Evaluation.Scores;

/// <summary>scores.csv and the scores section of report.json round-trip; old reports still read; the feature flow's checks.</summary>
public sealed class ScoreFilesTests
{
    private TempFolder _dir = null!;

    [SetUp]
    public void CreateFolder() => _dir = new TempFolder();

    [TearDown]
    public void RemoveFolder() => _dir.Dispose();

    [Test]
    public void ScoresCsvRoundTripsEveryValueIncludingInfinitiesAndQuotedNames()
    {
        var sets = new List<ScoredSetTable>
        {
            new("a/val", "validation", [1, 2], new Dictionary<string, double[]> { ["ll"] = [-1.25, double.NegativeInfinity], ["typicality"] = [0.1, double.PositiveInfinity] }),
            new("odd, \"name\"", "ood", [-1], new Dictionary<string, double[]> { ["ll"] = [1 / 3.0], ["typicality"] = [double.NaN] }),
        };
        string path = _dir.File("scores.csv");
        ScoreCsv.Write(path, sets);
        Assert.That(File.ReadLines(path).First(), Is.EqualTo("set,role,index,label,ll,typicality"));
        var read = ScoreCsv.Read(path);
        Assert.That(read.Select(s => (s.Name, s.Role)), Is.EqualTo(sets.Select(s => (s.Name, s.Role))));
        for (int k = 0; k < sets.Count; k++)
        {
            Assert.That(read[k].Labels, Is.EqualTo(sets[k].Labels));
            foreach (var (name, values) in sets[k].Scores) Assert.That(read[k].Scores[name], Is.EqualTo(values));
        }
        File.WriteAllText(path, "set,role,index,label,ll\na,ood,0,1,notanumber\n");
        var e = Assert.Throws<InvalidDataException>(() => ScoreCsv.Read(path));
        Assert.That(e!.Message, Does.Contain("line 2"));
    }

    private static OodReport Report(double threshold) => new()
    {
        Model = "realnvp", Checkpoint = "c.safetensors", Device = "cpu", Seed = 1, InDistribution = "in",
        Counts = new Dictionary<string, int> { ["in"] = 3, ["ood"] = 2 },
        Bpd = new Dictionary<string, double> { ["in"] = 3, ["ood"] = 4 },
        Auroc = new Dictionary<string, double> { ["ood"] = 0.75 },
        BatchNorm = "batch",
        ScoresFile = ScoreCsv.FileName,
        Entropy = 123.5,
        Validation = new ValidationSplit("in/train", 10, 5, true),
        Scores =
        [
            new ScoreSummary
            {
                Name = "typicality", Direction = ScoreDirection.HigherIsOod, Unit = "nats", RocFile = "roc_typicality.png",
                Mean = new Dictionary<string, double> { ["in"] = 1, ["ood"] = 2, ["in/val"] = 0.5 },
                Metrics = new Dictionary<string, OodMetrics>
                {
                    ["ood"] = OodMetrics.Compute([1, 2, 3], [2, 5], ScoreDirection.HigherIsOod, [1, 2], 0.95, new BootstrapSettings { Resamples = 20 })
                        with { Threshold = threshold },
                },
                BatchTest = new Dictionary<string, TypicalityBatchResult> { ["ood"] = new(2, 1, 1, double.NaN) },
            },
        ],
    };

    [TestCase(2.5, "2.5")]
    [TestCase(double.PositiveInfinity, "\"Infinity\"")]
    [TestCase(double.NegativeInfinity, "\"-Infinity\"")]
    [TestCase(double.NaN, "null")]
    public void ReportScoresRoundTripAndInfiniteThresholdsAreStrings(double threshold, string json)
    {
        var report = Report(threshold);
        string path = OodReportWriter.Write(_dir.Path, report);
        Assert.That(File.ReadAllText(path), Does.Contain($"\"threshold\": {json}"));
        using (var doc = JsonDocument.Parse(File.ReadAllBytes(path)))
            Assert.That(doc.RootElement.GetProperty("scores").GetProperty("typicality").GetProperty("metrics").GetProperty("ood").GetProperty("auroc").GetDouble(),
                Is.EqualTo(report.Scores[0].Metrics["ood"].Auroc));
        var read = OodReportReader.Read(_dir.Path);
        Assert.That(read.Scores, Has.Count.EqualTo(1));
        var (a, b) = (read.Scores[0], report.Scores[0]);
        Assert.That((a.Name, a.Direction, a.Unit, a.RocFile), Is.EqualTo((b.Name, b.Direction, b.Unit, b.RocFile)));
        Assert.That(a.Mean, Is.EquivalentTo(b.Mean));
        Assert.That(a.Metrics["ood"], Is.EqualTo(b.Metrics["ood"]));
        Assert.That(a.BatchTest["ood"].BatchSize, Is.EqualTo(2));
        Assert.That(double.IsNaN(a.BatchTest["ood"].Auroc), Is.True);
        Assert.That((read.BatchNorm, read.ScoresFile, read.Entropy, read.Validation), Is.EqualTo((report.BatchNorm, report.ScoresFile, report.Entropy, report.Validation)));
        var md = File.ReadAllText(_dir.File(OodReportWriter.MarkdownFileName));
        Assert.That(md, Does.Contain("### typicality (nats, higher is OOD)").And.Contain("Batch test (M = 2)").And.Contain("BatchNorm statistics: batch"));
    }

    [Test]
    public void AReportWrittenBeforeScoresExistedStillReads()
    {
        File.WriteAllText(_dir.File("report.json"), """
            {"model":"realnvp","checkpoint":"c","device":"cpu","seed":0,"in_distribution":"in","counts":{"in":3,"ood":2},
             "bpd":{"in":3.1,"ood":null},"auroc":{"ood":0.4},"histogram":"likelihoods.png",
             "feature_flow":{"extractor":"x","report":"r.json","train_vectors":5,"steps":2,"auroc":{"ood":0.9},"nll_nats":{"in":1}}}
            """);
        var read = OodReportReader.Read(_dir.Path);
        Assert.That(read.Scores, Is.Empty);
        Assert.That((read.BatchNorm, read.Validation, read.ScoresFile), Is.EqualTo(("running", (ValidationSplit?)null, (string?)null)));
        Assert.That(read.FeatureFlow!.Auroc["ood"], Is.EqualTo(0.9));
        Assert.That(double.IsNaN(read.Bpd["ood"]), Is.True);
        OodReportWriter.Write(_dir.File("again"), read);
        Assert.That(OodReportReader.Read(_dir.File("again")).FeatureFlow!.TrainVectors, Is.EqualTo(5));
    }

    [Test]
    public void AFeatureFlowMustTakeTheExtractorsVectorsAndItsRecordedSizeIsRead()
    {
        var six = FlowModels.Create(ModelConfig.Tabular(6, hidden: 8, layers: 1, couplings: 2), EngineBackend.Cpu, 1);
        var e = Assert.Throws<ArgumentException>(() => FeatureFlowScorer.CheckDimension(six));
        Assert.That(e!.Message, Does.Contain("vectors of 6").And.Contain($"vectors of {ResNetFeatureExtractor.FeatureDim}"));
        var image = FlowModels.Create(ModelConfig.Defaults("realnvp", new ImageShape(1, 8, 8)) with { Blocks = 1, Mid = 4 }, EngineBackend.Cpu, 1);
        Assert.Throws<ArgumentException>(() => FeatureFlowScorer.CheckDimension(image));
        FeatureFlowScorer.CheckDimension(FlowModels.Create(ModelConfig.Tabular(512, hidden: 8, layers: 1, couplings: 2), EngineBackend.Cpu, 1));

        string npz = _dir.File("fm_features_train.npz");
        string spec = $"fm={_dir.File("fm_features_{split}.npz")}";
        Assert.That(FeatureFlowScorer.RecordedInputSize(spec), Is.Null, "no key file");
        File.WriteAllText(FeatureCache.KeyPath(npz), "extractor: resnet18 abc preprocess def size 96 pool Global fold-bn True resize bilinear-v1\nimages: 3\n");
        Assert.That(FeatureFlowScorer.RecordedInputSize(spec), Is.EqualTo(96));
    }
}
