using Flows.Core;
using Flows.Core.Flows;
using Flows.Kernels.Cpu;
using Flows.Tests.Flows;

namespace Flows.Tests.Memory;

/// <summary>
/// What the pool held never reaches a result: training steps and evaluation scores are bit for bit the same with a
/// warm pool, with no pool at all (bound 0), trimmed between batches, and with every rented buffer filled with NaN.
/// </summary>
[TestFixture]
public sealed class PoolDeterminismTests
{
    private const int Batch = 16, Side = 8;

    private enum PoolMode { Warm, NoRetention, TrimEveryBatch, Poisoned }

    [Test]
    public void TrainingAndScoringDoNotDependOnThePool()
    {
        var reference = TrainThenScore(PoolMode.Warm);
        foreach (var mode in new[] { PoolMode.NoRetention, PoolMode.TrimEveryBatch, PoolMode.Poisoned })
        {
            var other = TrainThenScore(mode);
            Assert.That(other.Losses, Is.EqualTo(reference.Losses), $"{mode}: losses");
            Assert.That(other.Scores, Is.EqualTo(reference.Scores), $"{mode}: scores");
            Assert.That(other.Scores.All(float.IsFinite), Is.True);
        }
    }

    private static (float[] Losses, float[] Scores) TrainThenScore(PoolMode mode)
    {
        using var backend = new ManagedCpuBackend { PoisonRentedMemory = mode == PoolMode.Poisoned };
        if (mode == PoolMode.NoRetention) backend.PoolRetainLimitBytes = 0;
        var model = FlowModels.Create(FlowTestKit.Small("glow", $"1x{Side}x{Side}"), backend, seed: 2);
        FlowTestKit.Perturb(model, 0.05f, 9);
        using var optimizer = new Adam(model.Parameters(), learningRate: 1e-3f);
        var losses = new List<float>();
        model.Train();
        for (int step = 0; step < 4; step++)
        {
            using var scope = new TensorScope();
            optimizer.ZeroGrad();
            var loss = FlowLikelihood.Loss(model.LogLikelihood(FlowTestKit.Random(backend, (ulong)step, Batch, 1, Side, Side)));
            losses.Add(loss.Item());
            loss.Backward();
            optimizer.Step();
            if (mode == PoolMode.TrimEveryBatch) backend.TrimPool();
        }
        model.Eval();
        var scores = new List<float>();
        using (Autograd.NoGrad())
            for (int b = 0; b < 3; b++)
            {
                using var scope = new TensorScope();
                scores.AddRange(model.LogLikelihood(FlowTestKit.Random(backend, 100 + (ulong)b, 4 * Batch, 1, Side, Side)).ToArray());
                if (mode == PoolMode.TrimEveryBatch) backend.TrimPool();
            }
        return (losses.ToArray(), scores.ToArray());
    }
}
