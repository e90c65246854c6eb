using Flows.Core;
using Flows.Core.Flows;
using Flows.Kernels.Cpu;

namespace Flows.Tests.Flows;

/// <summary>Bad inputs and numerical trouble end in an error that names the layer and the shapes.</summary>
[TestFixture]
public sealed class ValidationTests
{
    private ManagedCpuBackend _backend = null!;

    [OneTimeSetUp] public void SetUp() => _backend = new ManagedCpuBackend();
    [OneTimeTearDown] public void TearDown() => _backend.Dispose();

    [Test]
    public void WrongImageShapeNamesModelAndShapes()
    {
        var model = FlowModels.Create(FlowTestKit.Small("realnvp", "1x8x8"), _backend, 1);
        using var scope = new TensorScope();
        var ex = Assert.Throws<ArgumentException>(() => model.Forward(Tensor.Zeros(_backend, 2, 3, 8, 8)));
        Assert.That(ex!.Message, Does.Contain("realnvp").And.Contain("[N, 1, 8, 8]").And.Contain("[2, 3, 8, 8]"));
    }

    [Test]
    public void OddWidthThatCannotBeSqueezedIsRefusedAtConstruction()
    {
        var ex = Assert.Throws<ArgumentException>(() => FlowModels.Create(FlowTestKit.Small("realnvp", "1x27x27"), _backend, 1));
        Assert.That(ex!.Message, Does.Contain("27"));
        Assert.Throws<ArgumentException>(() => FlowModels.Create(FlowTestKit.Small("glow", "1x6x6"), _backend, 1));
    }

    [Test]
    public void SqueezeLayerNamesItselfForOddInputs()
    {
        var layer = new Squeeze(_backend);
        layer.AssignNames();
        using var scope = new TensorScope();
        var ex = Assert.Throws<ArgumentException>(() => layer.Forward(Tensor.Zeros(_backend, 1, 1, 3, 4)));
        Assert.That(ex!.Message, Does.Contain("Squeeze").And.Contain("[1, 3, 4]"));
    }

    [Test]
    public void AutoencoderBottleneckRefusesWidthsBelow14()
    {
        // Color RealNVP reaches 8×8 at its third scale.
        var ex = Assert.Throws<ArgumentException>(() => FlowModels.Create(ModelConfig.Defaults("realnvp-ae", new ImageShape(3, 32, 32)), _backend, 1));
        Assert.That(ex!.Message, Does.Contain("14").And.Contain("8"));
    }

    [Test]
    public void NaNInTheScaleRaisesNamingTheLayer()
    {
        var model = FlowModels.Create(FlowTestKit.Small("realnvp", "1x8x8"), _backend, 1);
        model.Eval();
        var (name, parameter) = model.NamedParameters().First(p => p.Name.StartsWith("body.2.") && p.Name.EndsWith("out_conv.bias"));
        parameter.CopyFrom(Enumerable.Repeat(float.NaN, parameter.Length).ToArray());
        using var scope = new TensorScope();
        var ex = Assert.Throws<NumericalException>(() => model.Forward(Tensor.Uniform(_backend, 1, 0, 2, 1, 8, 8)));
        TestContext.Out.WriteLine($"{name}: {ex!.Message}");
        Assert.That(ex.Message, Does.Contain("body.2").And.Contain("[2, 1, 8, 8]"));
    }

    [Test]
    public void WrongLatentSizeIsRefused()
    {
        var model = FlowModels.Create(FlowTestKit.Small("glow", "1x4x4"), _backend, 1);
        using var scope = new TensorScope();
        var ex = Assert.Throws<ArgumentException>(() => model.Inverse(Tensor.Zeros(_backend, 2, 15)));
        Assert.That(ex!.Message, Does.Contain("[N, 16]").And.Contain("[2, 15]"));
    }
}
