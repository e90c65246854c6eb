namespace Flows.Bench.EndToEnd;

/// <summary>
/// What the profiled calls of one op (or one op shape) added up to: wall time, calls, the work done (FLOPs for
/// arithmetic-bound ops, bytes read plus written for memory-bound ones) and the managed bytes allocated inside.
/// </summary>
public sealed class OpTotals
{
    public double Ms { get; set; }
    public long Calls { get; set; }
    public double Flops { get; set; }
    public double Bytes { get; set; }
    public long Allocated { get; set; }

    /// <summary>An op counts as arithmetic-bound when it reports FLOPs (convolutions, matrix products).</summary>
    public bool IsCompute => Flops > 0;

    public double Gflops => Ms > 0 ? Flops / Ms / 1e6 : 0;
    public double Gbs => Ms > 0 ? Bytes / Ms / 1e6 : 0;

    /// <summary>(time, calls) and (time, calls, FLOPs), as the earlier tuple-valued tables gave them.</summary>
    public void Deconstruct(out double ms, out long calls) => (ms, calls) = (Ms, Calls);

    public void Deconstruct(out double ms, out long calls, out double flops) => (ms, calls, flops) = (Ms, Calls, Flops);

    public void Add(double ms, double flops, double bytes, long allocated)
    {
        Ms += ms;
        Calls++;
        Flops += flops;
        Bytes += bytes;
        Allocated += allocated;
    }
}
