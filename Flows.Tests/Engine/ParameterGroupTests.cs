using Flows.Core;
using Flows.Kernels;

namespace Flows.Tests.Engine;

/// <summary>The paper's parameter groups, chosen by parameter name (docs/MODELS.md §5.2).</summary>
[TestFixture]
public class ParameterGroupTests
{
    private static IComputeBackend B => EngineBackend.Cpu;

    private sealed class TinyNet : Module
    {
        public TinyNet(IComputeBackend backend) : base(backend)
        {
            var rng = new Random(5);
            AddModule("in_norm", new BatchNorm(backend, 2));
            AddModule("conv", new Conv2d(backend, rng, 2, 3, 3, weightNorm: true));
            AddModule("head", new Sequential(new ReLU(backend), new Conv2d(backend, rng, 3, 4, 1, weightNorm: true)));
            AddModule("plain", new Linear(backend, rng, 2, 2));
        }
    }

    private static string[] Names(Module module, ParameterGroup group)
    {
        var named = module.NamedParameters().ToList();
        return group.Parameters.Select(p => named.Single(n => ReferenceEquals(n.Parameter, p)).Name).ToArray();
    }

    [Test]
    public void RealNvpStyleDecaysOnlyWeightG()
    {
        var net = new TinyNet(B);
        var groups = ParameterGroups.RealNvpStyle(net, 5e-5f, 100f);
        Assert.That(groups, Has.Count.EqualTo(2));
        Assert.That(groups[0].Name, Is.EqualTo("normalized"));
        Assert.That(groups[0].WeightDecay, Is.EqualTo(5e-5f));
        Assert.That(Names(net, groups[0]), Is.EqualTo(new[] { "conv.weight_g", "head.1.weight_g" }));
        Assert.That(groups[1].WeightDecay, Is.EqualTo(0f));
        Assert.That(Names(net, groups[1]), Is.EqualTo(new[]
        {
            "in_norm.weight", "in_norm.bias", "conv.weight_v", "conv.bias", "head.1.weight_v", "head.1.bias", "plain.weight", "plain.bias",
        }));
        Assert.That(groups.All(g => g.MaxGradNorm == 100f), Is.True);
        Assert.That(groups.Sum(g => g.ParameterCount), Is.EqualTo(net.ParameterCount()));
    }

    [Test]
    public void SingleGroupDecaysEverything()
    {
        var net = new TinyNet(B);
        var groups = ParameterGroups.Single(net, 5e-5f, null);
        Assert.That(groups, Has.Count.EqualTo(1));
        Assert.That(groups[0].WeightDecay, Is.EqualTo(5e-5f));
        Assert.That(groups[0].MaxGradNorm, Is.Null);
        Assert.That(groups[0].Parameters, Has.Count.EqualTo(net.Parameters().Count()));
    }

    [Test]
    public void WeightDecayReachesOnlyTheNormalizedGroup()
    {
        var net = new TinyNet(B);
        using var adam = new Adam(ParameterGroups.RealNvpStyle(net, 0.5f, null), 0.1f);
        var before = net.StateDict();
        // A zero data gradient: only weight decay can move a parameter.
        foreach (var p in net.Parameters())
        {
            using var scope = new TensorScope();
            Ops.Sum(Ops.Scale(p, 0f)).Backward();
        }
        adam.Step();
        var after = net.StateDict();
        foreach (var (name, _) in net.NamedParameters())
        {
            bool moved = !before[name].Values.SequenceEqual(after[name].Values);
            Assert.That(moved, Is.EqualTo(name.EndsWith("weight_g")), name);
        }
    }
}
