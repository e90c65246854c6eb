using System.Diagnostics;
using Flows.Core;
using TwoMoons;

namespace Flows.Tests.Engine;

/// <summary>
/// End to end: the engine trains the samples/TwoMoons RealNVP. At initialisation every coupling is the
/// identity, so the NLL is that of the standard normal prior on the standardised data (about 2.8 nats,
/// which no Gaussian can beat by much); after 400 Adam steps (batch 256, lr 5e-3) it must fall below
/// 2.0 nats, which needs the couplings to bend space around the moons. Reference runs: 1.66 nats at 400
/// steps for this seed (1.66–1.93 over seeds 1, 2, 3, 7) and 1.27–1.55 at 2000 steps.
/// </summary>
[TestFixture]
public class ToyFlowTests
{
    private const int Steps = 400;
    private const float Threshold = 2.0f;

    [Test]
    public void TwoMoonsNegativeLogLikelihoodFallsBelowThreshold()
    {
        using var trainer = new TwoMoonsTrainer(EngineBackend.Cpu, seed: 7);
        float initial = trainer.Evaluate(2048, seed: 1234);
        var clock = Stopwatch.StartNew();
        for (int step = 0; step < Steps; step++) trainer.Step();
        float final = trainer.Evaluate(2048, seed: 1234);
        TestContext.Out.WriteLine($"two moons: held-out NLL {initial:F4} → {final:F4} nats after {Steps} steps ({clock.Elapsed.TotalSeconds:F1} s)");
        Assert.That(initial, Is.GreaterThan(2.5f), "the untrained flow is the identity");
        Assert.That(final, Is.LessThan(Threshold));
    }

    [Test]
    public void DecodeInvertsEncodeAndSamplesAreFinite()
    {
        using var trainer = new TwoMoonsTrainer(EngineBackend.Cpu, seed: 3);
        for (int step = 0; step < 50; step++) trainer.Step(); // move the couplings away from the identity
        using var scope = new TensorScope();
        using var noGrad = Autograd.NoGrad();
        var points = new TwoMoonsData(11).Next(64);
        var (z, logdet) = trainer.Flow.Forward(Tensor.FromArray(EngineBackend.Cpu, points, 64, 2));
        Assert.That(z.ToArray(), Is.Not.EqualTo(points).Within(1e-3), "the flow is no longer the identity");
        Assert.That(logdet.ToArray().Any(v => Math.Abs(v) > 1e-3), Is.True);
        Assert.That(trainer.Flow.Inverse(z).Value.ToArray(), Is.EqualTo(points).Within(1e-4));
        Assert.That(trainer.Sample(256, 5).All(float.IsFinite), Is.True);
    }
}
