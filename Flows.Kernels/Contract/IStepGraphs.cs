namespace Flows.Kernels;

/// <summary>
/// A backend that can record one piece of work, a training step, as a graph and replay it (docs/PERFORMANCE.md,
/// "Streams and CUDA graphs"): the ILGPU backend, with CUDA graphs on a GPU and a recording of its launches on the
/// CPU simulator. A replay runs the recorded kernels with the recorded arguments on the recorded buffers, so work is
/// replayable only when a second run of it would launch exactly the same; <see cref="Capture"/> checks that against
/// the last <see cref="RunTraced"/>.
/// </summary>
public interface IStepGraphs
{
    /// <summary>What captures go through: "libcuda", "simulated".</summary>
    string GraphDriver { get; }

    /// <summary>Runs work now, as usual, and keeps the list of its launches for the next <see cref="Capture"/>.</summary>
    void RunTraced(Action work);

    /// <summary>
    /// Records work without running it. Inside it no device allocation, upload, download or synchronisation may
    /// happen; each is refused with a <see cref="GraphCaptureException"/>, as are a driver error and launches that
    /// differ from the last traced run. Every buffer the work rented stays the graph's until it is disposed.
    /// </summary>
    StepGraph Capture(Action work);
}

/// <summary>A captured step: <see cref="Replay"/> queues it on the backend's stream; disposing it returns its buffers.</summary>
public abstract class StepGraph : IDisposable
{
    /// <summary>Kernel launches in the graph.</summary>
    public abstract int Kernels { get; }

    /// <summary>Queues one run of the graph (it returns at once: read a result to wait for it).</summary>
    public abstract void Replay();

    public void Dispose()
    {
        Release();
        GC.SuppressFinalize(this);
    }

    protected abstract void Release();
}

/// <summary>Why a step could not be captured; the caller runs it eagerly instead.</summary>
public sealed class GraphCaptureException : Exception
{
    public GraphCaptureException(string message) : base(message)
    {
    }

    public GraphCaptureException(string message, Exception inner) : base(message, inner)
    {
    }
}
