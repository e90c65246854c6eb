using Flows.Core;
using Flows.Kernels;

namespace Flows.Tests.Engine;

/// <summary>The tape's contract: what is recorded, where gradients land, and the errors Backward gives.</summary>
[TestFixture]
public class AutogradTests
{
    private static IComputeBackend B => EngineBackend.Cpu;

    [Test]
    public void NoGradRecordsNothing()
    {
        var p = Parameter.From(B, [1f, 2f, 3f], 3);
        using var scope = new TensorScope();
        Tensor y;
        using (Autograd.NoGrad())
        {
            Assert.That(Autograd.IsRecording, Is.False);
            y = Ops.Sum(Ops.Mul(p, p));
        }
        Assert.That(Autograd.IsRecording, Is.True);
        Assert.That(y.TracksGrad, Is.False);
        var error = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.That(error!.Message, Does.Contain("does not depend"));
        Assert.That(p.Grad, Is.Null);
    }

    [Test]
    public void NoGradScopesNest()
    {
        using (Autograd.NoGrad())
        {
            using (Autograd.NoGrad()) Assert.That(Autograd.IsRecording, Is.False);
            Assert.That(Autograd.IsRecording, Is.False);
        }
        Assert.That(Autograd.IsRecording, Is.True);
    }

    [Test]
    public void BackwardOnANonScalarSaysSoWithTheShape()
    {
        var p = Parameter.From(B, [1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        using var scope = new TensorScope();
        var y = Ops.Square(p);
        var error = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.That(error!.Message, Does.Contain("one-element").And.Contain("[2, 3]"));
    }

    [Test]
    public void GradientsAccumulateAcrossBackwardCallsUntilZeroGrad()
    {
        var p = Parameter.From(B, [1f, -2f], 2);
        using (new TensorScope()) Ops.Sum(Ops.Square(p)).Backward();
        Assert.That(p.Grad!.ToArray(), Is.EqualTo(new[] { 2f, -4f }));
        using (new TensorScope()) Ops.Sum(Ops.Scale(p, 3f)).Backward();
        Assert.That(p.Grad!.ToArray(), Is.EqualTo(new[] { 5f, -1f }));
        p.ZeroGrad();
        Assert.That(p.Grad, Is.Null);
    }

    [Test]
    public void ASecondBackwardThroughTheSameGraphSaysTheGraphWasUsed()
    {
        var p = Parameter.From(B, [1f, 2f], 2);
        using var scope = new TensorScope();
        var loss = Ops.Sum(Ops.Square(p));
        loss.Backward();
        var error = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.That(error!.Message, Does.Contain("already used"));
    }

    [Test]
    public void ConstantsGetNoGradient()
    {
        var p = Parameter.From(B, [1f, 2f], 2);
        var constant = Tensor.FromArray(B, [3f, 4f], 2);
        using var scope = new TensorScope();
        Ops.Sum(Ops.Mul(p, constant)).Backward();
        Assert.That(p.Grad!.ToArray(), Is.EqualTo(new[] { 3f, 4f }));
        Assert.That(constant.Grad, Is.Null);
        Assert.That(constant.TracksGrad, Is.False);
    }

    [Test]
    public void DeepChainsDoNotOverflowTheStack()
    {
        var p = Parameter.From(B, [0.5f], 1);
        using var scope = new TensorScope();
        Tensor y = p;
        for (int i = 0; i < 20000; i++) y = Ops.AddScalar(y, 1e-4f);
        y.Backward();
        Assert.That(p.Grad!.Item(), Is.EqualTo(1f));
    }
}
