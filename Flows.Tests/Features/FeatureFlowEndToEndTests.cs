using System.Text.Json;
using Flows.Core.Data;
using Flows.Core.Evaluation;
using Flows.Training.Experiments;
using Flows.Core.Features;
using Flows.Core.Training;
using Flows.Kernels.Cpu;
using Flows.Tests.Data;

namespace Flows.Tests.Features;

/// <summary>
/// The cure end to end on real images (docs/MODELS.md §2 E10): ResNet-18 embeddings of FashionMNIST, MNIST and
/// notMNIST, a tabular flow trained on the FashionMNIST ones, and its AUROC per OOD set, checked against the
/// scores it wrote. Small: 300 training images at input size 32.
/// </summary>
public sealed class FeatureFlowEndToEndTests
{
    [Test]
    public void FeatureFlowOnRealEmbeddingsGivesAurocsThatMatchItsScores()
    {
        var data = new DataOptions { DataDir = RealData.Folder(), Offline = true };
        using var dir = new TempFolder();
        using var backend = new ManagedCpuBackend();
        using var embedder = FeatureEmbedder.Open(backend, new ResNetFeatureOptions { InputSize = 32 }, Path.Combine(dir.Path, "cache"));
        var recipe = TrainingPresets.Get("features-tabular").Config;
        var plan = new FeatureFlowPlan
        {
            InDistribution = "fashionmnist", OodSets = ["mnist", "notmnist"],
            Config = recipe with { Epochs = 3, Model = recipe.Model with { Hidden = 32, Layers = 2, Couplings = 4 } },
            TrainLimit = 300, TestLimit = 100, OutputDirectory = Path.Combine(dir.Path, "run"),
        };
        var outcome = FeatureFlowExperiment.Run(backend, embedder, plan, (s, split) => DatasetLoader.Load(s, split, data), SilentObserver.Instance);

        Assert.That(outcome.Report.Data, Is.EqualTo("vectors"));
        Assert.That(outcome.Report.Counts, Is.EquivalentTo(new Dictionary<string, int> { ["fashionmnist/test"] = 100, ["mnist/test"] = 100, ["notmnist/test"] = 100 }));
        Assert.That(outcome.Summary.TrainVectors, Is.EqualTo(300));
        Assert.That(outcome.Training.State.GlobalStep, Is.EqualTo(3 * 5), "300 vectors at batch 64 = 5 steps per epoch");
        foreach (var (set, auroc) in outcome.Report.Auroc) Assert.That(auroc, Is.InRange(0.0, 1.0), set);
        using var json = JsonDocument.Parse(File.ReadAllText(outcome.ReportPath));
        Assert.That(json.RootElement.GetProperty("auroc").GetProperty("mnist/test").GetDouble(), Is.EqualTo(outcome.Summary.Auroc["mnist/test"]));
        Assert.That(File.Exists(FeatureCache.PathFor(Path.Combine(dir.Path, "cache"), "fashionmnist", DatasetSplit.Train)), Is.True);

        // Once more: every set now comes from the cache, and the same seed gives the same flow and AUROCs.
        var again = FeatureFlowExperiment.Run(backend, embedder, plan with { OutputDirectory = Path.Combine(dir.Path, "run2") },
            (s, split) => DatasetLoader.Load(s, split, data), SilentObserver.Instance);
        Assert.That(again.Summary.EmbedSeconds, Is.EqualTo(0), "nothing was embedded again");
        Assert.That(again.Report.Auroc, Is.EquivalentTo(outcome.Report.Auroc));
    }
}
