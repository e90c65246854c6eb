using System.Globalization;
using Flows.Kernels;

namespace Flows.Training.Cli;

/// <summary>
/// With FLOWS_MEMORY_REPORT=1, one stderr line per phase of a job: the process's resident set now and at its peak
/// (VmHWM), the garbage collector's heap and committed bytes, and the backend's pool (docs/PERFORMANCE.md, "Memory").
/// </summary>
public static class MemoryReport
{
    public static bool Enabled { get; } = Environment.GetEnvironmentVariable("FLOWS_MEMORY_REPORT") == "1";

    public static void Print(string phase, IComputeBackend? backend = null)
    {
        if (!Enabled) return;
        var gc = GC.GetGCMemoryInfo();
        string pool = backend is null ? "" : $", pool: {backend.PoolStatistics}";
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"memory after {phase}: rss {Mib(Environment.WorkingSet)} MiB, peak rss {PeakResidentMib()} MiB, gc heap {Mib(GC.GetTotalMemory(false))} MiB (committed {Mib(gc.TotalCommittedBytes)} MiB){pool}"));
    }

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("F0", CultureInfo.InvariantCulture);

    private static string PeakResidentMib()
    {
        try
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            if (line is null) return "?";
            long kb = long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            return Mib(kb * 1024);
        }
        catch (IOException)
        {
            return "?";
        }
    }
}
