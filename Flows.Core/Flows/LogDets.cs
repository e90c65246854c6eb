using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>Small helpers for per-sample log-determinant vectors (shape [N]).</summary>
public static class LogDets
{
    public static Tensor Zeros(IComputeBackend backend, int batch) => Tensor.Zeros(backend, batch);

    // The flag of the training step whose checks are deferred on this thread (null: check at once).
    [ThreadStatic] private static DeviceBuffer? t_deferredFlag;

    /// <summary>
    /// Until the returned scope ends, <see cref="RequireFinite"/> on this thread only ORs a non-finite log-det into
    /// flag[0] on the device (no host read); the trainer reads the flag once per step and, when it is set, runs the
    /// forward again with the checks at once, so the error still names the layer (docs/PERFORMANCE.md, "Host
    /// synchronisations per step").
    /// </summary>
    public static IDisposable DeferChecks(DeviceBuffer flag)
    {
        var previous = t_deferredFlag;
        t_deferredFlag = flag;
        return new Restore(previous);
    }

    /// <summary>
    /// Reads the N values to the host (cheap) and raises a NumericalException naming the layer and the
    /// shapes when one is NaN or infinite; the original code stops the same way ("Scale factor has NaN entries").
    /// Inside <see cref="DeferChecks"/> it only sets the step's device flag.
    /// </summary>
    public static void RequireFinite(Tensor logdet, string layer, string shapes)
    {
        if (FlagIfDeferred(logdet)) return;
        var values = logdet.ToArray();
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw new NumericalException(
                    $"{layer}: log-determinant of sample {i} is {values[i]} (the scale s has NaN or Inf entries); {shapes}");
    }

    /// <summary>Whether this thread is inside <see cref="DeferChecks"/> for a step on this backend.</summary>
    public static bool ChecksDeferredOn(IComputeBackend backend) =>
        t_deferredFlag is { } flag && ReferenceEquals(flag.Backend, backend);

    /// <summary>
    /// Inside <see cref="DeferChecks"/> (on values' backend), ORs a non-finite element of values into the step's flag
    /// and returns true; otherwise returns false and the caller checks at once.
    /// </summary>
    public static bool FlagIfDeferred(Tensor values)
    {
        if (t_deferredFlag is not { } flag || !ReferenceEquals(flag.Backend, values.Buffer.Backend)) return false;
        values.Backend.FlagNonFinite(values.Buffer, values.Length, flag);
        return true;
    }

    /// <summary>
    /// The invertible 1×1 convolution's check of log|det W| (one element, from the device): inside
    /// <see cref="DeferChecks"/> only the step's flag; otherwise one read, and a singular W is named.
    /// </summary>
    public static void RequireFiniteLogAbsDet(Tensor logAbsDet, string layer, int channels)
    {
        if (FlagIfDeferred(logAbsDet)) return;
        float value = logAbsDet.Item();
        if (!float.IsFinite(value))
            throw new NumericalException($"{layer}: LogAbsDet: the {channels}×{channels} weight of an invertible 1×1 convolution is singular (log|det| = {value})");
    }

    private sealed class Restore(DeviceBuffer? previous) : IDisposable
    {
        public void Dispose() => t_deferredFlag = previous;
    }
}
