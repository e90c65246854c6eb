using System.Globalization;
using System.Text.Json.Nodes;
using Flows.Core.Data;
using Flows.Core.Evaluation;
using Flows.Training.Experiments;
using Flows.Core.Features;
using Flows.Core.Training;
using Flows.Tests.Checkpoints;
using Flows.Tests.Engine;

namespace Flows.Tests.Inspection;

/// <summary>The E10 part of `flows experiments` (docs/MODELS.md §2 E10): plan, gray → colour conversion, optional sets, and a tiny end-to-end run.</summary>
[NonParallelizable]
public class FeatureExperimentsTests
{
    private const string E10Title = "## E10 — flows on semantic features";

    [Test]
    public void GrayImagesAreReplicatedToThreeChannelsAndZeroPaddedToThirtyTwo()
    {
        // Two 1×28×28 images with pixel value 1 + (y·28 + x) mod 250, the second shifted by 3.
        var pixels = new byte[2 * 28 * 28];
        for (int n = 0; n < 2; n++)
            for (int i = 0; i < 28 * 28; i++)
                pixels[n * 784 + i] = (byte)(1 + (i + 3 * n) % 250);
        var gray = new ImageDataset("mnist/test", pixels, [7, 9], 1, 28, 28);

        var color = ImageDatasetTransforms.ReplicateAndPad(gray, 3, 32, 32);

        Assert.That((color.Channels, color.Height, color.Width, color.Count), Is.EqualTo((3, 32, 32, 2)));
        Assert.That(color.Name, Is.EqualTo("mnist/test"));
        Assert.That(color.Labels, Is.EqualTo(new[] { 7, 9 }));
        for (int n = 0; n < 2; n++)
        {
            var image = color.Image(n);
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < 32; y++)
                    for (int x = 0; x < 32; x++)
                    {
                        bool inside = y is >= 2 and < 30 && x is >= 2 and < 30;
                        int expected = inside ? 1 + ((y - 2) * 28 + (x - 2) + 3 * n) % 250 : 0;
                        Assert.That(image[c * 1024 + y * 32 + x], Is.EqualTo(expected), $"image {n} channel {c} at ({y}, {x})");
                    }
        }
        Assert.That(ImageDatasetTransforms.ReplicateAndPad(color, 3, 32, 32), Is.SameAs(color), "same shape: unchanged");
        Assert.That(() => ImageDatasetTransforms.ReplicateAndPad(color, 1, 32, 32), Throws.ArgumentException.With.Message.Contains("3-channel"));
        Assert.That(() => ImageDatasetTransforms.ReplicateAndPad(gray, 3, 24, 24), Throws.ArgumentException.With.Message.Contains("do not fit"));
    }

    [Test]
    public void ModelsSplitIntoComparisonAndFeatureIds()
    {
        var (pixel, features) = FeaturePlan.Split(ExperimentScale.Cpu, ["realnvp", "Features-CIFAR10", "resnetae-l20"]);
        Assert.That(pixel, Is.EqualTo(new[] { "realnvp", "resnetae-l20" }));
        Assert.That(features, Is.EqualTo(new[] { "features-cifar10" }));

        var (all, both) = FeaturePlan.Split(ExperimentScale.Cpu, null);
        Assert.That(all, Is.Null, "no --models: the comparison's defaults");
        Assert.That(both, Is.EqualTo(new[] { "features-fashionmnist", "features-cifar10" }));

        var (none, only) = FeaturePlan.Split(ExperimentScale.Cpu, ["features-fashionmnist"]);
        Assert.That(none, Is.Empty, "only an E10 id: no comparison runs");
        Assert.That(only, Is.EqualTo(new[] { "features-fashionmnist" }));

        Assert.That(() => FeaturePlan.Split(ExperimentScale.Cpu, ["features-svhn"]),
            Throws.ArgumentException.With.Message.Contains("'features-svhn'").And.Message.Contains("features-cifar10"));
    }

    [Test]
    public void CifarRunTrainsItsOwnPixelFlowAtTheComparisonsSizesAndSkipsAbsentSets()
    {
        using var dir = new TempDir();
        var runs = FeaturePlan.Build(ExperimentScale.Cpu, FeaturePlan.Ids, ["mnist", "notmnist"], steps: 300, seed: 3, trainLimit: 500, testLimit: 100, dir.Path);

        var fashion = runs.Single(r => r.Id == FeaturePlan.FashionMnistId);
        Assert.That(fashion.PixelRun, Is.Null, "the FashionMNIST pairs reuse the comparison's realnvp");
        Assert.That(fashion.PixelRunId, Is.EqualTo("realnvp"));
        Assert.That(fashion.OodSets, Is.EqualTo(new[] { "mnist", "notmnist" }));
        Assert.That((fashion.TrainLimit, fashion.TestLimit, fashion.FeatureConfig.Seed), Is.EqualTo((500, 100, 3)));

        var cifar = runs.Single(r => r.Id == FeaturePlan.Cifar10Id);
        Assert.That(cifar.OodSets, Is.EqualTo(new[] { "fashionmnist", "mnist", "notmnist" }));
        Assert.That(cifar.Skipped.Select(s => s.Set), Is.EqualTo(new[] { "svhn", "celeba" }));
        Assert.That(cifar.Skipped[0].Reason, Does.Contain("test_32x32.mat").And.Contain(Path.Combine(dir.Path, "svhn")));
        var gray = ExperimentPlan.Build(ExperimentScale.Cpu, ["realnvp"], 300, 3, 100)[0].Config;
        var pixel = cifar.PixelRun!.Config;
        Assert.That(pixel.Dataset, Is.EqualTo("cifar10"));
        Assert.That(pixel.Model.Image.ToString(), Is.EqualTo("3x32x32"));
        Assert.That((pixel.Model.Name, pixel.Model.Blocks, pixel.Model.Mid, pixel.MaxSteps, pixel.BatchSize, pixel.LearningRate, pixel.Seed),
            Is.EqualTo((gray.Model.Name, gray.Model.Blocks, gray.Model.Mid, gray.MaxSteps, gray.BatchSize, gray.LearningRate, gray.Seed)));

        // Present files (checked by name only, nothing read or downloaded) put SVHN and CelebA in the OOD list.
        Directory.CreateDirectory(Path.Combine(dir.Path, "svhn"));
        File.WriteAllBytes(Path.Combine(dir.Path, "svhn", "test_32x32.mat"), []);
        Directory.CreateDirectory(Path.Combine(dir.Path, "celeba", "train", "x"));
        Directory.CreateDirectory(Path.Combine(dir.Path, "celeba", "test", "x"));
        var present = FeaturePlan.Build(ExperimentScale.Cpu, [FeaturePlan.Cifar10Id], ["mnist"], 10, 0, 0, 0, dir.Path).Single();
        Assert.That(present.OodSets, Is.EqualTo(new[] { "fashionmnist", "mnist", "notmnist", "svhn", "celeba" }));
        Assert.That(present.Skipped, Is.Empty);
    }

    [Test]
    public void TinyE10RunPutsPixelAndFeatureAurocsSideBySideInTheReport()
    {
        var data = new DataOptions { DataDir = ExperimentsTests.DataDir(), Offline = true };
        using var dir = new TempDir();
        var options = new ExperimentOptions
        {
            OutputDirectory = dir.File("runs"), ReportPath = dir.File("docs/REPRODUCTION.md"), FiguresDirectory = dir.File("docs/figures"),
            Data = data, EvalLimit = 24, EvalBatchSize = 24, FigureImages = [("fashionmnist", 4)], Invocation = "test",
        };
        var tiny = new Func<TrainingConfig, TrainingConfig>(c =>
            c with { Model = c.Model with { Blocks = 1, Mid = 4 }, EvalBatchSize = 24, TrainLimit = 64 });
        var plan = ExperimentPlan.Build(ExperimentScale.Cpu, ["realnvp"], steps: 2, seed: 1, testLimit: 24)
            .Select(r => r with { Config = tiny(r.Config) }).ToList();
        // 48 training and 24 test images per set: 192 embeddings at 32×32 (the FashionMNIST test set and MNIST/notMNIST are
        // embedded once and come from the cache for CIFAR-10's OOD list).
        var features = FeaturePlan.Build(ExperimentScale.Cpu, FeaturePlan.Ids, options.OodSets, steps: 2, seed: 1, trainLimit: 48, testLimit: 24, data.DataDir!)
            .Select(f => f with
            {
                PixelRun = f.PixelRun is { } p ? p with { Config = tiny(p.Config) } : null,
                FeatureConfig = f.FeatureConfig with { Epochs = 2 },
            }).ToList();
        using var embedder = FeatureEmbedder.Open(EngineBackend.Cpu, new ResNetFeatureOptions { InputSize = 32 }, dir.File("runs/features"));

        var (comparison, results) = new ExperimentRunner(EngineBackend.Cpu, options).Run(plan, new FeaturePart(features, embedder));

        Assert.That(results.Select(r => r.Run.Id), Is.EqualTo(new[] { "features-fashionmnist", "features-cifar10" }));
        var md = File.ReadAllText(options.ReportPath);
        Assert.That(md, Does.Contain(E10Title));
        Assert.That(md, Does.Contain("| in-distribution | OOD set | pixel flow | pixel AUROC | feature AUROC | feature > pixel | feature ≥ 0.8 |"));
        Assert.That(md, Does.Contain("extractor ResNet-18 (ImageNet, ONNX) at 32x32"));
        Assert.That(md, Does.Contain("svhn skipped").And.Contain("celeba skipped"));
        Assert.That(md, Does.Contain("Flows on semantic features separate the sets better than flows on pixels"));
        Assert.That(md.IndexOf(E10Title, StringComparison.Ordinal), Is.LessThan(md.IndexOf("## Figures", StringComparison.Ordinal)));

        var realnvp = comparison.Single();
        foreach (var r in results)
        {
            Assert.That(r.Features.Summary.TrainVectors, Is.EqualTo(48), r.Run.Id);
            Assert.That(r.Features.Report.Counts.Values, Is.All.EqualTo(24), r.Run.Id);
            // The table's numbers are the runs' own reports, as written to disk.
            var featureReport = OodReportJson(r.Features.ReportPath);
            var pixelReport = OodReportJson(r.Pixel.ReportPath!);
            if (r.Run.PixelRun is null)
                Assert.That(r.Pixel.ReportPath, Is.EqualTo(Path.Combine(realnvp.Directory, "ood", "report.json")));
            else
                Assert.That(r.Pixel.Steps, Is.EqualTo(2));
            foreach (var ood in r.Run.OodSets)
            {
                double pixelAuroc = Lookup(pixelReport, ood), featureAuroc = Lookup(featureReport, ood);
                Assert.That(double.IsFinite(pixelAuroc) && double.IsFinite(featureAuroc), $"{r.Run.Id} {ood}");
                string row = string.Create(CultureInfo.InvariantCulture, $"| {r.Run.InDistribution} | {ood} | {r.Pixel.RunId} | {pixelAuroc:F3} | {featureAuroc:F3} | ");
                Assert.That(md, Does.Contain(row));
            }
            Assert.That(File.Exists(Path.Combine(r.Directory, "run.json")), r.Run.Id);
        }
        Assert.That(results[1].Pairs.Select(p => p.Ood), Is.EqualTo(new[] { "fashionmnist", "mnist", "notmnist" }));

        // The claim verdicts follow the pairs' numbers (never a fixed answer).
        var pairs = results.SelectMany(r => r.Pairs).ToList();
        Assert.That(md, Does.Contain("pair by pair (§8, E10)** — " + Verdict(pairs.Count, pairs.Count(p => p.FeatureAuroc > p.PixelAuroc)) + "."));
        Assert.That(md, Does.Contain("for all pairs\")** — " + Verdict(pairs.Count, pairs.Count(p => p.FeatureAuroc >= 0.8)) + "."));
        Assert.That(realnvp.Ood.Auroc.Keys.Select(k => k.Split('/')[0]), Is.EquivalentTo(results[0].Pairs.Select(p => p.Ood)));
    }

    private static string Verdict(int total, int ok) =>
        ok == total ? "agrees" : ok == 0 ? "does not agree" : $"partly agrees ({ok} of {total})";

    private static JsonNode OodReportJson(string path) => JsonNode.Parse(File.ReadAllText(path))!;

    private static double Lookup(JsonNode report, string set)
    {
        foreach (var (key, value) in report["auroc"]!.AsObject())
            if (key == set || key.StartsWith(set + "/", StringComparison.Ordinal))
                return (double)value!;
        return double.NaN;
    }
}
