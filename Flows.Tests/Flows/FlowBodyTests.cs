using Flows.Core;
using Flows.Core.Flows;
using Flows.Tests.Engine;

namespace Flows.Tests.Flows;

/// <summary>
/// A flow model is a body transform plus a base distribution: the tabular body is a FlowSequence, the image body
/// gives the numbers of the single loop and formula the models used before the split, and a walk over a body
/// sees every leaf layer once.
/// </summary>
public class FlowBodyTests
{
    private static global::Flows.Kernels.IComputeBackend Cpu => EngineBackend.Cpu;

    /// <summary>A seeded small model, perturbed so no coupling is the identity, with ActNorm initialised, in eval mode.</summary>
    internal static FlowModel Seeded(string name, string image)
    {
        var model = FlowModels.Create(FlowTestKit.Small(name, image), Cpu, seed: 5);
        FlowTestKit.Perturb(model, 0.05f, 4);
        using (new TensorScope()) model.Forward(Tensor.Uniform(Cpu, 3, 0, [4, .. model.DataShape]));
        model.Eval();
        if (model.Noise is { } noise) noise.Deterministic = true;
        return model;
    }

    [Test]
    public void TabularFlowsBodyIsAFlowSequenceOfItsCouplings()
    {
        var model = (TabularFlow)Seeded("tabular", "6x1x1");
        Assert.That(((FlowModel)model).Body, Is.InstanceOf<FlowSequence>());
        Assert.That(model.Body.Layers, Is.EqualTo(model.Couplings().ToArray()));
        Assert.That(model.Body.Layers.Select(l => l.Name), Is.EqualTo(new[] { "body.0", "body.1", "body.2", "body.3" }));
        Assert.That(model.StateDict().Names, Does.Contain("body.3.st_net.0.weight").And.Contain("body.0.rescale.weight_g"));
    }

    [TestCase("realnvp", "1x8x8")]
    [TestCase("glow", "2x4x4")]
    [TestCase("cyclemask", "1x4x4")]
    [TestCase("tabular", "6x1x1")]
    public void LogLikelihoodIsBitForBitTheOneLoopAndFormulaOfBefore(string name, string image)
    {
        var model = Seeded(name, image);
        using var scope = new TensorScope();
        using var _ = Autograd.NoGrad();
        var x = Tensor.Uniform(Cpu, 11, 0, [3, .. model.DataShape]);
        var (z, logdet) = OldForward(model, x);
        int d = z.Shape[1];
        var prior = Ops.Scale(Ops.SumPerSample(Ops.Square(z)), -0.5f);
        double constant = -0.5 * d * Math.Log(2 * Math.PI) - (model.DiscreteData ? d * Math.Log(256.0) : 0);
        var before = Ops.AddScalar(Ops.Add(prior, logdet), (float)constant).ToArray();
        var after = model.LogLikelihood(x).ToArray();
        Assert.That(after.Select(BitConverter.SingleToUInt32Bits), Is.EqualTo(before.Select(BitConverter.SingleToUInt32Bits)));
    }

    /// <summary>The forward loop of MultiScaleFlow and TabularFlow before the body split, over the same layers.</summary>
    private static (Tensor Z, Tensor LogDet) OldForward(FlowModel model, Tensor x)
    {
        var logdet = LogDets.Zeros(Cpu, x.Shape[0]);
        if (model is TabularFlow tabular)
        {
            foreach (var c in tabular.Couplings())
            {
                var (y, ld) = c.Forward(x);
                logdet = Ops.Add(logdet, ld);
                x = y;
            }
            return (x, logdet);
        }
        var factored = new List<Tensor>();
        foreach (var step in ((MultiScaleFlow)model).Steps)
        {
            if (step.IsFactorOut)
            {
                factored.Add(Ops.NarrowChannels(x, step.KeepChannels, x.Shape[1] - step.KeepChannels));
                x = Ops.NarrowChannels(x, 0, step.KeepChannels);
                continue;
            }
            var (y, ld) = step.Layer!.Forward(x);
            logdet = Ops.Add(logdet, ld);
            x = y;
        }
        factored.Add(x);
        int n = x.Shape[0];
        var flat = factored.Select(p => Ops.Reshape(p, n, p.Length / n)).ToArray();
        return (flat.Length == 1 ? flat[0] : Ops.ConcatChannels(flat), logdet);
    }

    [TestCase("realnvp", "1x8x8")]
    [TestCase("glow", "2x4x4")]
    public void AWalkReportsEveryLeafOnceAndItsLogDetsAddUpToTheBodys(string name, string image)
    {
        var model = Seeded(name, image);
        using var scope = new TensorScope();
        using var _ = Autograd.NoGrad();
        var x = Tensor.Uniform(Cpu, 12, 0, [2, .. model.DataShape]);
        var seen = new List<FlowLayer>();
        var sum = new double[2];
        var walked = FlowWalk.Forward(model.Body, x, (layer, output) =>
        {
            seen.Add(layer);
            var ld = output.LogDet.ToArray();
            for (int i = 0; i < sum.Length; i++) sum[i] += ld[i];
        });
        var plain = model.Forward(x);
        Assert.That(seen, Is.EqualTo(FlowWalk.Leaves(model.Body).ToArray()));
        Assert.That(seen.OfType<ICompositeFlow>(), Is.Empty, "composites are opened up");
        Assert.That(seen.OfType<AffineCoupling>().Count(), Is.EqualTo(model.Couplings().Count()));
        Assert.That(walked.Value.ToArray(), Is.EqualTo(plain.Value.ToArray()), "the walk is the same forward pass");
        var total = plain.LogDet.ToArray();
        for (int i = 0; i < sum.Length; i++) Assert.That(sum[i], Is.EqualTo(total[i]).Within(1e-4 * Math.Abs(total[i]) + 1e-4));
    }

    [Test]
    public void TheImageBodyKeepsTheStateDictKeysAndLayerNamesOfTheSteps()
    {
        var model = (MultiScaleFlow)Seeded("glow", "2x4x4");
        Assert.That(model.Body.Steps, Is.SameAs(model.Steps));
        var named = model.Steps.Select((s, i) => (s, i)).Where(p => !p.s.IsFactorOut).Select(p => p.s.Layer!.Name);
        Assert.That(named, Is.EqualTo(model.Steps.Select((s, i) => (s, i)).Where(p => !p.s.IsFactorOut).Select(p => $"body.{p.i}")));
        Assert.That(model.StateDict().Names, Does.Contain("body.2.actnorm.bias").And.Contain("body.7.coupling.rescale.weight_v"));
    }
}
