using Flows.Core.Flows;
using Flows.Kernels.Cpu;

namespace Flows.Tests.Flows;

/// <summary>
/// The size bounds that refuse absurd configurations before allocating: never above the truth (a refused model could
/// not have been built), close enough to it to matter, and computed without allocating.
/// </summary>
[TestFixture]
public sealed class ModelFootprintTests
{
    private static readonly object[] Configs =
    [
        ModelConfig.Defaults("realnvp", ImageShape.Parse("1x8x8")) with { Blocks = 2, Mid = 8 },
        ModelConfig.Defaults("realnvp", ImageShape.Parse("3x8x8")) with { Scales = 3, Blocks = 1, Mid = 4 },
        ModelConfig.Defaults("realnvp-resnetae", ImageShape.Parse("1x8x8")) with { Blocks = 2, Mid = 8, Latent = 6 },
        ModelConfig.Defaults("realnvp8", ImageShape.Parse("1x8x8")) with { Blocks = 2, Mid = 8 },
        ModelConfig.Defaults("realnvp-small", ImageShape.Parse("1x8x8")) with { Blocks = 3, Mid = 8 },
        ModelConfig.Defaults("horizontal3", ImageShape.Parse("1x8x8")) with { Blocks = 1, Mid = 8 },
        ModelConfig.Defaults("cyclemask", ImageShape.Parse("1x8x8")) with { Blocks = 1, Mid = 8 },
        ModelConfig.Defaults("glow", ImageShape.Parse("1x8x8")) with { K = 2, Mid = 8, Layers = 1 },
        ModelConfig.Defaults("glow", ImageShape.Parse("3x8x8")) with { Scales = 3, K = 3, Mid = 16, Layers = 2 },
        ModelConfig.Tabular(12, hidden: 16, layers: 2, couplings: 4),
        ModelConfig.Tabular(40, hidden: 8, layers: 1, couplings: 2),
    ];

    [TestCaseSource(nameof(Configs))]
    public void TheParameterBoundIsNeverAboveTheCountAndWithinAFactorOfIt(ModelConfig config)
    {
        using var backend = new ManagedCpuBackend();
        long actual = FlowModels.Create(config, backend, seed: 1).ParameterCount();
        double bound = ModelFootprint.MinimumParameters(config);
        Assert.That(bound, Is.LessThanOrEqualTo(actual));
        Assert.That(bound, Is.GreaterThan(actual / 6.0), $"bound {bound} of {actual}: too loose to refuse anything");
    }

    [Test]
    public void ThePaperRealNvpBoundIsCloseToItsChecksum()
    {
        // 14,707,336 parameters (docs/MODELS.md §4.11): the bound counts the residual blocks' and skips' weights.
        double bound = ModelFootprint.MinimumParameters(ModelConfig.Defaults("realnvp", ImageShape.Parse("1x28x28")));
        Assert.That(bound, Is.InRange(0.8 * 14_707_336, 14_707_336));
    }

    [TestCase("mid", 30000)]
    [TestCase("blocks", 100000)]
    [TestCase("scales", 12)]
    public void AConfigurationTooLargeForTheMachineIsRefusedWithoutAllocating(string key, int value)
    {
        var options = new Dictionary<string, string> { ["model"] = "realnvp", ["image"] = "3x4096x4096", [key] = value.ToString() };
        if (key != "scales") options["image"] = "1x28x28";
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ArgumentException>(() => ModelConfig.FromOptions(options))!;
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(1 << 20));
        Assert.That(e.Message, Does.Contain($"{key} {value}").And.Contain("parameters"));
    }

    [Test]
    public void AWeightLargerThanATensorIsRefusedEvenWhereMemoryWouldHoldIt()
    {
        var config = ModelConfig.Defaults("realnvp", ImageShape.Parse("1x28x28")) with { Mid = 20000 };
        var e = Assert.Throws<ArgumentException>(() => ModelFootprint.RequireParametersFit(config, "mid 20000", long.MaxValue))!;
        Assert.That(e.Message, Does.Contain("mid 20000").And.Contain("tensor"));
    }

    [Test]
    public void ATrainingBatchThatCannotFitNamesTheFlagAndTheLargestThatFits()
    {
        var config = ModelConfig.Defaults("realnvp", ImageShape.Parse("1x28x28")) with { Blocks = 1, Mid = 32 };
        double perSample = ModelFootprint.MinimumActivationsPerSample(config) * sizeof(float);
        long available = (long)(4 * ModelFootprint.MinimumParameters(config) * sizeof(float) + 100.5 * perSample);
        Assert.DoesNotThrow(() => ModelFootprint.RequireTrainingStepFits(config, 100, 50000, available));
        Assert.DoesNotThrow(() => ModelFootprint.RequireTrainingStepFits(config, 1_000_000, 80, available), "the batch is the set when the set is smaller");
        var e = Assert.Throws<ArgumentException>(() => ModelFootprint.RequireTrainingStepFits(config, 101, 50000, available))!;
        Assert.That(e.Message, Does.StartWith("--batch 101").And.Contain("use --batch 100 or less"));
    }

    [Test]
    public void AnEvaluationBatchThatCannotFitNamesTheFlag()
    {
        var config = ModelConfig.Defaults("realnvp", ImageShape.Parse("1x28x28")) with { Blocks = 1, Mid = 32 };
        var e = Assert.Throws<ArgumentException>(() => ModelFootprint.RequireEvaluationFits(config, 100_000_000, 10_000_000, 1L << 30))!;
        Assert.That(e.Message, Does.StartWith("--eval-batch 100000000").And.Contain("use --eval-batch"));
        Assert.DoesNotThrow(() => ModelFootprint.RequireEvaluationFits(config, 100_000_000, 100, 1L << 30));
    }

    [Test]
    public void TheTrainingBoundGrowsWithTheBatchAndTheEvaluationBoundIsBelowIt()
    {
        var config = ModelConfig.Defaults("glow", ImageShape.Parse("1x28x28"));
        double train = ModelFootprint.MinimumActivationsPerSample(config);
        Assert.That(train, Is.GreaterThan(0));
        Assert.Throws<ArgumentException>(() => ModelFootprint.RequireTrainingStepFits(config, 60000, 60000, 1L << 34));
        Assert.DoesNotThrow(() => ModelFootprint.RequireEvaluationFits(config, 64, 60000, 1L << 34));
    }
}
