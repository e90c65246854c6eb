using Flows.Core;
using Flows.Kernels;

namespace Flows.Tests.Engine;

/// <summary>TensorScope frees a step's intermediates and nothing that must live on.</summary>
[TestFixture]
public class TensorScopeTests
{
    private static IComputeBackend B => EngineBackend.Cpu;

    [Test]
    public void DisposesIntermediatesButNotParametersOrTheirGradients()
    {
        var linear = new Linear(B, new Random(1), 3, 2);
        Tensor x, hidden, loss, kept;
        using (var scope = new TensorScope())
        {
            x = Tensor.FromArray(B, [1f, 2f, 3f, -1f, 0f, 1f], 2, 3);
            hidden = linear.Forward(x);
            loss = Ops.Sum(Ops.Square(hidden));
            kept = scope.Keep(Ops.Scale(hidden, 2f));
            loss.Backward();
        }
        Assert.That(x.IsDisposed && hidden.IsDisposed && loss.IsDisposed, Is.True);
        Assert.That(kept.IsDisposed, Is.False);
        Assert.That(linear.Weight.IsDisposed || linear.Bias!.IsDisposed, Is.False);
        Assert.That(linear.Weight.Grad, Is.Not.Null);
        Assert.That(linear.Weight.Grad!.IsDisposed || linear.Bias!.Grad!.IsDisposed, Is.False);
        Assert.That(linear.Weight.Grad.ToArray().Any(v => v != 0), Is.True);
        kept.Dispose();
    }

    [Test]
    public void DisposingAViewOfAParameterLeavesTheParameterIntact()
    {
        var p = Parameter.From(B, [1f, 2f, 3f, 4f], 4, 1, 1, 1);
        using (new TensorScope())
        {
            var view = Ops.Reshape(p, 2, 2);
            Ops.Sum(Ops.Square(view)).Backward();
        }
        // Fresh allocations must not receive the parameter's memory back from the pool.
        using (new TensorScope())
            for (int i = 0; i < 8; i++) Tensor.Full(B, -7f, 4);
        Assert.That(p.IsDisposed, Is.False);
        Assert.That(p.ToArray(), Is.EqualTo(new[] { 1f, 2f, 3f, 4f }));
        Assert.That(p.Grad!.ToArray(), Is.EqualTo(new[] { 2f, 4f, 6f, 8f }));
        Assert.That(p.Grad.Shape, Is.EqualTo(p.Shape));
    }

    [Test]
    public void KeptTensorsMoveToTheEnclosingScope()
    {
        Tensor inner;
        using (new TensorScope())
        {
            using (var child = new TensorScope()) inner = child.Keep(Tensor.Ones(B, 4));
            Assert.That(inner.IsDisposed, Is.False);
        }
        Assert.That(inner.IsDisposed, Is.True);
    }

    [Test]
    public void ModuleBuffersSurviveScopes()
    {
        var bn = new BatchNorm(B, 2);
        using (new TensorScope()) bn.Forward(Tensor.FromArray(B, [1f, 2f, 3f, 5f], 2, 2));
        Assert.That(bn.RunningMean.IsDisposed || bn.RunningVar.IsDisposed, Is.False);
        Assert.That(bn.RunningMean.ToArray(), Is.EqualTo(new[] { 0.2f, 0.35f }).Within(1e-6));
    }
}
