using Flows.Kernels;
using Flows.Kernels.Cases;
using Flows.Kernels.Cpu;

namespace Flows.Tests.Kernels.Cpu;

/// <summary>
/// Once warm (pool filled, scratch grown, JIT done), the CPU backend's kernel calls allocate no managed memory on
/// the calling thread or on the worker threads: no closure, job object or per-call array per parallel loop
/// (docs/PERFORMANCE.md "CPU roofline"). The convolutions and GEMM still capture a closure at their own call
/// sites (Flows.Kernels/Cpu/Conv and Gemm); their bound below says the job plumbing adds nothing to it.
/// </summary>
[NonParallelizable]
public sealed class SteadyStateAllocationTests
{
    private static readonly string[] ClosureKernels = ["conv2d", "conv1x1", "matmul"];

    // The multi-tensor rows build their member lists on every run (the case table's own arrays), so the backend's
    // share is measured by MultiTensorStepOverManyMembersAllocatesNothingOnAnyThreadOnceWarm instead.
    private static bool IsMultiTensor(KernelCase c) => c.Kernel.Contains(" multi", StringComparison.Ordinal);

    private static IEnumerable<KernelCase> SmallCases(bool closures) =>
        KernelCases.Of(CaseSize.Small).Where(c => !IsMultiTensor(c) && ClosureKernels.Contains(c.Kernel.Split(' ')[0]) == closures);

    [Test]
    public void MultiTensorStepOverManyMembersAllocatesNothingOnAnyThreadOnceWarm()
    {
        // A step's worth of members (the small RealNVP has a few hundred parameter tensors), some large enough that
        // the pass splits over the workers, in two groups: the optimizer's calls per step, plus weight norm and
        // log|det W| (once per layer and step). Before, the member lists, their names and the per-group constants
        // were arrays of every call: 120 kB per small RealNVP step for Adam alone (docs/PERFORMANCE.md).
        using var backend = new ManagedCpuBackend();
        const int members = 300;
        int[] counts = [.. Enumerable.Range(0, members).Select(i => i % 7 == 0 ? 20_000 : 1 + i % 97)];
        int[] groupOf = [.. Enumerable.Range(0, members).Select(i => i % 2)];
        DeviceBuffer Buffer(int n, float value)
        {
            var b = backend.Allocate(n);
            backend.Fill(b, value);
            return b;
        }
        DeviceBuffer[] Members(float value) => [.. counts.Select(n => Buffer(n, value))];
        DeviceBuffer[] p = Members(0.5f), g = Members(0.01f), m = Members(0f), v = Members(0f);
        var host = new float[StepScalars.Length(2)];
        for (int k = 0; k < 2; k++) StepScalars.WriteAdam(host, k, new AdamSettings(1e-3f, 0.9f, 0.999f, 1e-8f, 0f, Step: 3), 1f);
        var scalars = Buffer(host.Length, 0f);
        backend.Upload(host, scalars);
        var guard = new MultiStepGuard(scalars, Buffer(2, 1f), Buffer(1, 0f));
        DeviceBuffer sums = Buffer(2, 0f), maxNorms = Buffer(2, 100f);
        const int rows = 64, rest = 64 * 9, n = 8;
        DeviceBuffer wg = Buffer(rows, 1f), wv = Buffer(rows * rest, 0.3f), w = Buffer(rows * rest, 0f), norms = Buffer(rows, 0f);
        DeviceBuffer dw = Buffer(rows * rest, 0.1f), dg = Buffer(rows, 0f), dv = Buffer(rows * rest, 0f);
        var matrix = Buffer(n * n, 0f);
        backend.Upload([.. Enumerable.Range(0, n * n).Select(i => i % (n + 1) == 0 ? 2f : 0.1f)], matrix);
        DeviceBuffer logDet = Buffer(1, 0f), inverse = Buffer(n * n, 0f), lu = Buffer(n * n, 0f);
        void Step()
        {
            backend.SumOfSquaresMulti(g, counts, groupOf, 2, sums);
            backend.ClipCoefficients(sums, maxNorms, 2, guard.Coefficients, guard.Flag);
            backend.AdamStepMulti(p, g, m, v, counts, groupOf, 2, 0.9f, 0.999f, 1e-8f, guard);
            backend.RmsPropStepMulti(p, g, v, counts, groupOf, 2, 0.99f, 1e-8f, guard);
            backend.WeightNormForward(wg, wv, w, norms, rows, rest);
            backend.WeightNormBackward(wg, wv, norms, dw, dg, dv, rows, rest);
            backend.LogAbsDeterminant(matrix, n, logDet, inverse, lu);
        }
        long jobs = SpinningWorkers.ParallelJobs;
        Assert.That(AllocatedByRepeats(Step), Is.Zero, "bytes allocated by three warm steps, calling thread and workers together");
        if (CpuParallel.Workers > 1)
            Assert.That(SpinningWorkers.ParallelJobs - jobs, Is.GreaterThanOrEqualTo(5 * 3), "the passes ran on the workers");
    }

    [Test]
    public void EveryKernelCaseOutsideConvolutionAllocatesNothingOnceWarm()
    {
        using var backend = new ManagedCpuBackend();
        var offenders = new List<string>();
        foreach (var kernelCase in SmallCases(closures: false))
        {
            using var buffers = new CaseBuffers(backend);
            kernelCase.Setup(buffers);
            long bytes = AllocatedByRepeats(() => kernelCase.Run(backend, buffers));
            if (bytes != 0) offenders.Add($"{kernelCase}: {bytes} bytes");
        }
        Assert.That(offenders, Is.Empty, "kernel calls that allocated after the warm-up");
    }

    [Test]
    public void ParallelKernelCallsAllocateNothingOnAnyThreadOnceWarm()
    {
        using var backend = new ManagedCpuBackend();
        var shape = new Ncs(8, 16, 1024); // 131072 elements: every op below splits over the workers
        int n = shape.Length;
        DeviceBuffer Buffer(float value)
        {
            var b = backend.Allocate(n);
            backend.Fill(b, value);
            return b;
        }
        DeviceBuffer x = Buffer(0.5f), y = Buffer(0f), dy = Buffer(0.25f), dx = Buffer(0f), t = Buffer(0.1f), raw = Buffer(0.2f);
        DeviceBuffer m = Buffer(0f), v = Buffer(0f), perChannel = backend.Allocate(shape.C), perChannel2 = backend.Allocate(shape.C);
        DeviceBuffer gamma = backend.Allocate(shape.C), beta = backend.Allocate(shape.C), dgamma = backend.Allocate(shape.C);
        DeviceBuffer dbeta = backend.Allocate(shape.C), scale = backend.Allocate(shape.C), dscale = backend.Allocate(shape.C);
        DeviceBuffer logdet = backend.Allocate(shape.N), dlogdet = backend.Allocate(shape.N), sums = backend.Allocate(1);
        foreach (var b in new[] { perChannel, perChannel2, gamma, beta, dgamma, dbeta, scale, dscale, logdet, dlogdet, sums })
            backend.Fill(b, 1f);
        var adam = new AdamSettings(1e-3f, 0.9f, 0.999f, 1e-8f, 0f, Step: 3);
        void Sequence()
        {
            backend.Unary(UnaryOp.Tanh, x, y, n);
            backend.UnaryBackward(UnaryOp.Tanh, x, y, dy, dx, n);
            backend.Binary(BinaryOp.Mul, x, shape, perChannel, new Ncs(1, shape.C, 1), y);
            backend.Binary(BinaryOp.Add, x, shape, dy, shape, y);
            backend.Axpy(0.5f, dy, dx, n);
            backend.SumTo(x, shape, perChannel, new Ncs(1, shape.C, 1));
            backend.ChannelMoments(x, shape, perChannel, perChannel2);
            backend.BatchNormApply(x, perChannel, perChannel2, gamma, beta, y, shape, relu: true);
            backend.BatchNormBackward(x, perChannel, perChannel2, gamma, dy, dx, dgamma, dbeta, shape, true, y);
            backend.CouplingForward(x, raw, t, scale, null, y, logdet, shape);
            backend.CouplingBackward(x, raw, t, scale, null, dy, dlogdet, dx, m, v, dscale, shape);
            backend.ActNormForward(x, perChannel, perChannel2, y, shape);
            backend.ActNormBackward(x, perChannel, perChannel2, dy, dx, dgamma, dbeta, shape);
            backend.Squeeze2x2(x, y, shape.N, shape.C, 32, 32);
            backend.SumOfSquaresInto(dx, n, sums, 0);
            backend.SumOfSquares(dx, n);
            backend.AdamStep(x, dx, m, v, n, adam);
            backend.FillNormal(t, n, seed: 7, offset: 0);
        }
        long jobs = SpinningWorkers.ParallelJobs;
        long bytes = AllocatedByRepeats(Sequence);
        Assert.That(bytes, Is.Zero, "bytes allocated by the warm sequences, calling thread and workers together");
        if (CpuParallel.Workers > 1)
            Assert.That(SpinningWorkers.ParallelJobs - jobs, Is.GreaterThanOrEqualTo(5 * 15), "the ops ran on the workers");
    }

    [Test]
    public void ConvolutionsAllocateAtMostTheirCallSitesClosure()
    {
        using var backend = new ManagedCpuBackend();
        var perCall = new List<string>();
        foreach (var kernelCase in SmallCases(closures: true))
        {
            using var buffers = new CaseBuffers(backend);
            kernelCase.Setup(buffers);
            long bytes = AllocatedByRepeats(() => kernelCase.Run(backend, buffers)) / 3;
            // A closure and one or two delegates; before the state-passing loops a call also paid a job object
            // and a wrapper closure per parallel loop.
            // Backward-weight's phase split adds a second small closure (about 360 B).
            if (bytes > 400) perCall.Add($"{kernelCase}: {bytes} bytes per call");
        }
        Assert.That(perCall, Is.Empty);
    }

    /// <summary>
    /// Runs <paramref name="body"/> twice to warm up, then three times counted: bytes on all threads. The count is taken
    /// up to three times and the least kept: under load the workers may split a loop differently from the warm-up, and a
    /// worker's first chunk of a kind grows its thread scratch once; steady state is what every later round shows.
    /// </summary>
    private static long AllocatedByRepeats(Action body)
    {
        body();
        body();
        long least = long.MaxValue;
        for (int attempt = 0; attempt < 3 && least > 0; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread(), workersBefore = SpinningWorkers.WorkerAllocatedBytes;
            for (int i = 0; i < 3; i++) body();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before + SpinningWorkers.WorkerAllocatedBytes - workersBefore);
        }
        return least;
    }
}
