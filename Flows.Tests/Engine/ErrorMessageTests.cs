using Flows.Core;
using Flows.Kernels;

namespace Flows.Tests.Engine;

/// <summary>A shape mismatch names the op and both shapes, so the user can find the layer.</summary>
[TestFixture]
public class ErrorMessageTests
{
    private static IComputeBackend B => EngineBackend.Cpu;

    private static void AssertNames(TestDelegate call, params string[] parts)
    {
        var error = Assert.Throws<ArgumentException>(call);
        foreach (var part in parts) Assert.That(error!.Message, Does.Contain(part));
    }

    [Test]
    public void ShapeMismatchesNameTheOpAndBothShapes()
    {
        using var scope = new TensorScope();
        var a = Tensor.Zeros(B, 2, 3);
        var b = Tensor.Zeros(B, 3, 2);
        AssertNames(() => Ops.Add(a, b), "Add", "[2, 3]", "[3, 2]");
        AssertNames(() => Ops.Mul(a, b), "Mul", "[2, 3]", "[3, 2]");
        AssertNames(() => Ops.MatMul(a, Tensor.Zeros(B, 2, 4)), "MatMul", "[2, 3]", "[2, 4]");
        AssertNames(() => Ops.Linear(a, Tensor.Zeros(B, 4, 2), null), "Linear", "[2, 3]", "[4, 2]");
        AssertNames(() => Ops.Conv2d(Tensor.Zeros(B, 1, 2, 4, 4), Tensor.Zeros(B, 3, 5, 3, 3), null, 1), "Conv2d", "[1, 2, 4, 4]", "[3, 5, 3, 3]");
        AssertNames(() => Ops.Channelwise(BinaryOp.Mul, a, Tensor.Zeros(B, 4)), "per channel", "[2, 3]", "[4]");
        AssertNames(() => Ops.Coupling(a, b, a, Tensor.Zeros(B, 3), null), "Coupling", "[2, 3]", "[3, 2]");
        AssertNames(() => Ops.Reshape(a, 4, 2), "Reshape", "[2, 3]", "[4, 2]");
        AssertNames(() => Ops.BatchNorm(a, Tensor.Zeros(B, 2), Tensor.Zeros(B, 3), Tensor.Zeros(B, 3), Tensor.Zeros(B, 3), true),
            "BatchNorm", "[2, 3]", "[2]");
    }

    [Test]
    public void SequentialRefusesModulesThatAreNotLayers()
    {
        var error = Assert.Throws<ArgumentException>(() => new Sequential(new Linear(B, new Random(1), 2, 2), new NotALayer(B)));
        Assert.That(error!.Message, Does.Contain("layer 1").And.Contain(nameof(NotALayer)));
    }

    private sealed class NotALayer(IComputeBackend backend) : Module(backend);
}
