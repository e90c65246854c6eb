using Flows.Core.Flows;
using Flows.Kernels.Cpu;

namespace Flows.Tests.Flows;

/// <summary>The parameter-count checksums of docs/MODELS.md §4.11: they pin every layer's shape to the original code's.</summary>
[TestFixture]
public sealed class ParameterCountTests
{
    private ManagedCpuBackend _backend = null!;

    [OneTimeSetUp] public void SetUp() => _backend = new ManagedCpuBackend();
    [OneTimeTearDown] public void TearDown() => _backend.Dispose();

    [TestCase("realnvp", "1x28x28", 0, 0, 14_707_336L)]
    [TestCase("realnvp", "3x32x32", 0, 0, 87_859_080L)]
    [TestCase("glow", "1x28x28", 0, 0, 69_378_048L)]
    [TestCase("glow", "3x32x32", 0, 0, 208_932_480L)]
    [TestCase("cyclemask", "1x28x28", 6, 0, 3_809_344L)]
    [TestCase("cyclemask", "1x28x28", 8, 0, 5_063_744L)]
    [TestCase("cyclemask", "3x32x32", 8, 0, 5_084_352L)]
    [TestCase("realnvp-resnetae", "1x28x28", 0, 10, 20_652_396L)]
    [TestCase("realnvp-resnetae", "1x28x28", 0, 50, 46_744_316L)]
    [TestCase("realnvp-resnetae", "1x28x28", 0, 100, 79_359_216L)]
    public void ImageModelsMatchThePaperCode(string name, string image, int blocks, int latent, long expected)
    {
        var config = ModelConfig.Defaults(name, ImageShape.Parse(image));
        if (blocks > 0) config = config with { Blocks = blocks };
        if (latent > 0) config = config with { Latent = latent };
        Assert.That(Count(config), Is.EqualTo(expected));
    }

    [TestCase(1792, 64, 8, 8, 3_076_608L)]
    [TestCase(50, 256, 1, 8, 837_184L)]
    [TestCase(15, 256, 1, 8, 621_024L)]
    public void TabularModelsMatchThePaperCode(int dim, int hidden, int layers, int couplings, long expected) =>
        Assert.That(Count(ModelConfig.Tabular(dim, hidden, layers, couplings)), Is.EqualTo(expected));

    private long Count(ModelConfig config)
    {
        var model = FlowModels.Create(config, _backend, seed: 1);
        long count = model.ParameterCount();
        // The largest models hold up to 0.8 GB of parameters: let them go before the next case.
        model = null;
        GC.Collect();
        return count;
    }
}
