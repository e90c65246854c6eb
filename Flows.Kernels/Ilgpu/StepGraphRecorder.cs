using Flows.Kernels.Devices;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// The capture logic of <see cref="IlgpuBackend"/> (docs/PERFORMANCE.md, "Streams and CUDA graphs"), apart from the
/// driver it calls: begin a capture on the backend's stream, run the step's host code while the pool serves only
/// buffers it already holds and the backend refuses every host synchronisation, end the capture, compare its launches
/// with the last traced run, instantiate. Any failure ends the capture, returns the buffers and throws a
/// <see cref="GraphCaptureException"/>; nothing of the step has run on the device then.
/// </summary>
internal sealed class StepGraphRecorder
{
    private readonly ICudaGraphApi _api;
    private readonly IntPtr _stream;
    private readonly LaunchCounter _counter;
    private readonly IlgpuBufferPool _pool;
    private LaunchTrace? _traced;
    private IlgpuStepGraph? _live;

    public StepGraphRecorder(ICudaGraphApi api, IntPtr stream, LaunchCounter counter, IlgpuBufferPool pool)
    {
        _api = api;
        _stream = stream;
        _counter = counter;
        _pool = pool;
    }

    public ICudaGraphApi Api => _api;

    /// <summary>While true, the backend refuses uploads, downloads and synchronisations.</summary>
    public bool Capturing { get; private set; }

    public void RunTraced(Action work)
    {
        if (Capturing) throw new GraphCaptureException("a traced run was started during a capture");
        var trace = new LaunchTrace(run: true);
        _counter.Interceptor = trace;
        _pool.BeginTracking();
        try
        {
            work();
        }
        finally
        {
            _counter.Interceptor = null;
            trace.Temporaries = _pool.EndTracking();
        }
        _traced = trace;
    }

    public StepGraph Capture(Action work)
    {
        if (Capturing) throw new GraphCaptureException("a capture was started during a capture");
        if (_live is not null) throw new GraphCaptureException("another step graph of this backend is alive; dispose it first");
        if (_traced is not { } traced) throw new GraphCaptureException("no traced step to compare with: run the step once with RunTraced first");
        Check(_api.StreamBeginCapture(_stream, StreamCaptureMode.ThreadLocal), "cuStreamBeginCapture");
        // A CUDA capture records what ILGPU launches on the stream; the simulated driver keeps the launches itself.
        var captured = _capturing = new LaunchTrace(run: _api is not ILaunchInterceptor);
        _counter.Interceptor = _api is ILaunchInterceptor keep ? new Forward(captured, keep) : captured;
        _pool.BeginCapture();
        _pool.BeginTracking();
        Capturing = true;
        IntPtr graph;
        try
        {
            work();
        }
        catch (Exception e)
        {
            EndCapturing();
            if (_api.StreamEndCapture(_stream, out graph) == 0 && graph != IntPtr.Zero) _api.GraphDestroy(graph);
            _pool.AbortCapture();
            // Whatever stopped the step (a refused call, a driver error inside ILGPU) ran nothing: the eager step will
            // run it again, and raise it again if it is not about the capture.
            if (e is GraphCaptureException) throw;
            throw new GraphCaptureException($"the step stopped inside the capture: {e.Message}", e);
        }
        EndCapturing();
        int ended = _api.StreamEndCapture(_stream, out graph);
        if (ended != 0)
        {
            _pool.AbortCapture();
            Check(ended, "cuStreamEndCapture");
        }
        string? difference = LaunchTrace.Difference(traced, captured);
        IntPtr exec = IntPtr.Zero;
        int instantiated = difference is null ? _api.GraphInstantiate(out exec, graph) : 0;
        if (difference is not null || instantiated != 0)
        {
            _api.GraphDestroy(graph);
            _pool.AbortCapture();
            if (difference is not null) throw new GraphCaptureException(difference);
            Check(instantiated, "cuGraphInstantiateWithFlags");
        }
        _pool.EndCapture();
        return _live = new IlgpuStepGraph(this, graph, exec, captured.Launches.Count);
    }

    private LaunchTrace? _capturing;

    private void EndCapturing()
    {
        Capturing = false;
        _counter.Interceptor = null;
        _capturing!.Temporaries = _pool.EndTracking();
    }

    private void Check(int result, string call)
    {
        if (result != 0) throw new GraphCaptureException($"{call} returned {_api.Describe(result)}");
    }

    /// <summary>A captured step: replay it; dispose destroys the graph and gives its buffers back to the pool.</summary>
    private sealed class IlgpuStepGraph(StepGraphRecorder owner, IntPtr graph, IntPtr exec, int kernels) : StepGraph
    {
        private bool _released;

        public override int Kernels => kernels;

        public override void Replay()
        {
            ObjectDisposedException.ThrowIf(_released, this);
            int result = owner._api.GraphLaunch(exec, owner._stream);
            if (result != 0) throw new InvalidOperationException($"cuGraphLaunch returned {owner._api.Describe(result)}");
            owner._counter.CountGraphLaunch();
        }

        protected override void Release()
        {
            if (_released) return;
            _released = true;
            // A replay may still run: its buffers go back to the pool only once it has finished.
            owner._api.StreamSynchronize(owner._stream);
            owner._api.GraphExecDestroy(exec);
            owner._api.GraphDestroy(graph);
            owner._pool.ReleaseReservation();
            owner._live = null;
        }
    }

    /// <summary>Lists each launch for the comparison and gives it to the simulated driver, which keeps it.</summary>
    private sealed class Forward(LaunchTrace list, ILaunchInterceptor keep) : ILaunchInterceptor
    {
        public void Launch(KernelLaunch launch)
        {
            list.Launch(launch);
            keep.Launch(launch);
        }
    }
}
