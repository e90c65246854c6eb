namespace Flows.Kernels.Devices;

/// <summary>
/// The CUDA driver calls a step graph needs (docs/PERFORMANCE.md, "Streams and CUDA graphs"), behind an interface so
/// that the capture logic runs in tests with a fake driver and on ILGPU's CPU simulator with a recording one. Every
/// call returns the driver's CUresult: 0 is success.
/// </summary>
internal interface ICudaGraphApi
{
    /// <summary>What the messages call this driver ("libcuda", "simulated").</summary>
    string Name { get; }

    int StreamBeginCapture(IntPtr stream, StreamCaptureMode mode);

    int StreamEndCapture(IntPtr stream, out IntPtr graph);

    int GraphInstantiate(out IntPtr exec, IntPtr graph);

    int GraphLaunch(IntPtr exec, IntPtr stream);

    int GraphExecDestroy(IntPtr exec);

    int GraphDestroy(IntPtr graph);

    int StreamSynchronize(IntPtr stream);

    /// <summary>"CUDA_ERROR_STREAM_CAPTURE_INVALIDATED (901)" for messages.</summary>
    string Describe(int result);
}

/// <summary>CUstreamCaptureMode.</summary>
internal enum StreamCaptureMode
{
    Global = 0,

    /// <summary>Only this thread's unsafe calls (a cuMemAlloc, a synchronisation) invalidate the capture: ours.</summary>
    ThreadLocal = 1,
    Relaxed = 2,
}
