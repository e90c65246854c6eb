using Flows.Core;
using Flows.Kernels;

namespace Flows.Tests.Engine;

/// <summary>Saving and restoring models and optimizers by name, and refusing what does not fit.</summary>
[TestFixture]
public class StateDictTests
{
    private static IComputeBackend B => EngineBackend.Cpu;

    private sealed class Net : Module
    {
        public Net(IComputeBackend backend, int seed, int hidden = 4) : base(backend)
        {
            var rng = new Random(seed);
            Body = AddModule("st_net", new Sequential(new Linear(backend, rng, 2, hidden), new ReLU(backend), new Linear(backend, rng, hidden, 2)));
            Norm = AddModule("norm", new BatchNorm(backend, 2));
        }

        public Sequential Body { get; }
        public BatchNorm Norm { get; }

        public Tensor Forward(Tensor x) => Norm.Forward(Body.Forward(x));
    }

    [Test]
    public void ModuleStateRoundTrips()
    {
        var a = new Net(B, 1);
        using (new TensorScope()) a.Forward(Tensor.FromArray(B, [1f, 2f, 3f, -4f, 0f, 1f], 3, 2)); // moves running stats
        var b = new Net(B, 2);
        Assert.That(b.StateDict()["st_net.0.weight"].Values, Is.Not.EqualTo(a.StateDict()["st_net.0.weight"].Values));
        b.LoadStateDict(a.StateDict());
        var sa = a.StateDict();
        var sb = b.StateDict();
        Assert.That(sb.Names, Is.EqualTo(new[]
        {
            "st_net.0.weight", "st_net.0.bias", "st_net.2.weight", "st_net.2.bias", "norm.weight", "norm.bias", "norm.running_mean", "norm.running_var",
        }));
        foreach (var name in sa.Names) Assert.That(sb[name].Values, Is.EqualTo(sa[name].Values), name);
    }

    [Test]
    public void MismatchesAreListedTogetherAndNothingChanges()
    {
        var target = new Net(B, 1, hidden: 4);
        var before = target.StateDict();
        var saved = new Net(B, 2, hidden: 5).StateDict();
        saved.Add("extra.weight", [1], [0f]);
        var pruned = new StateDict();
        foreach (var name in saved.Names.Where(n => n != "norm.bias")) pruned.Add(name, saved[name].Shape, saved[name].Values);

        var error = Assert.Throws<StateDictMismatchException>(() => target.LoadStateDict(pruned));
        Assert.That(error!.Message, Does.Contain("'st_net.0.weight' has shape [5, 2], the model needs [4, 2]")
            .And.Contain("missing 'norm.bias'").And.Contain("unexpected 'extra.weight'"));
        var after = target.StateDict();
        foreach (var name in before.Names) Assert.That(after[name].Values, Is.EqualTo(before[name].Values), name);
    }

    [Test]
    public void OptimizerStateRoundTripsAndContinuesIdentically()
    {
        var a = new Net(B, 3);
        var b = new Net(B, 4);
        using var optA = new Adam(ParameterGroups.Single(a, 1e-3f, 100f), 0.05f);
        using var optB = new Adam(ParameterGroups.Single(b, 1e-3f, 100f), 0.05f);
        var x = Tensor.FromArray(B, [1f, 2f, 3f, -4f, 0f, 1f, 0.5f, 0.5f], 4, 2);

        void TrainStep(Net net, Optimizer opt)
        {
            opt.ZeroGrad();
            using (new TensorScope()) Ops.Mean(Ops.Square(net.Forward(x))).Backward();
            opt.ClipGradientNorms();
            opt.Step();
        }

        TrainStep(a, optA);
        TrainStep(a, optA);
        b.LoadStateDict(a.StateDict());
        optB.ImportState(optA.ExportState());
        Assert.That(optB.StepCount, Is.EqualTo(2));
        TrainStep(a, optA);
        TrainStep(b, optB);
        var sa = a.StateDict();
        var sb = b.StateDict();
        foreach (var name in sa.Names) Assert.That(sb[name].Values, Is.EqualTo(sa[name].Values), name);
    }

    [Test]
    public void OptimizerStateMismatchesAreRefused()
    {
        var small = new Net(B, 5, hidden: 4);
        var large = new Net(B, 6, hidden: 5);
        using var adam = new Adam(small.Parameters(), 0.01f);
        foreach (var p in small.Parameters())
        {
            using var scope = new TensorScope();
            Ops.Sum(p).Backward();
        }
        adam.Step();
        var saved = adam.ExportState();

        using var rms = new RmsProp(small.Parameters(), 0.01f);
        var wrongKind = Assert.Throws<StateDictMismatchException>(() => rms.ImportState(saved));
        Assert.That(wrongKind!.Message, Does.Contain("'adam.m.0' belongs to a 'adam' optimizer, this one is 'rmsprop'"));

        using var other = new Adam(large.Parameters(), 0.01f);
        var wrongShape = Assert.Throws<StateDictMismatchException>(() => other.ImportState(saved));
        Assert.That(wrongShape!.Message, Does.Contain("'adam.m.0' has shape [4, 2], parameter 0 has [5, 2]"));

        var incomplete = new StateDict();
        foreach (var name in saved.Names.Where(n => n != "adam.v.3" && n != "step")) incomplete.Add(name, saved[name].Shape, saved[name].Values);
        var missing = Assert.Throws<StateDictMismatchException>(() => adam.ImportState(incomplete));
        Assert.That(missing!.Message, Does.Contain("missing 'adam.v.3'").And.Contain("missing 'step'"));
        Assert.That(adam.ExportState()["adam.v.3"].Values, Is.EqualTo(saved["adam.v.3"].Values), "a refused import changes nothing");
    }
}
