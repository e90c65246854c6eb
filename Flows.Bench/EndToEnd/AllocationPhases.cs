namespace Flows.Bench.EndToEnd;

/// <summary>
/// Managed bytes the calling thread allocates in each phase of a training step (zero_grad, forward, backward,
/// clip + update, scope end), summed over the timed steps: where the per-step allocation of docs/PERFORMANCE.md
/// "CPU roofline" comes from. The kernels' own share is in the `--profile` table.
/// </summary>
public sealed class AllocationPhases(params string[] names)
{
    private readonly long[] _bytes = new long[names.Length];
    private long _last;
    private bool _counting;

    /// <summary>Starts a step; <paramref name="count"/> false for the warm-up steps.</summary>
    public void Begin(bool count)
    {
        _counting = count;
        _last = GC.GetAllocatedBytesForCurrentThread();
    }

    /// <summary>Ends phase <paramref name="phase"/> of the current step.</summary>
    public void Mark(int phase)
    {
        long now = GC.GetAllocatedBytesForCurrentThread();
        if (_counting) _bytes[phase] += now - _last;
        _last = now;
    }

    public string Describe(int steps) =>
        string.Join(", ", names.Select((name, i) => $"{name} {_bytes[i] / 1e3 / Math.Max(steps, 1):F1} kB"));
}
