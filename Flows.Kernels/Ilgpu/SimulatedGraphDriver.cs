using Flows.Kernels.Devices;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// <see cref="ICudaGraphApi"/> for ILGPU's CPU simulator, where there is no driver to capture a stream: between
/// begin and end of a capture it keeps each launch instead of running it, as CUDA stream capture does, and a graph
/// launch runs the kept launches in order with the arguments they were captured with. So everything around the
/// capture (the refusals, the buffer reservation, the trainer's replay) runs and is tested without a GPU.
/// <see cref="FailAt"/> makes one call fail with <see cref="FailureCode"/>, for the fallback tests.
/// </summary>
internal sealed class SimulatedGraphDriver : ICudaGraphApi, ILaunchInterceptor
{
    private readonly Dictionary<IntPtr, List<Action>> _graphs = new();
    private readonly Dictionary<IntPtr, List<Action>> _execs = new();
    private List<Action>? _capturing;
    private long _nextHandle = 1;

    public string Name => "simulated";

    /// <summary>The call that fails, if any: "begin", "end", "instantiate", "launch".</summary>
    public string? FailAt { get; set; }

    /// <summary>The CUresult a failing call returns (901 = CUDA_ERROR_STREAM_CAPTURE_INVALIDATED).</summary>
    public int FailureCode { get; set; } = 901;

    /// <summary>Graphs and executable graphs not yet destroyed (tests check that nothing leaks).</summary>
    public int LiveObjects => _graphs.Count + _execs.Count;

    public int StreamBeginCapture(IntPtr stream, StreamCaptureMode mode)
    {
        if (FailAt == "begin") return FailureCode;
        if (_capturing is not null) return 900; // CUDA_ERROR_ILLEGAL_STATE: already capturing
        _capturing = new List<Action>();
        return 0;
    }

    public void Launch(KernelLaunch launch)
    {
        if (_capturing is null) launch.Run();
        else _capturing.Add(launch.Run);
    }

    public int StreamEndCapture(IntPtr stream, out IntPtr graph)
    {
        graph = IntPtr.Zero;
        if (_capturing is null) return 900;
        var launches = _capturing;
        _capturing = null;
        if (FailAt == "end") return FailureCode;
        graph = NewHandle();
        _graphs[graph] = launches;
        return 0;
    }

    public int GraphInstantiate(out IntPtr exec, IntPtr graph)
    {
        exec = IntPtr.Zero;
        if (FailAt == "instantiate") return FailureCode;
        if (!_graphs.TryGetValue(graph, out var launches)) return 400; // CUDA_ERROR_INVALID_HANDLE
        exec = NewHandle();
        _execs[exec] = launches;
        return 0;
    }

    public int GraphLaunch(IntPtr exec, IntPtr stream)
    {
        if (FailAt == "launch") return FailureCode;
        if (!_execs.TryGetValue(exec, out var launches)) return 400;
        foreach (var run in launches) run();
        return 0;
    }

    public int GraphExecDestroy(IntPtr exec) => _execs.Remove(exec) ? 0 : 400;

    public int GraphDestroy(IntPtr graph) => _graphs.Remove(graph) ? 0 : 400;

    // The CPU accelerator runs every launch before returning.
    public int StreamSynchronize(IntPtr stream) => 0;

    public string Describe(int result) => $"simulated CUresult {result}";

    private IntPtr NewHandle() => new(_nextHandle++);
}
