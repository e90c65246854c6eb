using Flows.Bench.Cpu;

namespace Flows.Bench.EndToEnd;

/// <summary>
/// The two ceilings `step --profile` reads each op against (docs/PERFORMANCE.md "CPU roofline"): the FMA peak of
/// the widest vector on all cores, and the DRAM copy bandwidth on all cores. Either is measured at the start of the
/// run by a short version of `fma-peak`, or given on the command line (a loaded machine measures low).
/// </summary>
public sealed record Roof(double Gflops, double Gbs, string Source)
{
    public static Roof Resolve(double? gflops, double? gbs)
    {
        int cores = Environment.ProcessorCount;
        double flopsRoof = gflops ?? FmaPeak.Measure(FmaPeak.WidestBits, cores, 0.15);
        double bytesRoof = gbs ?? MemoryBandwidth.Measure(MemoryBandwidth.Kernel.Copy, cores, passes: 3);
        string flopsSource = gflops is null ? $"measured, {FmaPeak.WidestBits}-bit FMA on {cores} threads" : "--roof-gflops";
        string bytesSource = gbs is null ? $"measured, stream copy on {cores} threads" : "--roof-gbs";
        return new Roof(flopsRoof, bytesRoof, $"{flopsSource}; {bytesSource}");
    }

    /// <summary>The share of its roof an op reached: GFLOP/s against the FMA peak, or GB/s against the bandwidth.</summary>
    public double Fraction(OpTotals op) => op.IsCompute ? op.Gflops / Gflops : Gbs > 0 ? op.Gbs / Gbs : 0;
}
