using Flows.Core;
using Flows.Kernels;

namespace Flows.Tests.Engine;

/// <summary>
/// <see cref="Optimizer.ClipAndStep"/> (clipping and the update with no host read) against the host path it replaces
/// in training, ClipGradientNorms then Step (docs/PERFORMANCE.md, "Host synchronisations per step").
/// </summary>
[TestFixture]
public class DeviceClippingTests
{
    private static IComputeBackend B => EngineBackend.Cpu;

    private static void SetGradient(Parameter p, float[] g)
    {
        using var scope = new TensorScope();
        Ops.Sum(Ops.Mul(p, Tensor.FromArray(B, g, p.Shape))).Backward();
    }

    private static float[] Values(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    /// <summary>Three groups: one clipped hard, one whose maximum is never reached, one without a maximum.</summary>
    private static (Parameter[] Parameters, ParameterGroup[] Groups) Model()
    {
        var ps = new[] { 40, 7, 300, 1 }.Select((n, i) => Parameter.From(B, Values(n, 10 + i), n)).ToArray();
        return (ps,
        [
            new ParameterGroup([ps[0], ps[1]], weightDecay: 1e-2f, maxGradNorm: 0.5f, name: "tight"),
            new ParameterGroup([ps[2]], maxGradNorm: 1e3f, name: "loose"),
            new ParameterGroup([ps[3]], name: "free"),
        ]);
    }

    private static Optimizer Create(string kind, ParameterGroup[] groups) => kind switch
    {
        "adam" => new Adam(groups, 1e-2f),
        "adamw" => new AdamW(groups, 1e-2f),
        _ => new RmsProp(groups, 1e-2f),
    };

    [TestCase("adam")]
    [TestCase("adamw")]
    [TestCase("rmsprop")]
    public void TheDeviceStepEqualsTheHostClipThenStep(string kind)
    {
        var (hostParams, hostGroups) = Model();
        var (deviceParams, deviceGroups) = Model();
        using var host = Create(kind, hostGroups);
        using var device = Create(kind, deviceGroups);
        for (int step = 0; step < 3; step++)
        {
            for (int i = 0; i < hostParams.Length; i++)
            {
                var g = Values(hostParams[i].Length, 100 * step + i).Select(v => v * 4f).ToArray();
                SetGradient(hostParams[i], g);
                SetGradient(deviceParams[i], g);
            }
            host.ClipGradientNorms();
            host.Step();
            host.ZeroGrad();
            device.Status.Reset();
            device.ClipAndStep(device.Status.Flag);
            device.ZeroGrad();
        }
        Assert.That(device.StepCount, Is.EqualTo(host.StepCount));
        for (int i = 0; i < hostParams.Length; i++)
        {
            var expected = hostParams[i].ToArray();
            var actual = deviceParams[i].ToArray();
            for (int j = 0; j < expected.Length; j++)
                Assert.That(actual[j], Is.EqualTo(expected[j]).Within(1e-6 * Math.Max(1.0, Math.Abs(expected[j]))),
                            $"{kind}: parameter {i}, element {j}");
        }
    }

    [Test]
    public void WithoutClippingTheDeviceStepIsBitIdentical()
    {
        var a = Parameter.From(B, Values(50, 1), 50);
        var b = Parameter.From(B, Values(50, 1), 50);
        using var host = new Adam([new ParameterGroup([a], weightDecay: 1e-3f, name: "g")], 1e-2f);
        using var device = new Adam([new ParameterGroup([b], weightDecay: 1e-3f, name: "g")], 1e-2f);
        var g = Values(50, 2);
        SetGradient(a, g);
        SetGradient(b, g);
        host.Step();
        device.Status.Reset();
        device.ClipAndStep(device.Status.Flag);
        Assert.That(b.ToArray(), Is.EqualTo(a.ToArray()));
    }

    [Test]
    public void ANonFiniteNormSetsTheFlagAndMovesNoWeight()
    {
        var (ps, groups) = Model();
        using var adam = new Adam(groups, 1e-2f);
        var before = ps.Select(p => p.ToArray()).ToArray();
        for (int i = 0; i < ps.Length; i++)
        {
            var g = Values(ps[i].Length, i);
            if (i == 2) g[5] = float.NaN;
            SetGradient(ps[i], g);
        }
        adam.Status.Reset();
        adam.ClipAndStep(adam.Status.Flag);
        using var loss = Tensor.FromArray(B, [1.5f], 1);
        var (flagged, value) = adam.Status.Read(loss);
        Assert.That(flagged, Is.True);
        Assert.That(value, Is.EqualTo(1.5));
        for (int i = 0; i < ps.Length; i++) Assert.That(ps[i].ToArray(), Is.EqualTo(before[i]), $"parameter {i} moved");
        // The gradients are untouched, so the host path still names the group.
        var error = Assert.Throws<NumericalException>(() => adam.ClipGradientNorms());
        Assert.That(error!.Message, Does.Contain("'loose'"));
    }

    [Test]
    public void AFlagSetEarlierInTheStepStopsEveryUpdate()
    {
        var (ps, groups) = Model();
        using var adamw = new AdamW(groups, 1e-2f);
        var before = ps.Select(p => p.ToArray()).ToArray();
        for (int i = 0; i < ps.Length; i++) SetGradient(ps[i], Values(ps[i].Length, i));
        adamw.Status.Reset();
        using var nanLoss = Tensor.FromArray(B, [float.NaN], 1);
        adamw.Status.FlagNonFinite(nanLoss);
        adamw.ClipAndStep(adamw.Status.Flag);
        for (int i = 0; i < ps.Length; i++) Assert.That(ps[i].ToArray(), Is.EqualTo(before[i]), $"parameter {i} moved (decay included)");
        Assert.That(adamw.Status.Read(nanLoss).Flagged, Is.True);
    }
}
