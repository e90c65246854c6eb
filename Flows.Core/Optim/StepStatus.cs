using Flows.Kernels;

namespace Flows.Core;

/// <summary>
/// The one host read of a training step (docs/PERFORMANCE.md, "Host synchronisations per step"): a two-float device
/// buffer, [0] the step's non-finite flag (OR-ed by the loss, the deferred log-det checks and the clipping, read by
/// the guarded optimizer kernels) and [1] the loss, downloaded together after the optimizer step.
/// </summary>
public sealed class StepStatus : IDisposable
{
    private readonly float[] _host = new float[2];

    public StepStatus(IComputeBackend backend)
    {
        Backend = backend;
        Flag = backend.Allocate(2);
    }

    public IComputeBackend Backend { get; }

    /// <summary>Element 0 is the flag (0 = all finite so far); element 1 receives the loss in <see cref="Read"/>.</summary>
    public DeviceBuffer Flag { get; }

    /// <summary>Clears the flag at the start of a step.</summary>
    public void Reset() => Backend.Fill(Flag, 0f);

    /// <summary>Sets the flag when an element of t is NaN or infinite.</summary>
    public void FlagNonFinite(Tensor t) => Backend.FlagNonFinite(t.Buffer, t.Length, Flag);

    /// <summary>Copies the one-element loss next to the flag and downloads both: the step's single synchronisation.</summary>
    public (bool Flagged, double Loss) Read(Tensor loss)
    {
        Collect(loss);
        return Fetch();
    }

    /// <summary>The device half of <see cref="Read"/>: the loss is copied next to the flag (a step graph ends with it).</summary>
    public void Collect(Tensor loss) => Backend.CopyChannels(loss.Buffer, 1, 0, Flag, 2, 1, 1, 1, 1);

    /// <summary>The host half of <see cref="Read"/>: one download of the flag and the collected loss.</summary>
    public (bool Flagged, double Loss) Fetch()
    {
        Backend.Download(Flag, _host);
        return (_host[0] != 0f, _host[1]);
    }

    public void Dispose() => Flag.Dispose();
}
