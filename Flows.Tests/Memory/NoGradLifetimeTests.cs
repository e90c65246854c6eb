using Flows.Core;
using Flows.Core.Flows;
using Flows.Kernels;
using Flows.Kernels.Cpu;
using Flows.Tests.Flows;

namespace Flows.Tests.Memory;

/// <summary>
/// A no-grad pass frees each intermediate once its last reader has run (docs/PERFORMANCE.md, "Memory"): the peak of
/// live pool bytes of an evaluation batch is a few layer activations, not the whole pass as with a tape; and what the
/// caller holds (the input, the outputs) stays intact.
/// </summary>
[TestFixture]
public sealed class NoGradLifetimeTests
{
    private const int Batch = 64, Side = 16, Mid = 8;

    private static (ManagedCpuBackend Backend, FlowModel Model) SmallRealNvp()
    {
        var backend = new ManagedCpuBackend();
        var model = FlowModels.Create(FlowTestKit.Small("realnvp", $"1x{Side}x{Side}") with { Mid = Mid }, backend, seed: 1);
        model.Eval();
        return (backend, model);
    }

    /// <summary>Live pool bytes at the peak of one log-likelihood pass, above those live before it.</summary>
    private static long PeakOfOnePass(ManagedCpuBackend backend, FlowModel model, Tensor x, bool noGrad)
    {
        backend.ResetPeakLiveBytes();
        long before = backend.PoolStatistics.LiveBytes;
        using (noGrad ? Autograd.NoGrad() : null)
        using (new TensorScope())
            model.LogLikelihood(x).ToArray();
        return backend.PoolStatistics.PeakLiveBytes - before;
    }

    [Test]
    public void AnEvaluationBatchPeaksAtAFewActivationsNotTheWholePass()
    {
        var (backend, model) = SmallRealNvp();
        using (backend)
        {
            using var x = FlowTestKit.Random(backend, 7, Batch, 1, Side, Side);
            long noGrad = PeakOfOnePass(backend, model, x, noGrad: true);
            long taped = PeakOfOnePass(backend, model, x, noGrad: false);
            // The widest activation: an st-network's hidden layer at full resolution (Mid channels, concatenated
            // with its negation: 2·Mid), one float each.
            long activation = 4L * Batch * 2 * Mid * Side * Side;
            long bound = 8 * activation;
            TestContext.Out.WriteLine($"peak live: no-grad {noGrad / 1024} KiB, taped {taped / 1024} KiB, bound {bound / 1024} KiB (activation {activation / 1024} KiB)");
            Assert.That(noGrad, Is.LessThanOrEqualTo(bound));
            Assert.That(taped, Is.GreaterThan(2 * bound), "with a tape every intermediate lives: the bound is meaningful");
        }
    }

    [Test]
    public void TheCallersInputAndTheOutputsStayIntact()
    {
        var (backend, model) = SmallRealNvp();
        using (backend)
        {
            using var x = FlowTestKit.Random(backend, 3, 4, 1, Side, Side);
            var values = x.ToArray();
            FlowOutput result;
            using (Autograd.NoGrad()) result = model.Forward(x);
            float[] z = result.Value.ToArray(), logdet = result.LogDet.ToArray();
            // Fresh allocations would get a freed buffer back from the pool and overwrite it; they must not get these.
            using (new TensorScope())
                for (int i = 0; i < 64; i++) Tensor.Full(backend, -7f, x.Shape);
            Assert.That(x.IsDisposed || result.Value.IsDisposed || result.LogDet.IsDisposed, Is.False);
            Assert.That(x.ToArray(), Is.EqualTo(values));
            Assert.That(result.Value.ToArray(), Is.EqualTo(z));
            Assert.That(result.LogDet.ToArray(), Is.EqualTo(logdet));
            Assert.That(z.All(float.IsFinite), Is.True);
        }
    }

    [Test]
    public void IdentityLayersDoNotFreeTheirInput()
    {
        using var backend = new ManagedCpuBackend();
        var sequence = new FlowSequence(backend, [new PassThrough(backend), new PassThrough(backend)]);
        using var x = Tensor.Ones(backend, 2, 3);
        FlowOutput y;
        using (Autograd.NoGrad()) y = sequence.Forward(x);
        Assert.That(y.Value, Is.SameAs(x));
        Assert.That(x.IsDisposed, Is.False);
        Assert.That(x.ToArray(), Is.All.EqualTo(1f));
    }

    [Test]
    public void AnOutputThatIsAViewOfATemporaryKeepsItsMemory()
    {
        using var backend = new ManagedCpuBackend();
        var sequence = new FlowSequence(backend, [new ReshapedDouble(backend), new ReshapedDouble(backend)]);
        using var x = Tensor.Ones(backend, 2, 3);
        FlowOutput y;
        using (Autograd.NoGrad()) y = sequence.Forward(x);
        using (new TensorScope())
            for (int i = 0; i < 16; i++) Tensor.Full(backend, -7f, 2, 3);
        Assert.That(y.Value.IsDisposed, Is.False);
        Assert.That(y.Value.ToArray(), Is.All.EqualTo(4f));
    }

    /// <summary>y = x: returns its input itself.</summary>
    private sealed class PassThrough(IComputeBackend backend) : FlowLayer(backend)
    {
        public override FlowOutput Forward(Tensor x) => new(x, LogDets.Zeros(Backend, x.Shape[0]));
        public override FlowOutput Inverse(Tensor y) => Forward(y);
        public override int[] OutputShape(int[] inputShape) => inputShape;
        public override string Describe() => "PassThrough";
    }

    /// <summary>y = 2x, returned as a reshaped view of a temporary made inside the layer.</summary>
    private sealed class ReshapedDouble(IComputeBackend backend) : FlowLayer(backend)
    {
        public override FlowOutput Forward(Tensor x)
        {
            var doubled = Ops.Reshape(Ops.Scale(x, 2f), x.Length);
            return new(Ops.Reshape(doubled, x.Shape), LogDets.Zeros(Backend, x.Shape[0]));
        }

        public override FlowOutput Inverse(Tensor y) => new(Ops.Scale(y, 0.5f), LogDets.Zeros(Backend, y.Shape[0]));
        public override int[] OutputShape(int[] inputShape) => inputShape;
        public override string Describe() => "ReshapedDouble";
    }
}
