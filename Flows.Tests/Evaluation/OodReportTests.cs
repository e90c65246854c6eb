using System.Text.Json;
using Flows.Core.Evaluation;
using Flows.Tests.Checkpoints;

namespace Flows.Tests.Evaluation;

public class OodReportTests
{
    private static OodReport Sample() => new()
    {
        Model = "glow",
        Checkpoint = "runs/glow-fmnist/checkpoint.safetensors",
        Device = "cpu",
        Seed = 42,
        InDistribution = "FashionMNIST",
        Counts = new Dictionary<string, int> { ["FashionMNIST"] = 10000, ["MNIST"] = 10000, ["notMNIST"] = 18724 },
        Bpd = new Dictionary<string, double> { ["FashionMNIST"] = 2.9, ["MNIST"] = 1.8, ["notMNIST"] = double.NaN },
        Auroc = new Dictionary<string, double> { ["MNIST"] = 0.112, ["notMNIST"] = 0.95 },
        WallTimeSeconds = 12.5,
        HistogramFile = "histogram.png",
    };

    [Test]
    public void JsonHasTheExactKeysAndRoundTrips()
    {
        using var dir = new TempDir();
        string jsonPath = OodReportWriter.Write(dir.Path, Sample());

        using var doc = JsonDocument.Parse(File.ReadAllText(jsonPath));
        var keys = doc.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.That(keys, Is.SupersetOf(new[] { "auroc", "bpd", "model", "checkpoint", "device", "seed", "counts", "in_distribution" }));
        Assert.That(doc.RootElement.GetProperty("auroc").GetProperty("MNIST").GetDouble(), Is.EqualTo(0.112));
        Assert.That(doc.RootElement.GetProperty("bpd").GetProperty("notMNIST").ValueKind, Is.EqualTo(JsonValueKind.Null));

        var back = OodReportReader.Read(dir.Path);
        Assert.That(back.Model, Is.EqualTo("glow"));
        Assert.That(back.Seed, Is.EqualTo(42));
        Assert.That(back.InDistribution, Is.EqualTo("FashionMNIST"));
        Assert.That(back.Counts, Is.EquivalentTo(Sample().Counts));
        Assert.That(back.Auroc["notMNIST"], Is.EqualTo(0.95));
        Assert.That(back.Bpd["notMNIST"], Is.NaN);
        Assert.That(back.WallTimeSeconds, Is.EqualTo(12.5));
        Assert.That(back.HistogramFile, Is.EqualTo("histogram.png"));
    }

    [Test]
    public void MarkdownHasATableAndInterpretsAurocBelowOneHalf()
    {
        string md = OodReportWriter.ToMarkdown(Sample());
        Assert.That(md, Does.Contain("| FashionMNIST | in-distribution | 10000 | 2.900 | — |"));
        Assert.That(md, Does.Contain("| MNIST | OOD | 10000 | 1.800 | 0.112 |"));
        Assert.That(md, Does.Contain("MNIST: AUROC 0.112 < 0.5, so the flow prefers the OOD set"));
        Assert.That(md, Does.Not.Contain("notMNIST: AUROC 0.950 < 0.5"));
        Assert.That(md, Does.Contain("![log-likelihood histogram](histogram.png)"));
    }

    [Test]
    public void FeatureFlowSectionRoundTripsAndShowsBothAurocsPerPair()
    {
        var report = Sample() with
        {
            FeatureFlow = new FeatureFlowSummary
            {
                Extractor = "resnet18 at 64x64", Report = "../features/ood/report.json", TrainVectors = 10000, Steps = 1570,
                Auroc = new Dictionary<string, double> { ["MNIST"] = 0.991, ["notMNIST"] = 0.97 },
                Nll = new Dictionary<string, double> { ["FashionMNIST"] = -120.5 },
                EmbedSeconds = 80, FlowSeconds = 20,
            },
        };
        using var dir = new TempDir();
        OodReportWriter.Write(dir.Path, report);
        var back = OodReportReader.Read(dir.Path).FeatureFlow;
        Assert.That(back, Is.Not.Null);
        Assert.That(back!.Auroc, Is.EquivalentTo(report.FeatureFlow.Auroc));
        Assert.That(back.TrainVectors, Is.EqualTo(10000));
        Assert.That(back.Nll["FashionMNIST"], Is.EqualTo(-120.5));
        string md = OodReportWriter.ToMarkdown(report);
        Assert.That(md, Does.Contain("| FashionMNIST → MNIST | 0.112 | 0.991 |"));
        Assert.That(md, Does.Contain("| FashionMNIST → notMNIST | 0.950 | 0.970 |"));
        Assert.That(OodReportReader.Read(OodReportWriter.Write(dir.Path, Sample())).FeatureFlow, Is.Null, "a report without one reads back without one");
    }

    [Test]
    public void WriteCreatesBothFiles()
    {
        using var dir = new TempDir();
        string sub = Path.Combine(dir.Path, "eval");
        OodReportWriter.Write(sub, Sample());
        Assert.That(File.Exists(Path.Combine(sub, "report.json")) && File.Exists(Path.Combine(sub, "report.md")), Is.True);
    }

    [Test]
    public void ReaderNamesTheFileWhenAKeyIsMissing()
    {
        using var dir = new TempDir();
        string path = dir.File("report.json");
        File.WriteAllText(path, "{\"model\": \"glow\"}");
        Assert.That(() => OodReportReader.Read(path),
            Throws.TypeOf<InvalidDataException>().With.Message.Contains(path).And.Message.Contains("checkpoint"));
        Assert.That(() => OodReportReader.Read(dir.File("none.json")), Throws.TypeOf<FileNotFoundException>());
    }

    [Test]
    public void AurocForTheInDistributionSetIsRefused()
    {
        var bad = Sample() with { Auroc = new Dictionary<string, double> { ["FashionMNIST"] = 0.5 } };
        using var dir = new TempDir();
        Assert.That(() => OodReportWriter.Write(dir.Path, bad), Throws.ArgumentException);
    }
}
