using System.Text.Json.Nodes;
using Flows.Core.Data;
using Flows.Training.Experiments;
using Flows.Tests.Checkpoints;
using Flows.Tests.Engine;

namespace Flows.Tests.Inspection;

/// <summary>The comparison's orchestration end to end on a tiny budget: 2 models × 3 steps, 64 test images per set.</summary>
[NonParallelizable]
public class ExperimentsTests
{
    internal static string DataDir()
    {
        var value = Environment.GetEnvironmentVariable(DataDirectory.EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(value))
            Assert.Ignore("FLOWS_DATA is not set; set it to the folder of real data sets (CI uses ../shared/data)");
        var candidates = new[] { Directory.GetCurrentDirectory(), TestContext.CurrentContext.TestDirectory }
            .SelectMany(d => Ancestors(new DirectoryInfo(d))).Select(d => Path.GetFullPath(Path.Combine(d, value)));
        return candidates.FirstOrDefault(d => Directory.Exists(Path.Combine(d, "mnist")))
            ?? throw new DirectoryNotFoundException($"FLOWS_DATA={value} does not lead to a folder with mnist/");
    }

    private static IEnumerable<string> Ancestors(DirectoryInfo? d)
    {
        for (; d is not null; d = d.Parent) yield return d.FullName;
    }

    [Test]
    public void TinyComparisonWritesRunsAndAReproductionReportWithTables()
    {
        var data = new DataOptions { DataDir = DataDir(), Offline = true };
        using var dir = new TempDir();
        var options = new ExperimentOptions
        {
            OutputDirectory = dir.File("runs"), ReportPath = dir.File("docs/REPRODUCTION.md"), FiguresDirectory = dir.File("docs/figures"),
            Data = data, EvalLimit = 64, EvalBatchSize = 64, FigureImages = [("fashionmnist", 4), ("mnist", 10)],
            Invocation = "test",
        };
        var plan = ExperimentPlan.Build(ExperimentScale.Cpu, ["realnvp", "horizontal3"], steps: 3, seed: 1, testLimit: 64)
            .Select(r => r with { Config = r.Config with { Model = r.Config.Model with { Blocks = 1, Mid = 4 }, EvalBatchSize = 64 } })
            .ToList();
        var runner = new ExperimentRunner(EngineBackend.Cpu, options);
        var results = runner.Run(plan);

        Assert.That(results.Select(r => r.Steps), Is.All.EqualTo(3));
        foreach (var r in results)
        {
            Assert.That(File.Exists(Path.Combine(r.Directory, "checkpoint.safetensors")), r.Run.Id);
            Assert.That(File.Exists(Path.Combine(r.Directory, "metrics.json")), r.Run.Id);
            var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(r.Directory, "run.json")))!;
            Assert.That((int)summary["steps"]!, Is.EqualTo(3));
            Assert.That(summary["auroc"]!.AsObject().Count, Is.EqualTo(2));
            Assert.That(r.Ood.Counts.Values, Is.All.EqualTo(64));
        }
        Assert.That(results[1].CoAdaptation, Is.Not.Null, "horizontal3 measures co-adaptation");

        var md = File.ReadAllText(options.ReportPath);
        Assert.That(md, Does.Contain("| run | fashionmnist bits/dim | mnist bits/dim | notmnist bits/dim | AUROC mnist | AUROC notmnist |"));
        Assert.That(md, Does.Contain("| realnvp | "));
        Assert.That(md, Does.Contain("| horizontal3 | "));
        Assert.That(md, Does.Contain("official notebook, Glow"));
        Assert.That(md, Does.Contain("Flows trained on FashionMNIST give MNIST the higher likelihood"));
        Assert.That(md, Does.Contain("## Co-adaptation (E6)"));
        var images = System.Text.RegularExpressions.Regex.Matches(md, @"!\[[^\]]*\]\(([^)]+)\)").Select(m => m.Groups[1].Value).ToList();
        Assert.That(images, Is.Not.Empty);
        foreach (var image in images)
            Assert.That(File.Exists(Path.Combine(dir.File("docs"), image)), $"{image} is referenced but missing");
    }

    [Test]
    public void StepBudgetSharesWhatIsLeftAfterEvaluation()
    {
        // Two runs at 1 s and 3 s per step, batch 32, 960 eval images: evaluation ≈ (1 + 3)/96·960 = 40 s.
        Assert.That(StepBudget.Steps([1.0, 3.0], 32, [960, 960], 440), Is.EqualTo(100));
        Assert.That(StepBudget.EvalImages(100, 2, coAdaptation: false), Is.EqualTo(100 * 7 + StepBudget.FigureImages));
    }

    [Test]
    public void PlanKnowsThePaperModelsAndRejectsOthers()
    {
        var cpu = ExperimentPlan.Build(ExperimentScale.Cpu, null, 10, 0, 100);
        Assert.That(cpu.Select(r => r.Id), Is.EqualTo(new[] { "realnvp", "glow", "horizontal3", "realnvp8", "horizontal", "cyclemask", "resnetae-l10", "resnetae-l50" }));
        Assert.That(cpu.Select(r => r.Config.MaxSteps), Is.All.EqualTo(10));
        Assert.That(cpu.Select(r => r.Config.Seed), Is.All.EqualTo(0));
        var paper = ExperimentPlan.Build(ExperimentScale.Paper, ["realnvp", "glow", "resnetae-l100"], 0, 0, 0);
        Assert.That(paper[0].Config.Model.Blocks, Is.EqualTo(6));
        Assert.That(paper[0].Config.Epochs, Is.EqualTo(82));
        Assert.That(paper[1].Config.Epochs, Is.EqualTo(152));
        Assert.That(paper[1].Config.Optimizer, Is.EqualTo("rmsprop"));
        Assert.That(paper[2].Config.Model.Latent, Is.EqualTo(100));
        Assert.That(() => ExperimentPlan.Build(ExperimentScale.Cpu, ["nope"], 1, 0, 0), Throws.ArgumentException.With.Message.Contains("nope"));
    }
}
