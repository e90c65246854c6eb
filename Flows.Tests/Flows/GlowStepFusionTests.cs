using Flows.Core;
using Flows.Core.Flows;
using Flows.Tests.Engine;

namespace Flows.Tests.Flows;

/// <summary>
/// GlowStep's training path (recording, checks deferred), where ActNorm's, the 1×1 conv's and the coupling's
/// log-dets accumulate inside their own launches, against the plain layer-by-layer sequence: the same values and
/// gradients, bit for bit on the CPU (docs/PERFORMANCE.md, "Launches and host synchronisations per step").
/// </summary>
[TestFixture]
public class GlowStepFusionTests
{
    [TestCase(false)]
    [TestCase(true)]
    public void TheTrainingPathEqualsTheLayerByLayerSequence(bool reverse)
    {
        var backend = EngineBackend.Cpu;
        var rng = new Random(40 + (reverse ? 1 : 0));
        var config = ModelConfig.Defaults("glow", new ImageShape(1, 8, 8)) with { Mid = 4, Layers = 1 };
        var coupling = RealNvpBuilder.Coupling(config, backend, rng, new ChannelMask(reverse), 4, 4, 4);
        var step = new GlowStep(backend, new ActNorm(backend, 4), new InvertibleConv1x1(backend, rng, 4), coupling);
        step.ActNorm.MarkInitialized();
        FlowTestKit.Perturb(step, 0.3f, 5);
        var x = FlowTestKit.Normal(backend, 9, 1f, 3, 4, 4, 4);
        x.RequiresGrad = true;
        var weights = FlowTestKit.Normal(backend, 10, 1f, 3, 4, 4, 4);
        var logdetWeights = FlowTestKit.Normal(backend, 11, 1f, 3);

        var plain = Run(step, x, weights, logdetWeights, deferred: false);
        var fused = Run(step, x, weights, logdetWeights, deferred: true);

        Assert.That(plain.LogDetOp, Is.EqualTo("Add"), "the sequence adds the layers' log-dets");
        Assert.That(fused.LogDetOp, Is.EqualTo("ChannelCoupling"), "the coupling's launch adds the running log-det");
        Assert.That(fused.Y, Is.EqualTo(plain.Y), "output");
        Assert.That(fused.LogDet, Is.EqualTo(plain.LogDet), "log-determinant");
        Assert.That(fused.Grads.Keys, Is.EquivalentTo(plain.Grads.Keys));
        foreach (var (name, grad) in plain.Grads)
            Assert.That(fused.Grads[name], Is.EqualTo(grad), $"gradient of {name}");
        Assert.That(plain.Grads["x"].Any(v => v != 0f) && plain.Grads["actnorm.logs"].Any(v => v != 0f), "the gradients are not trivially zero");
    }

    [Test]
    public void TheTrainingPathStillFlagsASingularWeight()
    {
        var backend = EngineBackend.Cpu;
        var rng = new Random(50);
        var config = ModelConfig.Defaults("glow", new ImageShape(1, 8, 8)) with { Mid = 4, Layers = 1 };
        var coupling = RealNvpBuilder.Coupling(config, backend, rng, new ChannelMask(false), 4, 4, 4);
        var step = new GlowStep(backend, new ActNorm(backend, 4), new InvertibleConv1x1(backend, rng, 4), coupling);
        step.ActNorm.MarkInitialized();
        step.Conv.Weight.CopyFrom(new float[16]);
        var x = FlowTestKit.Normal(backend, 9, 1f, 2, 4, 4, 4);
        var flag = Tensor.Zeros(backend, 1);
        using (LogDets.DeferChecks(flag.Buffer)) step.Forward(x);
        Assert.That(flag.Item(), Is.Not.Zero, "a singular W makes the step's log-det −∞, which sets the flag");
        Assert.Throws<NumericalException>(() => step.Forward(x), "checks at once name the 1×1 convolution");
    }

    private static (float[] Y, float[] LogDet, string? LogDetOp, Dictionary<string, float[]> Grads) Run(
        GlowStep step, Tensor x, Tensor weights, Tensor logdetWeights, bool deferred)
    {
        step.ZeroGrad();
        x.Grad = null;
        var flag = Tensor.Zeros(x.Backend, 1);
        FlowOutput output;
        using (deferred ? LogDets.DeferChecks(flag.Buffer) : null) output = step.Forward(x);
        string? op = output.LogDet.Node?.Op;
        var loss = Ops.Add(Ops.Sum(Ops.Mul(output.Value, weights)), Ops.Sum(Ops.Mul(output.LogDet, logdetWeights)));
        loss.Backward();
        var grads = step.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Grad!.ToArray());
        grads["x"] = x.Grad!.ToArray();
        Assert.That(flag.Item(), Is.Zero);
        return (output.Value.ToArray(), output.LogDet.ToArray(), op, grads);
    }
}
