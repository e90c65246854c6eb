using Flows.Core;
using Flows.Core.Flows;
using Flows.Kernels.Cpu;
using Flows.Tests.Flows;

namespace Flows.Tests.Memory;

/// <summary>In the steady state of training every buffer comes from the pool, also across evaluation batches of another size.</summary>
[TestFixture]
public sealed class SteadyStateTrainingTests
{
    private const int Batch = 8, Side = 8;

    [Test]
    public void TrainingStepsAndEvaluationsAllocateNothingOnceWarm()
    {
        using var backend = new ManagedCpuBackend();
        var model = FlowModels.Create(FlowTestKit.Small("realnvp", $"1x{Side}x{Side}"), backend, seed: 3);
        using var optimizer = new Adam(model.Parameters(), learningRate: 1e-3f);
        void Step(int step)
        {
            model.Train();
            using var scope = new TensorScope();
            optimizer.ZeroGrad();
            var loss = FlowLikelihood.Loss(model.LogLikelihood(FlowTestKit.Random(backend, (ulong)step, Batch, 1, Side, Side)));
            loss.Backward();
            optimizer.Step();
        }
        void Evaluate()
        {
            model.Eval();
            using var noGrad = Autograd.NoGrad();
            using var scope = new TensorScope();
            model.LogLikelihood(FlowTestKit.Random(backend, 99, 5 * Batch, 1, Side, Side)).ToArray();
        }

        for (int step = 0; step < 2; step++) Step(step);
        Evaluate();
        Step(2);
        long warm = backend.PoolStatistics.Allocations;
        for (int step = 3; step < 8; step++)
        {
            Step(step);
            if (step % 2 == 0) Evaluate();
        }
        var s = backend.PoolStatistics;
        Assert.That(s.Allocations, Is.EqualTo(warm), "no buffer was created after the warm-up");
        Assert.That(s.Released, Is.Zero);
        Assert.That(s.LiveBytes, Is.LessThan(s.PeakLiveBytes / 4), "between steps only parameters and optimizer state are live");
    }
}
