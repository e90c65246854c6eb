using Flows.Kernels;
using Flows.Kernels.Ilgpu;

namespace Flows.Tests.Kernels.Ilgpu;

/// <summary>
/// Step-graph capture and replay on the CPU simulator, whose driver keeps the captured launches instead of running
/// them, as CUDA stream capture does (docs/PERFORMANCE.md, "Streams and CUDA graphs"): replays equal eager runs; an
/// allocation, an upload or a host read inside the capture, a driver error and a per-step kernel argument are each
/// refused with a reason, and leave nothing run, reserved or leaked.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class StepGraphTests
{
    private const int N = 16;
    private IlgpuBackend _device = null!;

    [OneTimeSetUp] public void SetUp() => _device = IlgpuBackend.CreateCpuSimulator();
    [OneTimeTearDown] public void TearDown() => _device.Dispose();

    [TearDown] public void RestoreDriver() => _device.GraphApi = new SimulatedGraphDriver();

    /// <summary>acc ← 3·acc + u with fresh uniform noise u: a temporary buffer, a device counter, state that carries over.</summary>
    private sealed class Step(IlgpuBackend device)
    {
        public DeviceBuffer Acc { get; } = Filled(device, 1f);
        public DeviceBuffer Counter { get; } = CounterAt(device, 1000);

        public void Run()
        {
            using var tmp = device.Allocate(N);
            using var u = device.Allocate(N);
            device.Unary(UnaryOp.Scale, Acc, tmp, N, 2f);
            device.Axpy(1f, tmp, Acc, N);
            device.FillUniformCounted(u, N, 7, Counter);
            device.Axpy(1f, u, Acc, N);
        }

        public float[] Values() => Download(device, Acc, N);
    }

    private static DeviceBuffer Filled(IlgpuBackend device, float value)
    {
        var b = device.Allocate(N);
        device.Fill(b, value);
        return b;
    }

    private static DeviceBuffer CounterAt(IlgpuBackend device, ulong start)
    {
        var b = device.Allocate(DeviceCounter.Length);
        var host = new float[DeviceCounter.Length];
        DeviceCounter.Encode(start, host);
        device.Upload(host, b);
        return b;
    }

    private static float[] Download(IlgpuBackend device, DeviceBuffer b, int n)
    {
        var host = new float[n];
        device.Download(b, host);
        return host;
    }

    [Test]
    public void ReplaysGiveTheNumbersOfEagerRuns()
    {
        var eager = new Step(_device);
        for (int i = 0; i < 5; i++) eager.Run();

        var graphed = new Step(_device);
        graphed.Run();
        _device.RunTraced(graphed.Run);
        int allocations = _device.AllocationCount;
        var before = graphed.Values();
        float[] afterCapture;
        using (var graph = _device.Capture(graphed.Run))
        {
            afterCapture = graphed.Values();
            Assert.That(graph.Kernels, Is.EqualTo(5), "scale, axpy, fill, advance, axpy");
            Assert.That(_device.GraphReservedBuffers, Is.GreaterThanOrEqualTo(2), "the step's two temporaries");
            for (int i = 0; i < 3; i++) graph.Replay();
        }
        Assert.That(afterCapture, Is.EqualTo(before), "a capture runs nothing");
        Assert.That(graphed.Values(), Is.EqualTo(eager.Values()), "2 eager runs and 3 replays = 5 eager runs, noise included");
        Assert.That(DeviceCounter.Decode(Download(_device, graphed.Counter, 2)), Is.EqualTo(1000UL + 5 * N), "the device counter advanced every replay");
        Assert.That(_device.AllocationCount, Is.EqualTo(allocations), "nothing allocated by the capture or the replays");
        Assert.That(_device.GraphReservedBuffers, Is.Zero, "disposing the graph gave its buffers back");
        Assert.That(((SimulatedGraphDriver)_device.GraphApi).LiveObjects, Is.Zero);
    }

    [Test]
    public void AnAllocationInsideTheCaptureIsRefused()
    {
        var step = new Step(_device);
        step.Run();
        _device.RunTraced(step.Run);
        var before = step.Values();
        Assert.That(() => _device.Capture(() =>
        {
            step.Run();
            using var fresh = _device.Allocate(3 * 1024 * 1024 + 17); // a size class no step has returned
        }), Throws.TypeOf<GraphCaptureException>().With.Message.Contains("device allocation"));
        Assert.That(step.Values(), Is.EqualTo(before), "the refused capture ran nothing");
        AssertNothingHeld();
    }

    [TestCase("upload")]
    [TestCase("download")]
    [TestCase("synchronize")]
    [TestCase("sum of squares")]
    public void AHostSynchronisationInsideTheCaptureIsRefused(string what)
    {
        var step = new Step(_device);
        step.Run();
        _device.RunTraced(step.Run);
        var host = new float[N];
        Action sync = what switch
        {
            "upload" => () => _device.Upload(host, step.Acc),
            "download" => () => _device.Download(step.Acc, host),
            "synchronize" => _device.Synchronize,
            _ => () => _device.SumOfSquares(step.Acc, N),
        };
        Assert.That(() => _device.Capture(() => { step.Run(); sync(); }),
                    Throws.TypeOf<GraphCaptureException>().With.Message.Contains("during the capture"));
        AssertNothingHeld();
        Assert.That(step.Values(), Has.All.Not.NaN, "the device works eagerly afterwards");
    }

    [TestCase("begin", "cuStreamBeginCapture")]
    [TestCase("end", "cuStreamEndCapture")]
    [TestCase("instantiate", "cuGraphInstantiateWithFlags")]
    public void ADriverErrorIsRefusedWithTheCallAndTheCode(string call, string named)
    {
        var driver = new SimulatedGraphDriver { FailAt = call };
        _device.GraphApi = driver;
        var step = new Step(_device);
        step.Run();
        _device.RunTraced(step.Run);
        var before = step.Values();
        Assert.That(() => _device.Capture(step.Run),
                    Throws.TypeOf<GraphCaptureException>().With.Message.Contains(named).And.Message.Contains("901"));
        Assert.That(step.Values(), Is.EqualTo(before));
        Assert.That(driver.LiveObjects, Is.Zero, "no graph left behind");
        AssertNothingHeld();
    }

    [Test]
    public void AKernelArgumentThatChangesBetweenStepsIsRefused()
    {
        var acc = Filled(_device, 1f);
        float alpha = 1f;
        void Work() => _device.Unary(UnaryOp.Scale, acc, acc, N, alpha += 0.5f);
        Work();
        _device.RunTraced(Work);
        Assert.That(() => _device.Capture(Work), Throws.TypeOf<GraphCaptureException>()
            .With.Message.Contains("launch 1 (UnaryKernel) changes between steps").And.Message.Contains("2 → 2.5"));
        AssertNothingHeld();
    }

    [Test]
    public void ABufferThatCarriesIntoTheNextStepIsNoTemporary()
    {
        // Each run reads the buffer the run before wrote and keeps a fresh one: a graph would read a stale buffer.
        var previous = Filled(_device, 1f);
        void Work()
        {
            var next = _device.Allocate(N);
            _device.Unary(UnaryOp.Scale, previous, next, N, 2f);
            previous.Dispose();
            previous = next;
        }
        Work();
        _device.RunTraced(Work);
        Assert.That(() => _device.Capture(Work), Throws.TypeOf<GraphCaptureException>().With.Message.Contains("outlives the step"));
        AssertNothingHeld();
    }

    [Test]
    public void ACaptureNeedsATracedRunAndOneGraphAtATime()
    {
        var fresh = IlgpuBackend.CreateCpuSimulator();
        try
        {
            var step = new Step(fresh);
            step.Run();
            Assert.That(() => fresh.Capture(step.Run), Throws.TypeOf<GraphCaptureException>().With.Message.Contains("no traced step"));
            fresh.RunTraced(step.Run);
            using var graph = fresh.Capture(step.Run);
            Assert.That(() => fresh.Capture(step.Run), Throws.TypeOf<GraphCaptureException>().With.Message.Contains("alive"));
        }
        finally
        {
            fresh.Dispose();
        }
    }

    [Test]
    public void AStagedUploadIsInFlightUntilTheStreamIsWaitedFor()
    {
        using var b = _device.Allocate(N);
        var host = Enumerable.Range(0, N).Select(i => (float)i).ToArray();
        _device.Upload(host, b);
        Assert.That(_device.StagingInFlight, Is.True, "the copy is queued, the host returned");
        Assert.That(_device.StagingCapacity, Is.GreaterThanOrEqualTo(N));
        host[0] = -1f; // the staging buffer holds its own copy: the caller's array may change at once
        Assert.That(Download(_device, b, N), Is.EqualTo(Enumerable.Range(0, N).Select(i => (float)i).ToArray()));
        Assert.That(_device.StagingInFlight, Is.False, "the download waited for the stream");
    }

    private void AssertNothingHeld()
    {
        Assert.That(_device.GraphReservedBuffers, Is.Zero);
        using var probe = _device.Allocate(N); // the pool serves ordinary requests again
        Assert.That(probe.Length, Is.EqualTo(N));
    }
}
