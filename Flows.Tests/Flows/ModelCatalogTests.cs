using Flows.Core.Flows;
using Flows.Core.Training;
using Flows.Tests.Engine;
using Flows.Training.Experiments;

namespace Flows.Tests.Flows;

/// <summary>One catalogue of model and st-network names: each declared once, and every reader goes through it.</summary>
public class ModelCatalogTests
{
    [Test]
    public void NamesAreUniqueAndInTheirPublishedOrder()
    {
        Assert.That(ModelCatalog.Names, Is.EqualTo(new[]
            { "realnvp", "realnvp8", "realnvp-small", "horizontal", "horizontal3", "cyclemask", "glow", "realnvp-resnetae", "realnvp-ae", "tabular" }));
        Assert.That(StNetworkCatalog.Names, Is.EqualTo(new[] { "resnet", "resnet_ae", "autoencoder", "highway", "mlp" }));
        Assert.That(ModelConfig.ModelNames, Is.SameAs(ModelCatalog.Names));
        Assert.That(ModelCatalog.All.Select(k => k.Description), Is.All.Not.Empty);
        Assert.That(StNetworkCatalog.All.Select(k => k.Description), Is.All.Not.Empty);
    }

    [TestCaseSource(typeof(ModelCatalog), nameof(ModelCatalog.Names))]
    public void EveryModelsDefaultsNameItAndUseAKnownStNetwork(string name)
    {
        var kind = ModelCatalog.Get(name);
        var config = kind.Defaults(new ImageShape(1, 28, 28));
        Assert.That(config.Name, Is.EqualTo(name));
        Assert.That(StNetworkCatalog.Find(config.StType), Is.Not.Null);
        Assert.That(kind.RequiredSizes.Select(config.Size), Is.All.GreaterThan(0));
        Assert.That(() => config.Validate(), Throws.Nothing);
    }

    [Test]
    public void AnUnknownNameIsOneErrorListingEveryValidName()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelConfig.Defaults("realnvp9", new ImageShape(1, 28, 28)))!;
        Assert.That(e.Message, Does.StartWith("unknown model 'realnvp9'; known models: "));
        foreach (var name in ModelCatalog.Names) Assert.That(e.Message, Does.Contain(name));

        var config = ModelConfig.Defaults("realnvp", new ImageShape(1, 28, 28));
        var st = Assert.Throws<ArgumentException>(() => (config with { StType = "resnet-ae" }).Validate())!;
        foreach (var name in StNetworkCatalog.Names) Assert.That(st.Message, Does.Contain(name));

        // The tabular MLP has no image builder: the message lists the st-networks an image coupling can use.
        var mlp = Assert.Throws<ArgumentException>(() => FlowModels.Create(config with { StType = "mlp", Blocks = 1, Mid = 4 }, EngineBackend.Cpu, 0))!;
        Assert.That(mlp.Message, Does.Contain("does not apply to image models; use resnet, resnet_ae, autoencoder, highway"));
    }

    [Test]
    public void RequiredSizesAreCheckedFromTheCatalogue()
    {
        var glow = ModelConfig.Defaults("glow", new ImageShape(1, 28, 28));
        Assert.That(() => (glow with { K = 0 }).Validate(), Throws.ArgumentException.With.Message.EqualTo("model option 'K' of 'glow' must be at least 1, got 0"));
        Assert.That(() => (glow with { Blocks = 0 }).Validate(), Throws.Nothing, "Glow has no residual blocks");
        var tabular = ModelConfig.Tabular(8);
        Assert.That(() => (tabular with { Hidden = 0 }).Validate(), Throws.ArgumentException.With.Message.Contains("'hidden' of 'tabular'"));
        var bottleneck = ModelConfig.Defaults("realnvp-resnetae", new ImageShape(1, 28, 28));
        Assert.That(() => (bottleneck with { Latent = 0 }).Validate(), Throws.ArgumentException.With.Message.Contains("'latent' of 'realnvp-resnetae' (resnet_ae st-network)"));
    }

    [Test]
    public void PaperTrainingDefaultsComeFromTheCatalogue()
    {
        var image = new ImageShape(1, 28, 28);
        var realnvp = TrainingConfig.PaperDefaults(ModelConfig.Defaults("realnvp", image));
        Assert.That((realnvp.Optimizer, realnvp.DecayGroups, realnvp.LearningRate, realnvp.BatchSize, realnvp.SampleCount), Is.EqualTo(("adam", "weight_g", 5e-5, 32, 16)));
        var glow = TrainingConfig.PaperDefaults(ModelConfig.Defaults("glow", image));
        Assert.That((glow.Optimizer, glow.DecayGroups, glow.LearningRate, glow.BatchSize), Is.EqualTo(("rmsprop", "all", 5e-5, 32)));
        var tabular = TrainingConfig.PaperDefaults(ModelConfig.Tabular(16));
        Assert.That((tabular.Optimizer, tabular.DecayGroups, tabular.LearningRate, tabular.BatchSize, tabular.SampleCount), Is.EqualTo(("adam", "all", 1e-3, 64, 0)));
    }

    [Test]
    public void TheComparisonTrainsOnlyCatalogueModels()
    {
        foreach (var m in ExperimentModel.All) Assert.That(ModelCatalog.Find(m.Model), Is.Not.Null, m.Model);
        Assert.That(() => ExperimentModel.Get("tabular"), Throws.ArgumentException.With.Message.Contains("does not train model 'tabular'"));
        var plan = ExperimentPlan.Build(ExperimentScale.Cpu, null, 1, 0, 0);
        Assert.That(plan.Where(ExperimentPlan.MeasuresCoAdaptation).Select(r => r.Id), Is.EqualTo(new[] { "horizontal3", "horizontal" }));
    }
}
