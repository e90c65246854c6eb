using System.Text.Json.Nodes;
using Flows.Core.Data;
using Flows.Tests.Checkpoints;
using Flows.Training.Experiments;

namespace Flows.Tests.Inspection;

/// <summary>`flows experiments` on any pair (--in, --ood) and where it writes (--out; docs/ only with --write-docs).</summary>
[NonParallelizable]
public class ExperimentsPairTests
{
    // A co-adaptation model at cpu scale (3 couplings, 1 block, 16 channels): 2 steps and 16 images per set take seconds.
    private static string[] Tiny(string data, string outDir, params string[] more) =>
        ["experiments", "--models", "horizontal3", "--steps", "2", "--eval-limit", "16", "--data-dir", data, "--offline", "--out", outDir, .. more];

    [Test]
    public void ANonDefaultPairTrainsOnTheInSetAndWritesEverythingUnderOutOnly()
    {
        string data = ExperimentsTests.DataDir();
        using var cwd = new TempDir();
        string before = Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(cwd.Path);
        try
        {
            var (code, output, error) = App.App.Run(Tiny(data, "out", "--in", "mnist", "--ood", "fashionmnist"));
            Assert.That(code, Is.EqualTo(0), error + output);

            Assert.That(Directory.Exists(cwd.File("docs")), Is.False, "the current folder's docs/ is not written by default");
            Assert.That(Directory.GetFileSystemEntries(cwd.Path).Select(Path.GetFileName), Is.EqualTo(new[] { "out" }));
            var run = JsonNode.Parse(File.ReadAllText(cwd.File("out/horizontal3/run.json")))!;
            Assert.That((string)run["training"]!["dataset"]!, Is.EqualTo("mnist"));
            Assert.That(run["auroc"]!.AsObject().Select(kv => kv.Key), Is.EqualTo(new[] { "fashionmnist/test" }));
            Assert.That((int)run["counts"]!["mnist/test"]!, Is.EqualTo(16));

            var md = File.ReadAllText(cwd.File("out/REPRODUCTION.md"));
            Assert.That(md, Does.Contain("| run | mnist bits/dim | fashionmnist bits/dim | AUROC fashionmnist |"));
            Assert.That(md, Does.Contain("Every model is trained on mnist"));
            Assert.That(md, Does.Not.Contain("official notebook, Glow"), "the notebook's FashionMNIST numbers belong to the paper's pair only");
            foreach (var image in System.Text.RegularExpressions.Regex.Matches(md, @"!\[[^\]]*\]\(([^)]+)\)").Select(m => m.Groups[1].Value))
                Assert.That(File.Exists(Path.Combine(cwd.File("out"), image)), $"{image} is referenced but missing");
        }
        finally
        {
            Directory.SetCurrentDirectory(before);
        }
    }

    [Test]
    public void WriteDocsAlsoWritesTheReportAndItsFiguresWhereAsked()
    {
        string data = ExperimentsTests.DataDir();
        using var dir = new TempDir();
        string docs = dir.File("docs/REPRODUCTION.md");
        var (code, output, error) = App.App.Run(Tiny(data, dir.File("runs"), "--write-docs", docs));
        Assert.That(code, Is.EqualTo(0), error + output);

        Assert.That(File.Exists(dir.File("runs/REPRODUCTION.md")), "the report under --out is always written");
        var md = File.ReadAllText(docs);
        Assert.That(md, Does.Contain("| run | fashionmnist bits/dim | mnist bits/dim | notmnist bits/dim |"));
        var images = System.Text.RegularExpressions.Regex.Matches(md, @"!\[[^\]]*\]\(([^)]+)\)").Select(m => m.Groups[1].Value).ToList();
        Assert.That(images, Is.Not.Empty);
        foreach (var image in images)
        {
            Assert.That(image, Does.StartWith("figures/"));
            Assert.That(File.Exists(Path.Combine(dir.File("docs"), image)), $"{image} is referenced but missing beside --write-docs");
        }
    }

    [TestCase(new[] { "--ood", "mnist,fashionmnist" }, "--ood lists the in-distribution set 'fashionmnist'")]
    [TestCase(new[] { "--in", " " }, "--in needs a data set name")]
    [TestCase(new[] { "--figures", "figs" }, "--figures places the figures of --write-docs' report")]
    [TestCase(new[] { "--in", "mnist", "--ood", "fashionmnist", "--models", "realnvp,features-fashionmnist" }, "--models features-fashionmnist compares with the fashionmnist comparison")]
    [TestCase(new[] { "--in", "cifar10", "--ood", "mnist", "--steps", "1" }, "--ood mnist/test is 1x28x28 but --in cifar10 is 3x32x32")]
    public void ABadPairOrOutputEndsInOneLineAndExitCodeTwo(string[] args, string message)
    {
        string data = ExperimentsTests.DataDir();
        using var dir = new TempDir();
        var (code, _, error) = App.App.Run(["experiments", "--data-dir", data, "--offline", "--out", dir.File("runs"), .. args]);
        Assert.That(code, Is.EqualTo(2), error);
        Assert.That(error, Does.Contain(message));
        // Progress lines (data loading) may come first; the error is one line and the last, with no stack trace.
        var lines = error.Trim().Split('\n');
        Assert.That(lines[^1], Does.StartWith("error: ").And.Contain(message), error);
        Assert.That(lines.Count(l => l.StartsWith("error", StringComparison.Ordinal) || l.TrimStart().StartsWith("at ", StringComparison.Ordinal)), Is.EqualTo(1), error);
    }

    [Test]
    public void PairAndOutputRulesWithoutData()
    {
        var pair = ExperimentPair.Create(" MNIST ", ["FashionMNIST", "notmnist"]);
        Assert.That(pair.InDistribution, Is.EqualTo("mnist"));
        Assert.That(pair.OodSets, Is.EqualTo(new[] { "fashionmnist", "notmnist" }));
        Assert.That(pair.FigureImages, Is.EqualTo(new[] { ("mnist", 4), ("fashionmnist", 10) }));
        Assert.That(ExperimentPair.Default.FigureImages, Is.EqualTo(new[] { ("fashionmnist", 4), ("mnist", 10) }), "the paper's figure images");

        var plain = ExperimentOutput.Create("runs/x", null, null);
        Assert.That(plain.Docs, Is.Null);
        Assert.That(plain.Report, Is.EqualTo(Path.Combine("runs/x", "REPRODUCTION.md")));
        var docs = ExperimentOutput.Create("runs/x", "docs/REPRODUCTION.md", null);
        Assert.That(docs.Docs!.Figures, Is.EqualTo(Path.Combine(Path.GetFullPath("docs"), "figures")));
        Assert.That(() => ExperimentOutput.Create("runs/x", "", null), Throws.ArgumentException.With.Message.Contains("--write-docs needs a file path"));
    }

    [Test]
    public void ThePlanTrainsOnTheGivenSetAndSizesModelsForItsShape()
    {
        var plan = ExperimentPlan.Build(ExperimentScale.Cpu, ["realnvp", "glow"], 5, 0, 10, "cifar10", new global::Flows.Core.Flows.ImageShape(3, 32, 32));
        Assert.That(plan.Select(r => r.Config.Dataset), Is.All.EqualTo("cifar10"));
        Assert.That(plan.Select(r => r.Config.Model.Image.ToString()), Is.All.EqualTo("3x32x32"));
        Assert.That(plan[0].Config.Model.Scales, Is.EqualTo(3), "colour RealNVP: 3 scales");
    }
}
